# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Converters for the real skeleton recordings shipped inside PyPI packages.

Nothing here imports those packages at import time; their files are read
directly (pybullet is imported only to run forward kinematics). Importing
this module registers the ``'deepmimic_humanoid'`` layout.
"""
from .pose_classification_kit import (convert_pose_classification_kit,
                                      find_pose_classification_kit,
                                      load_body_recordings,
                                      make_body25_dataset)
from .pybullet_mocap import (DEEPMIMIC_ACTIONS, DEEPMIMIC_JOINTS,
                             convert_pybullet_mocap,
                             deepmimic_forward_kinematics,
                             load_deepmimic_motion, make_mocap_dataset)

__all__ = [
    'convert_pose_classification_kit', 'find_pose_classification_kit',
    'load_body_recordings', 'make_body25_dataset', 'DEEPMIMIC_ACTIONS',
    'DEEPMIMIC_JOINTS', 'convert_pybullet_mocap',
    'deepmimic_forward_kinematics', 'load_deepmimic_motion',
    'make_mocap_dataset'
]
