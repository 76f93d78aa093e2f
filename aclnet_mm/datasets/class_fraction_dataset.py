# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A deterministic per-class slice of a ``PoseDataset`` split.

The dataset is :class:`~aclnet_mm.datasets.SkeletonPoseDataset` with
``class_range=...`` (or ``label_rate=...`` for AS-CAL's labelled subset,
:func:`~aclnet_mm.datasets.labelled_subset.labelled_subset_indices`).
"""
import math
from collections import defaultdict
from typing import Dict, List, Tuple

__all__ = ['class_fraction_indices']


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
