# Copyright (c) aclnet-mm contributors. All rights reserved.
import numpy as np
import pytest
from mmaction.datasets.transforms import Flip

from aclnet_mm.datasets.transforms import SkeletonFlip
from aclnet_mm.structures import get_layout

# A labelled toy: 0 centre, 1 left hand, 2 right hand, 3 left foot,
# 4 right foot.
TOY = dict(
    num_node=5,
    inward=[(1, 0), (2, 0), (3, 0), (4, 0)],
    center=0,
    flip_pairs=[(1, 2), (3, 4)])


def _toy_keypoint():
    # Joint v at (v + 1, 10 (v + 1), 100 (v + 1)); joint 4 undetected.
    keypoint = np.zeros((1, 2, 5, 3), dtype=np.float32)
    values = np.arange(1, 6, dtype=np.float32)
    keypoint[..., :] = np.stack([values, 10 * values, 100 * values], -1)
    keypoint[..., 4, :] = 0
    return keypoint


def test_permutation_only_is_the_reference_flip():
    keypoint = _toy_keypoint()
    before = keypoint.copy()
    results = SkeletonFlip(TOY, flip_ratio=1.)(dict(keypoint=keypoint))
    out = results['keypoint']
    assert results['flip'] is True
    assert out.shape == before.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out[..., [0, 1, 2, 3, 4], :],
                                  before[..., [0, 2, 1, 4, 3], :])
    np.testing.assert_array_equal(keypoint, before)


def test_reflect_about_the_origin():
    keypoint = _toy_keypoint()
    out = SkeletonFlip(
        TOY, flip_ratio=1., reflect='origin')(
            dict(keypoint=keypoint))
    expected = keypoint[..., [0, 2, 1, 4, 3], :] * [-1, 1, 1]
    np.testing.assert_array_equal(out['keypoint'], expected)


def test_reflect_in_the_image_keeps_missing_joints_at_zero():
    keypoint = _toy_keypoint()[..., :2]
    score = np.tile(np.array([.1, .2, .3, .4, 0.], np.float32), (1, 2, 1))
    results = SkeletonFlip(
        TOY, flip_ratio=1., reflect='image')(
            dict(
                keypoint=keypoint, keypoint_score=score, img_shape=(480, 640)))
    out = results['keypoint'][0, 0]
    # Left hand (was right hand at x = 3): 640 - 3; left foot: missing.
    np.testing.assert_array_equal(out[:, 0], [639, 637, 638, 0, 636])
    np.testing.assert_array_equal(out[:, 1], [10, 30, 20, 0, 40])
    np.testing.assert_array_equal(results['keypoint_score'][0, 0],
                                  score[0, 0, [0, 2, 1, 4, 3]])
    np.testing.assert_allclose(results['keypoint_score'][0, 0],
                               [.1, .3, .2, 0., .4])


def test_ntu_flip_swaps_every_left_right_pair_by_name():
    layout = get_layout('nturgb+d')
    names = layout.joint_names
    keypoint = np.arange(25, dtype=np.float32)[None, None, :, None]
    keypoint = np.repeat(keypoint, 3, axis=-1)
    out = SkeletonFlip(flip_ratio=1.)(dict(keypoint=keypoint))['keypoint']
    source = {names[v]: names[int(out[0, 0, v, 0])] for v in range(25)}
    for name, came_from in source.items():
        if name.startswith('left_'):
            assert came_from == 'right_' + name[5:]
        elif name.startswith('right_'):
            assert came_from == 'left_' + name[6:]
        else:
            assert came_from == name


def test_coco_image_flip_equals_mmaction_flip():
    rng = np.random.default_rng(0)
    keypoint = rng.uniform(1, 600, (2, 4, 17, 2)).astype(np.float32)
    keypoint[0, 1, 3] = 0  # an undetected joint
    score = rng.uniform(0, 1, (2, 4, 17)).astype(np.float32)
    ours = SkeletonFlip(
        'coco', flip_ratio=1., reflect='image')(
            dict(
                keypoint=keypoint.copy(),
                keypoint_score=score.copy(),
                img_shape=(480, 640)))
    left, right = zip(*get_layout('coco').flip_pairs)
    assert left == (1, 3, 5, 7, 9, 11, 13, 15)
    theirs = Flip(
        flip_ratio=1., left_kp=list(left), right_kp=list(right))(
            dict(
                keypoint=keypoint.copy(),
                keypoint_score=score.copy(),
                img_shape=(480, 640),
                modality='Pose'))
    np.testing.assert_array_equal(ours['keypoint'], theirs['keypoint'])
    np.testing.assert_array_equal(ours['keypoint_score'],
                                  theirs['keypoint_score'])


def test_flip_ratio_and_rng():
    keypoint = _toy_keypoint()
    never = SkeletonFlip(TOY, flip_ratio=0.)(dict(keypoint=keypoint))
    assert never['flip'] is False and never['keypoint'] is keypoint
    transform = SkeletonFlip(TOY, seed=0)
    flips = [transform(dict(keypoint=keypoint))['flip'] for _ in range(200)]
    expected = np.random.default_rng(0).random(200) < 0.5
    assert flips == expected.tolist()


def test_invalid_arguments():
    with pytest.raises(ValueError, match='reflect'):
        SkeletonFlip(reflect='mirror')
    with pytest.raises(ValueError, match='flip_ratio'):
        SkeletonFlip(flip_ratio=2.)
    with pytest.raises(ValueError, match='flip_pairs'):
        SkeletonFlip(dict(num_node=2, inward=[(1, 0)], center=0))
    with pytest.raises(ValueError, match='joints'):
        SkeletonFlip(flip_ratio=1.)(dict(keypoint=np.ones((1, 1, 17, 3))))
