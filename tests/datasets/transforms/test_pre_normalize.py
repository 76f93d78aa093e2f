# Copyright (c) aclnet-mm contributors. All rights reserved.
import numpy as np
import pytest
from mmaction.datasets.transforms import PreNormalize3D

from aclnet_mm.datasets.transforms import FastPreNormalize3D


def _skeleton(case: str) -> np.ndarray:
    rng = np.random.default_rng(0)
    joints = 17 if case == 'coco' else 25
    persons = 1 if case == 'one_person' else 2
    kp = rng.normal(size=(persons, 30, joints, 3)).astype(np.float32)
    kp[0, :4] = 0  # leading empty frames of the main person
    if persons == 2:
        kp[1, 12:] = 0
    if case == 'second_longer':
        kp[0, 8:] = 0  # the second person becomes the main one
    if case == 'missing_joint':
        kp[:, :, 3] = 0
    return kp


@pytest.mark.parametrize(
    'case',
    ['two_persons', 'one_person', 'coco', 'second_longer', 'missing_joint'])
@pytest.mark.parametrize('kwargs', [dict(), dict(align_spine=False)])
def test_equals_mmaction_prenormalize3d(case, kwargs):
    keypoint = _skeleton(case)
    expected = PreNormalize3D(**kwargs)(
        dict(keypoint=keypoint.copy(), total_frames=30))
    result = FastPreNormalize3D(**kwargs)(
        dict(keypoint=keypoint.copy(), total_frames=30))
    assert result['keypoint'].dtype == expected['keypoint'].dtype
    np.testing.assert_array_equal(result['keypoint'], expected['keypoint'])
    np.testing.assert_array_equal(result['body_center'],
                                  expected['body_center'])
    assert result['total_frames'] == expected['total_frames'] < 30


def test_all_zero_skeleton_is_left_alone():
    keypoint = np.zeros((2, 5, 25, 3), dtype=np.float32)
    result = FastPreNormalize3D()(dict(keypoint=keypoint, total_frames=5))
    assert result['keypoint'] is keypoint and 'body_center' not in result


def test_without_centring_adds_no_body_center():
    result = FastPreNormalize3D(align_center=False)(
        dict(keypoint=_skeleton('two_persons'), total_frames=30))
    assert 'body_center' not in result and result['total_frames'] == 26
