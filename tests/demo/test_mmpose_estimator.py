# Copyright (c) aclnet-mm contributors. All rights reserved.
"""MMPose's inferencer output to PersonPose (MMPose itself is optional)."""
import numpy as np
import pytest
from video.landmarks import map_keypoints
from video.mmpose_estimator import MMPoseEstimator, poses_from_mmpose


def _instance(shift):
    keypoints = (np.arange(34).reshape(17, 2) + shift).tolist()
    return dict(
        keypoints=keypoints,
        keypoint_scores=np.linspace(0.1, 0.9, 17).tolist(),
        bbox=[[shift, shift + 1, shift + 50, shift + 120]],
        bbox_score=0.8)


def test_poses_from_mmpose():
    people = poses_from_mmpose([_instance(0), _instance(100)])
    assert len(people) == 2
    second = people[1]
    assert second.source == 'coco'
    np.testing.assert_allclose(second.bbox, [100, 101, 150, 220])
    assert second.bbox_score == pytest.approx(0.8)
    np.testing.assert_allclose(second.keypoint[3], [106, 107])
    # Into the embedded model's layout.
    kp, score = map_keypoints(second.keypoint, second.keypoint_score,
                              'openpose_body25', second.source)
    np.testing.assert_allclose(kp[0], second.keypoint[0])  # nose


def test_instance_without_box_or_scores():
    (person, ) = poses_from_mmpose([dict(keypoints=[[1, 2], [5, 9]])])
    np.testing.assert_allclose(person.bbox, [1, 2, 5, 9])
    np.testing.assert_allclose(person.keypoint_score, [1, 1])
    with pytest.raises(ValueError, match='instance 0 has no "keypoints"'):
        poses_from_mmpose([dict(bbox=[[0, 0, 1, 1]])])
    with pytest.raises(ValueError, match='keypoint_scores of shape'):
        poses_from_mmpose([dict(keypoints=[[1, 2]], keypoint_scores=[1, 2])])


def test_clear_error_without_mmpose():
    try:
        import mmpose  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match='pip install mmpose'):
            MMPoseEstimator()
    else:
        pytest.skip('MMPose is installed here; its models need weights')
