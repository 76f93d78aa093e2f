# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import samplers, transforms  # noqa: F401
from .class_names import load_class_names
from .contract import TransformContract, get_contract, pipeline_expectations
from .sample_naming import (SampleLoadError, SampleNamingMixin,
                            WorkerCrashError, describe_dead_workers,
                            naming_dead_workers)
from .samplers import ResumableSampler
from .skeleton_pose_dataset import DatasetValidationError, SkeletonPoseDataset
from .subsets import (carve_split_indices, class_fraction_indices,
                      labelled_subset_indices, parse_group_ids)
# Configs import every class a dataloader names from this package.
from .transforms import *  # noqa: F401,F403
from .validation import (Problem, ValidationReport, check_annotations,
                         validate_config, validate_pickle)

__all__ = [
    'transforms', 'samplers', 'SkeletonPoseDataset', 'DatasetValidationError',
    'Problem', 'ValidationReport', 'check_annotations', 'validate_pickle',
    'validate_config', 'class_fraction_indices', 'carve_split_indices',
    'parse_group_ids', 'labelled_subset_indices', 'SampleLoadError',
    'WorkerCrashError', 'SampleNamingMixin', 'naming_dead_workers',
    'describe_dead_workers', 'TransformContract', 'get_contract',
    'pipeline_expectations', 'load_class_names', 'ResumableSampler'
] + transforms.__all__
