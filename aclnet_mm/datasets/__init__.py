# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import converters, embedded, samplers, transforms  # noqa: F401
from .carved_split_dataset import carve_split_indices, parse_group_ids
from .class_fraction_dataset import class_fraction_indices
from .contract import TransformContract, get_contract, pipeline_expectations
from .dataset_aliases import (CarvedSplitPoseDataset, ClassFractionPoseDataset,
                              SampleNamingPoseDataset, ValidatedPoseDataset)
from .labelled_subset import labelled_subset_indices
from .sample_naming import (SampleLoadError, SampleNamingMixin,
                            WorkerCrashError, describe_dead_workers,
                            naming_dead_workers)
# Transforms and samplers at package level: configs import them from here.
from .samplers import *  # noqa: F401,F403,E402
from .skeleton_pose_dataset import (DatasetValidationError,
                                    SkeletonPoseDataset, read_class_names)
from .synthetic import (dump_synthetic_skeleton_dataset,
                        make_synthetic_skeleton_dataset)
from .transforms import *  # noqa: F401,F403,E402
from .validation import (Problem, ValidationReport, check_annotations,
                         validate_config, validate_pickle)

__all__ = [
    'transforms', 'converters', 'samplers', 'SkeletonPoseDataset',
    'ValidatedPoseDataset', 'DatasetValidationError', 'Problem',
    'ValidationReport', 'check_annotations', 'validate_pickle',
    'validate_config', 'embedded', 'make_synthetic_skeleton_dataset',
    'dump_synthetic_skeleton_dataset', 'ClassFractionPoseDataset',
    'class_fraction_indices', 'CarvedSplitPoseDataset', 'carve_split_indices',
    'parse_group_ids', 'SampleLoadError', 'WorkerCrashError',
    'SampleNamingMixin', 'SampleNamingPoseDataset', 'naming_dead_workers',
    'describe_dead_workers', 'TransformContract', 'get_contract',
    'pipeline_expectations', 'read_class_names', 'labelled_subset_indices'
] + samplers.__all__ + transforms.__all__
