# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The pose estimator interface and its small registry."""
import numpy as np
import pytest
from video.pose_estimator import (BasePoseEstimator, PersonPose,
                                  build_pose_estimator, list_pose_estimators,
                                  register_pose_estimator)


def test_registry():
    import video  # noqa: F401  registers the estimators
    assert {'blazepose', 'mmpose'} <= set(list_pose_estimators())
    with pytest.raises(KeyError, match="unknown pose estimator 'openpose'"):
        build_pose_estimator('openpose')
    with pytest.raises(KeyError, match='already registered'):
        register_pose_estimator('blazepose')(object)


def test_interface_is_abstract():
    with pytest.raises(TypeError):
        BasePoseEstimator()

    class Fixed(BasePoseEstimator):
        """People given in advance, e.g. from a file of keypoints."""
        source = 'coco'

        def __call__(self, frame):
            return [
                PersonPose(
                    np.array([0, 0, 5, 5], np.float32), 1.0,
                    np.zeros((17, 2), np.float32), np.ones(17, np.float32),
                    self.source)
            ]

    with Fixed() as estimator:
        (person, ) = estimator(np.zeros((8, 8, 3), np.uint8))
    assert person.source == 'coco' and person.keypoint.shape == (17, 2)
