# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL augmentations against hand-computed arrays."""
import random

import numpy as np
import pytest

# yapf: disable
from aclnet_mm.datasets.transforms import (SkeletonAxisMask,
                                           SkeletonAxisRotate, SkeletonCentre,
                                           SkeletonFirstFrames,
                                           SkeletonGaussianNoise,
                                           SkeletonJointMask, SkeletonReverse,
                                           SkeletonShear, SkeletonTemporalBlur,
                                           axis_rotation, shear_matrix)

# yapf: enable


def _sample(m=1, t=4, v=3, c=3, seed=0):
    rng = np.random.default_rng(seed)
    keypoint = rng.normal(size=(m, t, v, c)).astype(np.float32)
    score = rng.uniform(size=(m, t, v)).astype(np.float32)
    return dict(keypoint=keypoint, keypoint_score=score)


def test_first_frames_cuts_and_pads():
    results = _sample(t=5)
    out = SkeletonFirstFrames(clip_len=3)(dict(results))
    np.testing.assert_array_equal(out['keypoint'], results['keypoint'][:, :3])
    assert out['clip_len'] == 3 and out['num_clips'] == 1
    out = SkeletonFirstFrames(clip_len=7)(dict(results))
    assert out['keypoint'].shape == (1, 7, 3, 3)
    np.testing.assert_array_equal(out['keypoint'][:, :5], results['keypoint'])
    assert not out['keypoint'][:, 5:].any()
    assert not out['keypoint_score'][:, 5:].any()


def test_centre_on_joint():
    keypoint = np.array([[[[1., 2., 3.], [2., 2., 2.], [0., 0., 1.]]]])
    out = SkeletonCentre(joint=1)(dict(keypoint=keypoint))['keypoint']
    np.testing.assert_array_equal(
        out, [[[[-1., 0., 1.], [0., 0., 0.], [-2., -2., -1.]]]])
    # An absent (all-zero) person stays zero.
    zeros = np.zeros((1, 2, 3, 3))
    assert not SkeletonCentre()(dict(keypoint=zeros))['keypoint'].any()


def test_reverse_always_and_never():
    results = _sample(t=3)
    out = SkeletonReverse(prob=1.)(dict(results))
    np.testing.assert_array_equal(out['keypoint'][:, 0],
                                  results['keypoint'][:, 2])
    np.testing.assert_array_equal(out['keypoint_score'][:, ::-1],
                                  results['keypoint_score'])
    out = SkeletonReverse(prob=0.)(dict(results))
    np.testing.assert_array_equal(out['keypoint'], results['keypoint'])


def test_shear_matrix_layout():
    np.testing.assert_array_equal(
        shear_matrix([1, 2, 3, 4, 5, 6]), [[1, 1, 4], [2, 1, 5], [3, 6, 1]])
    np.testing.assert_array_equal(shear_matrix([7, 8], 2), [[1, 7], [8, 1]])
    with pytest.raises(ValueError):
        shear_matrix([1, 2], 3)


def test_shear_hand_computed():
    # Point (1, 2, 3) with offsets a = (.5, -.5, .25), b = (1, 0, -1):
    # x' = 1 + .5*2 + 1*3 = 5, y' = -.5*1 + 2 + 0*3 = 1.5,
    # z' = .25*1 + (-1)*2 + 3 = 1.25.
    keypoint = np.array([[[[1., 2., 3.]]]])
    matrix = shear_matrix([.5, -.5, .25, 1., 0., -1.])
    np.testing.assert_allclose(keypoint @ matrix.T, [[[[5., 1.5, 1.25]]]])
    # The transform draws its six offsets from U(-m, m) in that order
    # (Python's random, as the reference).
    seed, magnitude = 3, 0.7
    draw = random.Random(seed)
    offsets = [draw.uniform(-magnitude, magnitude) for _ in range(6)]
    out = SkeletonShear(magnitude, seed=seed)(dict(keypoint=keypoint))
    np.testing.assert_allclose(out['keypoint'],
                               keypoint @ shear_matrix(offsets).T)
    # 2D: two offsets.
    keypoint2d = np.array([[[[1., 2.]]]], dtype=np.float32)
    draw = random.Random(seed)
    a, c = draw.uniform(-1, 1), draw.uniform(-1, 1)
    out = SkeletonShear(seed=seed)(dict(keypoint=keypoint2d))['keypoint']
    np.testing.assert_allclose(out, [[[[1 + 2 * a, c + 2]]]], rtol=1e-6)
    assert out.dtype == np.float32


def test_axis_rotation_hand_computed():
    half = np.pi / 2
    np.testing.assert_allclose(
        axis_rotation(0, half) @ [0., 1., 0.], [0., 0., -1.], atol=1e-12)
    np.testing.assert_allclose(
        axis_rotation(1, half) @ [1., 0., 0.], [0., 0., 1.], atol=1e-12)
    np.testing.assert_allclose(
        axis_rotation(2, half) @ [1., 0., 0.], [0., -1., 0.], atol=1e-12)
    # 30 degrees about z, (1, 0, 0) -> (cos 30, -sin 30, 0).
    out = SkeletonAxisRotate(
        axes=(2, ), angle_range=(30., 30.))(
            dict(keypoint=np.array([[[[1., 0., 0.]]]])))['keypoint']
    np.testing.assert_allclose(out, [[[[np.sqrt(3) / 2, -0.5, 0.]]]])
    # 2D uses the in-plane block and requires axes=(2, ).
    out = SkeletonAxisRotate(
        axes=(2, ),
        angle_range=(90.,
                     90.))(dict(keypoint=np.array([[[[0., 1.]]]])))['keypoint']
    np.testing.assert_allclose(out, [[[[1., 0.]]]], atol=1e-12)
    with pytest.raises(ValueError):
        SkeletonAxisRotate()(dict(keypoint=np.zeros((1, 1, 1, 2))))


def test_rotation_draws_in_range():
    keypoint = np.array([[[[0., 1., 0.]]]])
    transform = SkeletonAxisRotate(axes=(0, ), seed=0)
    for _ in range(20):
        y, z = transform(dict(keypoint=keypoint))['keypoint'][0, 0, 0, 1:]
        angle = np.degrees(np.arctan2(-z, y))
        assert 0 <= angle <= 30


def test_gaussian_noise_matches_the_draw():
    results = _sample()
    # numpy's normal in the reference's (C, T, V, M) layout.
    m, t, v, c = results['keypoint'].shape
    noise = np.random.RandomState(5).normal(0., 0.05, (c, t, v, m)).transpose(
        3, 1, 2, 0)
    out = SkeletonGaussianNoise(seed=5)(dict(results))['keypoint']
    np.testing.assert_allclose(out, results['keypoint'] + noise, rtol=1e-6)


def test_temporal_blur_hand_computed():
    # kernel 3, sigma = 1: taps (e^-.5, 1, e^-.5), zero padding.
    w = np.exp(-0.5)
    track = np.array([1., 2., 3.])
    keypoint = track[None, :, None, None].repeat(2, axis=3)
    blur = SkeletonTemporalBlur(kernel_size=3, sigma_range=(1., 1.), prob=1.)
    out = blur(dict(keypoint=keypoint))['keypoint'][0, :, 0, 0]
    expected = [1 + 2 * w, w * 1 + 2 + w * 3, w * 2 + 3]
    np.testing.assert_allclose(out, expected)
    blur.normalize = True
    out = blur(dict(keypoint=keypoint))['keypoint'][0, :, 0, 0]
    np.testing.assert_allclose(out, np.array(expected) / (1 + 2 * w))
    # prob 0 leaves the sample alone.
    out = SkeletonTemporalBlur(prob=0.)(dict(keypoint=keypoint))['keypoint']
    np.testing.assert_array_equal(out, keypoint)


def test_joint_mask_counts_and_cells():
    results = _sample(m=2, t=10, v=6)
    out = SkeletonJointMask(
        num_joints=(2, 2), num_frames=(3, 3), seed=0)(
            dict(results))
    zero = (out['keypoint'] == 0).all(axis=(0, 3))  # (T, V)
    assert zero.sum() == 6
    frames, joints = np.nonzero(zero)
    assert len(set(frames)) == 3 and len(set(joints)) == 2
    assert (out['keypoint_score'][:, zero] == 0).all()
    np.testing.assert_array_equal(out['keypoint'][:, ~zero],
                                  results['keypoint'][:, ~zero])
    # The reference rule (20-50 frames when T < 100) is capped at T.
    out = SkeletonJointMask(num_joints=(1, 1), seed=1)(dict(results))
    zero = (out['keypoint'] == 0).all(axis=(0, 3))
    assert zero.sum() == 10


def test_axis_mask_zeroes_one_axis():
    results = _sample(c=3)
    axis = random.Random(2).randint(0, 2)
    out = SkeletonAxisMask(seed=2)(dict(results))['keypoint']
    assert not out[..., axis].any()
    others = [a for a in range(3) if a != axis]
    np.testing.assert_array_equal(out[..., others],
                                  results['keypoint'][..., others])
