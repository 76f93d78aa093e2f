# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``PoseDataset`` that checks its pickle when it is built."""
import os.path as osp
import warnings
from typing import Callable, Dict, List, Optional, Union

import mmengine
from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS

from .sample_naming import SampleNamingMixin
from .validation import (Problem, ValidationReport, check_annotations,
                         check_pipeline)

__all__ = ['ValidatedPoseDataset', 'DatasetValidationError']

# Problems that leave nothing sensible to load, whatever on_error says.
_FATAL_KINDS = ('not_pickle', 'bad_structure', 'missing_key', 'wrong_type',
                'unknown_split', 'empty_split', 'config', 'unknown_layout',
                'unsupported_stream', 'layout_conflict')


class DatasetValidationError(ValueError):
    """The annotation file of a dataset failed validation.

    Args:
        report (ValidationReport): Every problem found.
    """

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__('invalid skeleton annotations:\n' + report.format())


@DATASETS.register_module()
class ValidatedPoseDataset(SampleNamingMixin, PoseDataset):
    """MMAction2's ``PoseDataset`` with the checks of the validator.

    The pickle is checked in :meth:`load_data_list` against the model it
    feeds: joint count against ``layout``, labels against ``num_classes``,
    2D / 3D coordinates against the pipeline's ``PreNormalize2D`` /
    ``PreNormalize3D``, the pipeline's ``GenSkeFeat`` /
    ``GenSkeletonStreams`` streams and layout against ``layout``, plus
    NaN/inf, empty sequences, ``total_frames``,
    dtypes, missing keys, duplicate ids and split consistency (see
    :mod:`aclnet_mm.datasets.validation`). Drop-in for ``PoseDataset``::

        dataset=dict(type='ValidatedPoseDataset', ann_file=...,
                     split='xsub_train', num_classes=60,
                     layout='nturgb+d', on_error='raise', pipeline=...)

    Args:
        ann_file (str): The ``.pkl`` annotation file.
        pipeline (list[dict | callable]): Data transforms.
        num_classes (int, optional): Labels must lie in
            ``[0, num_classes)``. Defaults to None (not checked).
        layout (str | dict, optional): Graph layout of the model (e.g.
            ``'nturgb+d'``); the keypoints must have its joint count.
            Defaults to None (not checked).
        on_error (str): ``'raise'``: one :class:`DatasetValidationError`
            listing every problem. ``'warn'``: warn with the list, keep
            every sample. ``'skip'``: warn with the list, drop the bad
            samples, keep all good ones. File-level problems (unreadable
            file, unknown or empty split, ...) raise in every mode.
            Defaults to ``'raise'``.
        **kwargs: ``PoseDataset`` arguments (``split``, ``valid_ratio``,
            ``box_thr``, ``data_prefix``, ``test_mode``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 num_classes: Optional[int] = None,
                 layout: Optional[Union[str, Dict]] = None,
                 on_error: str = 'raise',
                 **kwargs) -> None:
        if on_error not in ('raise', 'warn', 'skip'):
            raise ValueError("on_error must be 'raise', 'warn' or 'skip', "
                             f'got {on_error!r}')
        self.layout = layout
        self.on_error = on_error
        self.validation_report = None
        super().__init__(
            ann_file, pipeline=pipeline, num_classes=num_classes, **kwargs)

    def load_data_list(self) -> List[Dict]:
        """Load the annotations, check them, apply the split and policy."""
        if not self.ann_file.endswith('.pkl'):
            raise DatasetValidationError(
                ValidationReport(self.ann_file, [
                    Problem('not_pickle', 'PoseDataset only reads files '
                            'ending in .pkl', self.ann_file)
                ]))
        try:
            data = mmengine.load(self.ann_file)
        except Exception as err:  # noqa: BLE001 - any unpickling failure
            raise DatasetValidationError(
                ValidationReport(self.ann_file, [
                    Problem(
                        'not_pickle', f'cannot be unpickled: '
                        f'{type(err).__name__}: {err}', self.ann_file)
                ])) from err
        prefix = self.data_prefix.get('skeleton')
        report = check_annotations(
            data,
            self.ann_file,
            split=self.split,
            num_classes=None if self.multi_class else self.num_classes,
            layout=self.layout,
            dim=self._pipeline_dim(),
            skeleton_prefix=prefix)
        # The pipeline's stream transforms against the graph layout.
        report.problems.extend(
            check_pipeline(self._stream_steps(), self.ann_file, self.layout))
        self.validation_report = report
        fatal = [
            p for p in report.problems
            if p.kind in _FATAL_KINDS and p.index is None
        ]
        if fatal or (report.problems and self.on_error == 'raise'):
            raise DatasetValidationError(report)

        annotations = data['annotations'] if isinstance(data, dict) else data
        drop = set()
        if report.problems:
            verb = 'dropped' if self.on_error == 'skip' else 'kept'
            warnings.warn(f'{self.ann_file}: samples with problems are '
                          f'{verb}:\n{report.format()}')
            if self.on_error == 'skip':
                drop = report.bad_indices()
        keep = range(len(annotations))
        if self.split is not None:
            identifier = ('filename'
                          if 'filename' in annotations[0] else 'frame_dir')
            members = set(data['split'][self.split])
            keep = [
                i for i in keep if annotations[i].get(identifier) in members
            ]
        data_list = [annotations[i] for i in keep if i not in drop]
        if not data_list:
            raise DatasetValidationError(report)
        if 'video' in self.data_prefix:
            # Same path joining as PoseDataset for samples read from video.
            for item in data_list:
                for key in ('filename', 'frame_dir'):
                    if key in item:
                        item[key] = osp.join(self.data_prefix['video'],
                                             item[key])
        return data_list

    def _stream_steps(self) -> List[Dict]:
        """The built stream transforms, as the configs that make them."""
        steps = []
        for transform in getattr(self.pipeline, 'transforms', ()):
            name = type(transform).__name__
            if name == 'GenSkeFeat':
                steps.append(
                    dict(
                        type=name,
                        dataset=transform.dataset,
                        feats=transform.feats))
            elif name == 'GenSkeletonStreams':
                steps.append(
                    dict(
                        type=name,
                        layout=transform.layout,
                        feats=transform.feats,
                        bone_tree=transform.bone_tree))
            else:
                steps.append(None)  # keeps the pipeline[k] positions
        return steps

    def _pipeline_dim(self) -> Optional[int]:
        """2 or 3 when the pipeline normalises 2D or 3D keypoints."""
        for transform in getattr(self.pipeline, 'transforms', ()):
            name = type(transform).__name__
            if name.endswith('PreNormalize3D'):
                return 3
            if name.endswith('PreNormalize2D'):
                return 2
        return None
