# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Checks of ``PoseDataset`` pickles against themselves and a config.

Every check runs to the end and reports each problem with the file, the
sample id (``frame_dir``) and the field, so one pass lists everything to
fix. The same checks back ``tools/analysis_tools/validate_dataset.py``, the
build-time check of :class:`~aclnet_mm.datasets.SkeletonPoseDataset` and
the inference API. By concern:

- :mod:`.problems`: the kinds of problem and the report;
- :mod:`.samples`: one pickle, sample by sample, its splits and files;
- :mod:`.configs`: what a config's model and pipeline expect (through the
  transforms' contracts) and the config's own layouts and streams.
"""
from .configs import (check_config, check_pipeline, default_in_channels,
                      expectations_from_config, validate_config)
from .problems import PROBLEM_KINDS, Problem, ValidationReport
from .samples import (check_annotations, check_sample, read_annotations,
                      validate_pickle)

__all__ = [
    'Problem', 'ValidationReport', 'PROBLEM_KINDS', 'check_sample',
    'check_annotations', 'validate_pickle', 'expectations_from_config',
    'check_pipeline', 'check_config', 'validate_config', 'default_in_channels',
    'read_annotations'
]
