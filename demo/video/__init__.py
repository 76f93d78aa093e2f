# Copyright (c) aclnet-mm contributors. All rights reserved.
"""From video or a webcam to actions: pose estimation, tracking, windows.

The video demo's pipeline, used by ``demo/demo_skeleton.py`` (which
imports it as ``video``: Python puts the script's folder first on
``sys.path``). It is demo code, not the library API: the library infers
on skeleton arrays (:mod:`aclnet_mm.apis`), whose
:class:`~aclnet_mm.apis.tracker.PoseTracker` also links the people here.

Nothing here imports MediaPipe or MMPose until an estimator is built, so
the package imports without the demo's requirements.
"""
from .blazepose import BlazePoseEstimator, crop_box
from .demo import run_video_demo
from .drawing import draw_person, draw_status, track_color
from .frame_source import IMAGE_EXTENSIONS, FrameSource
from .landmarks import (BLAZEPOSE_LANDMARKS, COCO_KEYPOINTS, JOINT_SOURCES,
                        joint_sources, map_keypoints, source_layouts,
                        target_layouts)
from .mmpose_estimator import MMPoseEstimator, poses_from_mmpose
from .normalization import KIT_LIMBS, coordinate_mode, normalize_openpose_kit
from .person_detector import HOGPersonDetector, nms
from .pose_estimator import (BasePoseEstimator, PersonPose,
                             build_pose_estimator, list_pose_estimators,
                             register_pose_estimator)
from .recognizer import (SkeletonVideoRecognizer, TrackedPerson,
                         WindowPrediction, clip_length)
from .windows import PoseWindow, SlidingWindows

__all__ = [
    'BasePoseEstimator', 'PersonPose', 'build_pose_estimator',
    'list_pose_estimators', 'register_pose_estimator', 'BlazePoseEstimator',
    'crop_box', 'MMPoseEstimator', 'poses_from_mmpose', 'HOGPersonDetector',
    'nms', 'BLAZEPOSE_LANDMARKS', 'COCO_KEYPOINTS', 'JOINT_SOURCES',
    'joint_sources', 'map_keypoints', 'source_layouts', 'target_layouts',
    'KIT_LIMBS', 'coordinate_mode', 'normalize_openpose_kit', 'PoseWindow',
    'SlidingWindows', 'draw_person', 'draw_status', 'track_color',
    'FrameSource', 'IMAGE_EXTENSIONS', 'SkeletonVideoRecognizer',
    'TrackedPerson', 'WindowPrediction', 'clip_length', 'run_video_demo'
]
