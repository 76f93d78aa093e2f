# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The dataset names of earlier releases, as thin aliases.

Each is :class:`~aclnet_mm.datasets.SkeletonPoseDataset` with the defaults
the old class had, so configs written for them build the same datasets.
New configs name ``SkeletonPoseDataset`` and its options.
"""
from typing import Dict, List, Optional, Tuple

from mmaction.registry import DATASETS

from .skeleton_pose_dataset import SkeletonPoseDataset

__all__ = [
    'SampleNamingPoseDataset', 'ValidatedPoseDataset',
    'CarvedSplitPoseDataset', 'ClassFractionPoseDataset'
]


@DATASETS.register_module()
class SampleNamingPoseDataset(SkeletonPoseDataset):
    """``SkeletonPoseDataset`` with ``validate=False``: a drop-in
    ``PoseDataset`` whose loading errors name the sample."""

    def __init__(self, *args, validate: bool = False, **kwargs) -> None:
        super().__init__(*args, validate=validate, **kwargs)


@DATASETS.register_module()
class ValidatedPoseDataset(SkeletonPoseDataset):
    """``SkeletonPoseDataset`` (validation on, the default)."""


@DATASETS.register_module()
class CarvedSplitPoseDataset(SkeletonPoseDataset):
    """``SkeletonPoseDataset`` with ``carve='train'`` and ``validate=False``
    by default."""

    def __init__(self,
                 ann_file: str,
                 pipeline: List,
                 split: Optional[str] = None,
                 carve: Optional[str] = 'train',
                 validate: bool = False,
                 **kwargs) -> None:
        super().__init__(
            ann_file,
            pipeline,
            split=split,
            carve=carve,
            validate=validate,
            **kwargs)


@DATASETS.register_module()
class ClassFractionPoseDataset(SkeletonPoseDataset):
    """``SkeletonPoseDataset`` with ``class_range=(0, 1)`` and
    ``validate=False`` by default."""

    def __init__(self,
                 ann_file: str,
                 pipeline: List,
                 split: Optional[str] = None,
                 class_range: Tuple[float, float] = (0., 1.),
                 label_rate: Optional[float] = None,
                 extra_info: Optional[Dict] = None,
                 validate: bool = False,
                 **kwargs) -> None:
        super().__init__(
            ann_file,
            pipeline,
            split=split,
            class_range=class_range,
            label_rate=label_rate,
            extra_info=extra_info,
            validate=validate,
            **kwargs)
