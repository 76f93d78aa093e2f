# Copyright (c) aclnet-mm contributors. All rights reserved.
"""One ``PoseDataset`` with options: validation, subsets, naming, names.

:class:`SkeletonPoseDataset` is MMAction2's ``PoseDataset`` (same pickle,
same arguments, same samples) plus, each as an option of the one class:

- validation of the pickle when the dataset is built, with the
  validator's own checks and messages (file, sample, field), against what
  the model and pipeline expect (``num_classes``, ``layout``,
  ``in_channels``, the pipeline's 2D / 3D contract);
- a subset of the split: a carved validation part (``carve``, see
  :func:`~aclnet_mm.datasets.carve_split_indices`) and / or a per-class
  slice (``class_range``, see
  :func:`~aclnet_mm.datasets.class_fraction_indices`) or AS-CAL's
  labelled subset (``label_rate``);
- loading errors that name the sample (:class:`SampleNamingMixin`);
- class names in ``metainfo['classes']``, read from the pickle's
  ``classes`` (our data tools write them) or given
  (:func:`~aclnet_mm.datasets.load_class_names`), so that checkpoints,
  hooks and inference find them without a path.
"""
import os.path as osp
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS
from mmengine.logging import MMLogger

from aclnet_mm.utils.safe_pickle import load_pickle
from .class_names import load_class_names
from .contract import pipeline_expectations
from .sample_naming import SampleNamingMixin
from .subsets import (carve_split_indices, class_fraction_indices,
                      labelled_subset_indices, parse_group_ids)
from .validation import (Problem, ValidationReport, check_annotations,
                         check_pipeline, read_annotations)

__all__ = ['SkeletonPoseDataset', 'DatasetValidationError']

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
        super().__init__('invalid skeleton annotations:\n' +
                         report.format(max_per_kind=20))


@DATASETS.register_module()
class SkeletonPoseDataset(SampleNamingMixin, PoseDataset):
    """MMAction2's ``PoseDataset`` with validation, subsets and names.

    Example::

        dataset=dict(type='SkeletonPoseDataset',
                     ann_file='data/skeleton/ntu60_3d.pkl',
                     split='xsub_train', num_classes=60, layout='nturgb+d',
                     carve='train', val_ratio=0.05,
                     group_by='ntu_performer', pipeline=...)

    With ``num_classes``, ``layout`` and ``in_channels`` set as the model
    expects them, building the dataset checks what
    ``python tools/analysis_tools/validate_dataset.py CONFIG`` checks.

    Subsets apply in this order: the ``split``, the samples dropped by
    ``on_error='skip'``, the carved side (``carve``), the per-class slice
    (``class_range``) or AS-CAL's labelled subset (``label_rate``); then
    ``extra_info`` is added to every sample.

    Args:
        ann_file (str): The ``.pkl`` annotation file.
        pipeline (list[dict | callable]): Data transforms.
        split (str, optional): The split of the pickle. Defaults to None.
        num_classes (int, optional): Labels must lie in
            ``[0, num_classes)``. Defaults to None: the number of class
            names when known, else not checked.
        layout (str | dict, optional): Graph layout of the model (name,
            dict or JSON / YAML file); the keypoints must have its joint
            count. Defaults to None (not checked).
        in_channels (int, optional): Channels per joint of one feature
            stream the backbone takes. Defaults to None (not checked).
        dim (int, optional): 2 or 3, the coordinates of the data, for
            pipelines that do not say it (no ``PreNormalize2D`` /
            ``PreNormalize3D``); the inference API reads it too. Defaults
            to None (the pipeline's contract decides).
        validate (bool): Check the pickle when the dataset is built.
            Defaults to True.
        on_error (str): ``'raise'``: one :class:`DatasetValidationError`
            listing every problem. ``'warn'``: warn, keep every sample.
            ``'skip'``: warn, drop the bad samples. File-level problems
            raise in every mode. Defaults to ``'raise'``.
        carve (str, optional): ``'train'`` (the split minus a carved
            validation part), ``'val'`` (the carved part) or None (no
            carving). Defaults to None.
        val_ratio (float): Fraction of each class carved. Defaults to 0.05.
        seed (int): Seed of the carving. Defaults to 0.
        group_by (str, optional): Carve whole groups (a key of
            ``GROUP_PATTERNS`` or a regex on ``frame_dir``). Defaults to
            None.
        class_range (Tuple[float, float], optional): Keep this per-class
            ``(lo, hi)`` slice, at least one sample of each class
            (:func:`class_fraction_indices`). Defaults to None (all).
        label_rate (float, optional): Keep AS-CAL's labelled subset of
            this rate instead of a ``class_range`` slice: the first
            ``int(label_rate * N / C)`` samples of every class, ``C`` being
            ``num_classes`` (:func:`labelled_subset_indices`). Defaults to
            None.
        extra_info (dict, optional): Fields added to every sample.
            Defaults to None.
        class_names (str | Sequence[str], optional): Class names, or a
            text file of them (relative to the working directory or to
            ``ann_file``'s folder). Defaults to None: the pickle's
            ``classes``.
        **kwargs: Other ``PoseDataset`` arguments (``valid_ratio``,
            ``box_thr``, ``data_prefix``, ``test_mode``, ``metainfo``...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 split: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 layout: Optional[Union[str, Dict]] = None,
                 in_channels: Optional[int] = None,
                 dim: Optional[int] = None,
                 validate: bool = True,
                 on_error: str = 'raise',
                 carve: Optional[str] = None,
                 val_ratio: float = 0.05,
                 seed: int = 0,
                 group_by: Optional[str] = None,
                 class_range: Optional[Tuple[float, float]] = None,
                 label_rate: Optional[float] = None,
                 extra_info: Optional[Dict] = None,
                 class_names: Union[str, Sequence[str], None] = None,
                 **kwargs) -> None:
        if on_error not in ('raise', 'warn', 'skip'):
            raise ValueError("on_error must be 'raise', 'warn' or 'skip', "
                             f'got {on_error!r}')
        if carve not in ('train', 'val', None):
            raise ValueError("carve must be 'train', 'val' or None, got "
                             f'{carve!r}')
        if not 0 < val_ratio < 1:
            raise ValueError(f'val_ratio must be in (0, 1), got {val_ratio}')
        self.layout = layout
        self.in_channels = in_channels
        self.dim = dim
        self.validate = validate
        self.on_error = on_error
        self.carve = carve
        self.val_ratio = val_ratio
        self.seed = seed
        self.group_by = group_by
        self.class_range = None if class_range is None else tuple(class_range)
        if label_rate is not None and self.class_range not in (None, (0., 1.)):
            raise ValueError(f'{type(self).__name__}: give label_rate or '
                             f'class_range, not both (class_range='
                             f'{class_range}, label_rate={label_rate})')
        self.label_rate = label_rate
        self.extra_info = dict(extra_info or {})
        self.class_names = class_names
        self.validation_report = None
        super().__init__(
            ann_file,
            pipeline=pipeline,
            split=split,
            num_classes=num_classes,
            **kwargs)

    # ------------------------------------------------------------ loading
    def _read(self) -> object:
        data, problems = read_annotations(self.ann_file, raise_unsafe=True)
        if problems:
            raise DatasetValidationError(
                ValidationReport(self.ann_file, problems))
        return data

    def _set_class_names(self, data: object) -> Optional[list]:
        names = load_class_names(self.class_names, data,
                                 (osp.dirname(self.ann_file), ))
        if names is not None:
            self._metainfo['classes'] = tuple(names)
        return names

    def _check(self, data: object, names: Optional[list]) -> set:
        """Validate; return the annotation indices to drop."""
        num_classes = None if self.multi_class else self.num_classes
        if num_classes is None and names is not None:
            num_classes = len(names)
        expect = pipeline_expectations(
            getattr(self.pipeline, 'transforms', ()))
        report = check_annotations(
            data,
            self.ann_file,
            split=self.split,
            num_classes=num_classes,
            # A transform that changes the joints wants its own input.
            layout=expect['data_layout'] or self.layout,
            in_channels=self.in_channels,
            dim=expect['dim'] or self.dim,
            skeleton_prefix=self.data_prefix.get('skeleton'))
        if names is not None and self.num_classes is not None \
                and len(names) != self.num_classes:
            report.problems.append(
                Problem(
                    'label_range', f'{len(names)} class names for '
                    f'num_classes={self.num_classes}',
                    self.ann_file,
                    field='classes'))
        report.problems.extend(
            check_pipeline(
                getattr(self.pipeline, 'transforms', ()), self.ann_file,
                self.layout))
        self.validation_report = report
        fatal = [
            p for p in report.problems
            if p.kind in _FATAL_KINDS and p.index is None
        ]
        if fatal or (report.problems and self.on_error == 'raise'):
            raise DatasetValidationError(report)
        if not report.problems:
            return set()
        verb = 'dropped' if self.on_error == 'skip' else 'kept'
        warnings.warn(f'{self.ann_file}: samples with problems are '
                      f'{verb}:\n{report.format(max_per_kind=20)}')
        return report.bad_indices() if self.on_error == 'skip' else set()

    def load_data_list(self) -> List[Dict]:
        """Load (and check) the annotations; apply split and subsets."""
        data = self._read()
        names = self._set_class_names(data)
        drop = self._check(data, names) if self.validate else set()
        if isinstance(data, dict):
            annotations = data['annotations']
        else:
            annotations = data
        keep = [i for i in range(len(annotations)) if i not in drop]
        if self.split is not None:
            identifier = ('filename'
                          if 'filename' in annotations[0] else 'frame_dir')
            members = set(data['split'][self.split])
            keep = [
                i for i in keep if annotations[i].get(identifier) in members
            ]
        data_list = self._subset([annotations[i] for i in keep])
        if not data_list and self.validation_report is not None:
            raise DatasetValidationError(self.validation_report)
        if 'video' in self.data_prefix:
            # Same path joining as PoseDataset for samples read from video.
            for item in data_list:
                for key in ('filename', 'frame_dir'):
                    if key in item:
                        item[key] = osp.join(self.data_prefix['video'],
                                             item[key])
        return data_list

    def get_data_info(self, idx: int) -> Dict:
        """As ``PoseDataset.get_data_info``, reading a per-sample skeleton
        file (``data_prefix=dict(skeleton=...)``) as plain data only."""
        # BaseActionDataset's (modality, start_index), not PoseDataset's,
        # whose per-sample read is a full unpickle.
        data_info = super(PoseDataset, self).get_data_info(idx)
        if 'skeleton' in self.data_prefix:
            identifier = 'filename' if 'filename' in data_info \
                else 'frame_dir'
            data_info.update(
                load_pickle(
                    osp.join(self.data_prefix['skeleton'],
                             data_info[identifier] + '.pkl')))
        return data_info

    def _subset(self, data_list: List[Dict]) -> List[Dict]:
        total = len(data_list)
        if self.carve is not None:
            groups = None
            if self.group_by is not None:
                ids = [
                    d.get('frame_dir', d.get('filename')) for d in data_list
                ]
                groups = parse_group_ids(ids, self.group_by)
            train, val = carve_split_indices(
                [int(d['label']) for d in data_list], self.val_ratio,
                self.seed, groups)
            kept = train if self.carve == 'train' else val
            data_list = [data_list[i] for i in kept]
        if self.label_rate is not None:
            kept = labelled_subset_indices(
                [int(d['label']) for d in data_list], self.label_rate,
                self.num_classes)
            data_list = [data_list[i] for i in kept]
        elif self.class_range is not None:
            kept = class_fraction_indices([int(d['label']) for d in data_list],
                                          self.class_range)
            data_list = [data_list[i] for i in kept]
        if self.carve is not None or self.class_range is not None \
                or self.label_rate is not None:
            MMLogger.get_current_instance().info(
                f'{type(self).__name__} {self.ann_file} [{self.split}]: '
                f'{len(data_list)} of {total} samples (carve={self.carve!r}, '
                f'val_ratio={self.val_ratio}, seed={self.seed}, group_by='
                f'{self.group_by!r}, class_range={self.class_range}, '
                f'label_rate={self.label_rate})')
        for item in data_list:
            item.update(self.extra_info)
        return data_list
