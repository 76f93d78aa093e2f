# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A deterministic per-class slice of a ``PoseDataset`` split."""
import math
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS

from .labelled_subset import labelled_subset_indices
from .sample_naming import SampleNamingMixin

__all__ = ['ClassFractionPoseDataset', 'class_fraction_indices']


def class_fraction_indices(labels: List[int],
                           class_range: Tuple[float, float],
                           min_per_class: int = 1) -> List[int]:
    """Indices of a per-class slice, in the original order.

    The ``n_c`` samples of class ``c`` are taken in file order and those at
    positions ``floor(lo * n_c) <= p < max(floor(hi * n_c), min_end)`` are
    kept, ``min_end = floor(lo * n_c) + min_per_class`` (capped at ``n_c``)
    for ``lo < hi``. With ``lo = 0`` this is AS-CAL's semi-supervised subset
    (the first samples of each class). Ranges that meet at ``s``, such as
    ``(0, 0.9)`` and ``(0.9, 1)``, share no sample unless ``min_per_class``
    stretches the first one past ``floor(s * n_c)`` (tiny classes).

    Args:
        labels (list[int]): Label of each sample.
        class_range (Tuple[float, float]): ``(lo, hi)`` in ``[0, 1]``.
        min_per_class (int): Fewest samples kept per class (when it has
            them). Defaults to 1.

    Returns:
        list[int]: Kept indices, ascending.
    """
    low, high = class_range
    if not 0 <= low <= high <= 1:
        raise ValueError(f'class_range must satisfy 0 <= lo <= hi <= 1, got '
                         f'{class_range}')
    by_class: Dict[int, List[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_class[label].append(index)
    kept = []
    for members in by_class.values():
        count = len(members)
        start = math.floor(low * count)
        end = math.floor(high * count)
        if high > low:
            end = max(end, min(start + min_per_class, count))
        kept.extend(members[start:end])
    return sorted(kept)


@DATASETS.register_module()
class ClassFractionPoseDataset(SampleNamingMixin, PoseDataset):
    """``PoseDataset`` restricted to a per-class slice of its split.

    Carves a validation split out of a training split (e.g.
    ``class_range=(0.9, 1)`` for validation and ``(0, 0.9)`` for
    training), or keeps a labelled fraction for semi-supervised learning
    (``(0, 0.01)``: the first 1 % of each class in file order). The slice
    is deterministic (:func:`class_fraction_indices`). ``label_rate``
    instead keeps AS-CAL's labelled subset, the first
    ``int(label_rate * N / C)`` samples of every class
    (:func:`~aclnet_mm.datasets.labelled_subset.labelled_subset_indices`),
    the reference's rule for its semi-supervised evaluation. Each
    sample also gets the ``extra_info`` fields, e.g. ``knn_bank=True`` for
    :class:`~aclnet_mm.evaluation.metrics.KNNAccuracy`.

    Args:
        ann_file (str): Annotation pickle.
        pipeline (list): Transforms.
        split (str, optional): Split of the pickle. Defaults to None.
        class_range (Tuple[float, float]): Per-class ``(lo, hi)`` fraction.
            Defaults to ``(0, 1)``.
        min_per_class (int): Fewest samples kept per class. Defaults to 1.
        label_rate (float, optional): Keep AS-CAL's labelled subset of this
            rate instead of a ``class_range`` slice. Defaults to None.
        num_classes (int, optional): The ``C`` of ``label_rate``'s quota;
            None for the number of distinct labels. Defaults to None.
        extra_info (dict, optional): Fields added to every sample.
            Defaults to None.
        **kwargs: Other ``PoseDataset`` arguments.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List,
                 split: Optional[str] = None,
                 class_range: Tuple[float, float] = (0., 1.),
                 min_per_class: int = 1,
                 label_rate: Optional[float] = None,
                 num_classes: Optional[int] = None,
                 extra_info: Optional[Dict] = None,
                 **kwargs) -> None:
        self.class_range = tuple(class_range)
        self.min_per_class = min_per_class
        if label_rate is not None and self.class_range != (0., 1.):
            raise ValueError('ClassFractionPoseDataset: give label_rate or '
                             f'class_range, not both (class_range='
                             f'{class_range}, label_rate={label_rate})')
        self.label_rate = label_rate
        self.num_classes = num_classes
        self.extra_info = dict(extra_info or {})
        super().__init__(ann_file, pipeline=pipeline, split=split, **kwargs)

    def load_data_list(self) -> List[Dict]:
        """Load the split and keep the slice."""
        data_list = super().load_data_list()
        labels = [int(d['label']) for d in data_list]
        if self.label_rate is not None:
            kept = labelled_subset_indices(labels, self.label_rate,
                                           self.num_classes)
        else:
            kept = class_fraction_indices(labels, self.class_range,
                                          self.min_per_class)
        data_list = [data_list[i] for i in kept]
        for item in data_list:
            item.update(self.extra_info)
        return data_list
