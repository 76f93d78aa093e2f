# Copyright (c) aclnet-mm contributors. All rights reserved.
import numpy as np
import pytest

from aclnet_mm.datasets.transforms import RandomSkeletonScale


def test_per_axis_factors_with_a_fixed_rng():
    rng = np.random.default_rng(0)
    keypoint = rng.standard_normal((2, 4, 25, 3)).astype(np.float32)
    before = keypoint.copy()
    out = RandomSkeletonScale(
        scale=(0.1, 0.2, 0.3), seed=3)(dict(keypoint=keypoint))['keypoint']
    factors = 1 + np.random.default_rng(3).uniform(-1, 1, 3) * [.1, .2, .3]
    assert out.shape == before.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, before * factors, rtol=1e-6)
    np.testing.assert_array_equal(keypoint, before)
    # One factor per axis for every person, frame and joint.
    ratio = out / before
    np.testing.assert_allclose(
        ratio, np.broadcast_to(ratio[0, 0, 0], ratio.shape), rtol=1e-5)
    assert (np.abs(ratio[0, 0, 0] - 1) <= [.1, .2, .3]).all()


def test_scalar_scale_on_2d_and_global_rng():
    keypoint = np.ones((1, 2, 17, 2), dtype=np.float32)
    np.random.seed(1)
    out = RandomSkeletonScale(scale=0.2)(dict(keypoint=keypoint))['keypoint']
    factors = 1 + np.random.RandomState(1).uniform(-1, 1, 2) * 0.2
    np.testing.assert_allclose(out[0, 0, 0], factors, rtol=1e-6)


def test_invalid_scales():
    with pytest.raises(ValueError, match='scale'):
        RandomSkeletonScale(scale=1.5)
    with pytest.raises(ValueError, match='scale'):
        RandomSkeletonScale(scale=-0.1)
    with pytest.raises(ValueError, match='axes'):
        RandomSkeletonScale(scale=(0.1, 0.1))(
            dict(keypoint=np.ones((1, 1, 1, 3))))
