# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Raw skeleton data sets to MMAction2 ``PoseDataset`` pickles."""
from .ntu_rgbd import (convert_ntu_rgbd, load_missing_skeletons, ntu_splits,
                       parse_ntu_name, read_ntu_skeleton, select_bodies)
from .parsing import ConversionResult, SkeletonFormatError
from .pku_mmd import (convert_pku_mmd, read_pku_labels, read_pku_skeleton,
                      read_pku_split)

__all__ = [
    'ConversionResult', 'SkeletonFormatError', 'convert_ntu_rgbd',
    'load_missing_skeletons', 'ntu_splits', 'parse_ntu_name',
    'read_ntu_skeleton', 'select_bodies', 'convert_pku_mmd', 'read_pku_labels',
    'read_pku_skeleton', 'read_pku_split'
]
