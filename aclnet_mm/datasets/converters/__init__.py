# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Raw skeleton data sets to MMAction2 ``PoseDataset`` pickles."""
from .casia_b import (CASIA_B_VIEWS, casia_b_subject_splits,
                      convert_casia_b_gait, convert_casia_b_tracklets,
                      convert_rao_casia_b, cut_tracklets, fit_length,
                      parse_casia_b_name, read_gaitgraph_csv,
                      read_rao_tracklets)
from .ntu_rgbd import (convert_ntu_rgbd, load_missing_skeletons, ntu_splits,
                       parse_ntu_name, read_ntu_skeleton, select_bodies)
from .parsing import ConversionResult, SkeletonFormatError
from .pku_mmd import (convert_pku_mmd, read_pku_labels, read_pku_skeleton,
                      read_pku_split)

__all__ = [
    'ConversionResult', 'SkeletonFormatError', 'convert_ntu_rgbd',
    'load_missing_skeletons', 'ntu_splits', 'parse_ntu_name',
    'read_ntu_skeleton', 'select_bodies', 'convert_pku_mmd', 'read_pku_labels',
    'read_pku_skeleton', 'read_pku_split', 'CASIA_B_VIEWS',
    'casia_b_subject_splits', 'convert_casia_b_gait',
    'convert_casia_b_tracklets', 'convert_rao_casia_b', 'cut_tracklets',
    'fit_length', 'parse_casia_b_name', 'read_gaitgraph_csv',
    'read_rao_tracklets'
]
