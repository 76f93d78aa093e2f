# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import converters, embedded, transforms  # noqa: F401
from .carved_split_dataset import (CarvedSplitPoseDataset, carve_split_indices,
                                   parse_group_ids)
from .class_fraction_dataset import (ClassFractionPoseDataset,
                                     class_fraction_indices)
from .labelled_subset import labelled_subset_indices
from .sample_naming import (SampleLoadError, SampleNamingMixin,
                            SampleNamingPoseDataset, WorkerCrashError,
                            describe_dead_workers, naming_dead_workers)
from .synthetic import (dump_synthetic_skeleton_dataset,
                        make_synthetic_skeleton_dataset)
from .validated_pose_dataset import (DatasetValidationError,
                                     ValidatedPoseDataset)
from .validation import (Problem, ValidationReport, check_annotations,
                         validate_config, validate_pickle)

__all__ = [
    'transforms', 'converters', 'ValidatedPoseDataset',
    'DatasetValidationError', 'Problem', 'ValidationReport',
    'check_annotations', 'validate_pickle', 'validate_config', 'embedded',
    'make_synthetic_skeleton_dataset', 'dump_synthetic_skeleton_dataset',
    'ClassFractionPoseDataset', 'class_fraction_indices',
    'CarvedSplitPoseDataset', 'carve_split_indices', 'parse_group_ids',
    'SampleLoadError', 'WorkerCrashError', 'SampleNamingMixin',
    'SampleNamingPoseDataset', 'naming_dead_workers', 'describe_dead_workers',
    'labelled_subset_indices'
]
