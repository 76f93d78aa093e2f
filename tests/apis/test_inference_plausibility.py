# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Keypoints no recording gives are refused before inference, not turned
into NaN scores; an all-zero clip (nobody in view) only warns."""
import warnings

import numpy as np
import pytest

from aclnet_mm.apis.inference import SkeletonInput, prepare_skeleton

EXPECT = dict(num_joints=17, layout='coco', dim=2, in_channels=3)


def _input(**changes):
    rng = np.random.RandomState(0)
    skeleton = SkeletonInput(
        keypoint=(rng.rand(1, 8, 17, 2) * 500).astype(np.float32),
        keypoint_score=rng.rand(1, 8, 17).astype(np.float32),
        img_shape=(480, 640))
    for key, value in changes.items():
        getattr(skeleton, key)[value[0]] = value[1]
    return skeleton


def test_plausible_input_passes_silently():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        prepared = prepare_skeleton(_input(), EXPECT)
    assert prepared.keypoint.shape == (1, 8, 17, 2)


def test_huge_coordinates_are_refused():
    with pytest.raises(ValueError) as info:
        prepare_skeleton(_input(keypoint=((0, 3, 5, 0), 1e30)), EXPECT)
    assert str(info.value) == (
        'the keypoints: keypoint: 1 coordinate(s) beyond 6400 in magnitude, '
        'the largest 1e+30, the first at index (0, 3, 5, 0); no recording '
        'gives them (the limit is 10 x the largest side of img_shape (480, '
        '640)). Such values overflow the running variance of normalisation '
        'layers')


def test_negative_scores_are_refused():
    with pytest.raises(
            ValueError,
            match=r'keypoint_score: 1 negative '
            r'score\(s\), the lowest -2'):
        prepare_skeleton(_input(keypoint_score=((0, 1, 2), -2.)), EXPECT)


def test_all_zero_clip_warns():
    skeleton = _input()
    skeleton.keypoint[:] = 0
    skeleton.keypoint_score[:] = 0
    with pytest.warns(
            UserWarning,
            match='every coordinate of the clip is 0'
            '.*the prediction for it means nothing'):
        prepare_skeleton(skeleton, EXPECT)
