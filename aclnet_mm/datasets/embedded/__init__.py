# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Converters for the real skeleton recordings shipped inside PyPI packages.

Nothing here imports the packages themselves; their files are read
directly.
"""
from .pose_classification_kit import (convert_pose_classification_kit,
                                      find_pose_classification_kit,
                                      load_body_recordings,
                                      make_body25_dataset)

__all__ = [
    'convert_pose_classification_kit', 'find_pose_classification_kit',
    'load_body_recordings', 'make_body25_dataset'
]
