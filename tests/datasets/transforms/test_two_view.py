# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Two independent views through MMAction2's FormatGCNInput."""
import numpy as np
import pytest
from mmaction.datasets.transforms import FormatGCNInput

from aclnet_mm.datasets.transforms import SkeletonTwoView


def _results():
    rng = np.random.default_rng(0)
    return dict(
        keypoint=rng.normal(size=(1, 5, 4, 2)).astype(np.float32),
        keypoint_score=rng.uniform(size=(1, 5, 4)).astype(np.float32))


def test_query_and_key_views_in_clip_order():
    results = _results()
    two_view = SkeletonTwoView(
        transforms=[dict(type='SkeletonFirstFrames', clip_len=5)],
        key_transforms=[
            dict(type='SkeletonFirstFrames', clip_len=5),
            dict(type='SkeletonReverse', prob=1.)
        ])
    out = FormatGCNInput(num_person=2)(two_view(dict(results)))
    keypoint = out['keypoint']
    assert keypoint.shape == (2, 2, 5, 4, 3)
    # View 0: the sample; view 1: reversed; score as the last channel;
    # the padded second person is zero.
    np.testing.assert_array_equal(keypoint[0, 0, ..., :2],
                                  results['keypoint'][0])
    np.testing.assert_array_equal(keypoint[1, 0, ..., :2],
                                  results['keypoint'][0, ::-1])
    np.testing.assert_array_equal(keypoint[1, 0, ..., 2],
                                  results['keypoint_score'][0, ::-1])
    assert not keypoint[:, 1].any()
    # The input dict's arrays are untouched.
    np.testing.assert_array_equal(results['keypoint'], _results()['keypoint'])


def test_views_are_independent_draws():
    two_view = SkeletonTwoView(
        transforms=[dict(type='SkeletonShear', magnitude=1.)])
    out = two_view(_results())
    query, key = np.split(out['keypoint'], 2, axis=1)
    assert not np.allclose(query, key)
    assert out['num_clips'] == 2


def test_rejects_mismatched_views():
    two_view = SkeletonTwoView(
        transforms=[dict(type='SkeletonFirstFrames', clip_len=5)],
        key_transforms=[dict(type='SkeletonFirstFrames', clip_len=4)])
    with pytest.raises(ValueError):
        two_view(_results())
