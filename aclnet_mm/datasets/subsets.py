# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The subsets of a split that :class:`SkeletonPoseDataset` can keep.

- a validation part carved out of a training split, seeded, stratified
  and optionally by whole groups (:func:`carve_split_indices`). ACLNet
  (like MMAction2's and PYSKL's skeleton configs) validates every epoch on
  the official *test* split and keeps the best checkpoint, so the reported
  numbers are selected on the test set; carving a held-out part of the
  training split gives an honest alternative: train on train-minus-val,
  select checkpoints (and fusion weights) on the carved part, and look at
  the test split once;
- a per-class slice (:func:`class_fraction_indices`);
- AS-CAL's labelled subset for semi-supervised evaluation
  (:func:`labelled_subset_indices`).
"""
import math
import re
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    'carve_split_indices', 'parse_group_ids', 'GROUP_PATTERNS',
    'class_fraction_indices', 'labelled_subset_indices'
]

# Named group patterns; the first capture group of the regex is the id.
GROUP_PATTERNS = {
    # NTU RGB+D ``SsssCcccPpppRrrrAaaa``: the performer.
    'ntu_performer': r'P(\d{3})',
    # NTU RGB+D: the setup (camera set-up / location).
    'ntu_setup': r'S(\d{3})',
    # PKU-MMD clips ``<video>_<row>`` (e.g. ``0002-L_004``): the recording
    # number, shared by the left / middle / right views of one take.
    'pku_recording': r'^(\d+)',
    # FineGYM ``<youtube id>_<event>_<element>``: the 11-character video id.
    'youtube_id': r'^([\w-]{11})',
}


def parse_group_ids(names: Sequence[str], pattern: str) -> List[str]:
    """Group id of each sample, read from its name with a regex.

    Args:
        names (Sequence[str]): Sample names, e.g. ``frame_dir``.
        pattern (str): A key of :data:`GROUP_PATTERNS` or a regex whose
            first capture group (or whole match, without groups) is the id.

    Returns:
        list[str]: One id per name.

    Raises:
        ValueError: Naming the first sample the pattern does not match.
    """
    regex = re.compile(GROUP_PATTERNS.get(pattern, pattern))
    ids = []
    for name in names:
        match = regex.search(str(name))
        if match is None:
            raise ValueError(f'group pattern {regex.pattern!r} does not '
                             f'match sample {name!r}')
        ids.append(match.group(1) if regex.groups else match.group(0))
    return ids


def _carve_per_class(labels: np.ndarray, val_ratio: float,
                     rng: np.random.Generator) -> np.ndarray:
    """Boolean val mask: ``round(val_ratio * n_c)`` random samples of each
    class, at least one and never the whole class (classes of one sample
    stay in training)."""
    is_val = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = len(members)
        num_val = min(max(int(round(val_ratio * count)), 1), count - 1)
        if num_val > 0:
            is_val[rng.permutation(members)[:num_val]] = True
    return is_val


def _carve_groups(labels: np.ndarray, groups: Sequence, val_ratio: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Boolean val mask made of whole groups, stratified by class.

    Groups are added greedily to the validation part, each time the one
    that brings the per-class validation counts closest (squared error) to
    their targets ``val_ratio * n_c``; the seeded shuffle of the groups
    breaks ties. It stops when no group improves the fit, and always
    leaves at least one group for training.
    """
    group_names, group_index = np.unique(
        np.asarray(groups, dtype=str), return_inverse=True)
    class_names, class_index = np.unique(labels, return_inverse=True)
    # counts[g, c]: samples of class c in group g.
    counts = np.zeros((len(group_names), len(class_names)))
    np.add.at(counts, (group_index, class_index), 1)
    target = val_ratio * counts.sum(axis=0)

    order = rng.permutation(len(group_names))
    counts = counts[order]
    chosen = np.zeros(len(group_names), dtype=bool)
    val_counts = np.zeros(len(class_names))
    while chosen.sum() < len(group_names) - 1:
        error = ((val_counts + counts - target)**2).sum(axis=1)
        error[chosen] = np.inf
        best = int(np.argmin(error))  # first minimum: the shuffled order
        if error[best] >= ((val_counts - target)**2).sum():
            break
        chosen[best] = True
        val_counts += counts[best]
    val_groups = order[chosen]
    return np.isin(group_index, val_groups)


def carve_split_indices(
        labels: Sequence[int],
        val_ratio: float = 0.05,
        seed: int = 0,
        groups: Optional[Sequence] = None) -> Tuple[List[int], List[int]]:
    """Split sample indices into a training part and a validation part.

    Without ``groups``, each class gives ``round(val_ratio * n_c)`` random
    samples (at least 1, at most ``n_c - 1``) to the validation part. With
    ``groups`` (e.g. NTU performers), whole groups go to the validation
    part, chosen so that its class counts are as close as possible to
    ``val_ratio * n_c``; no group is on both sides. The result is a pure
    function of the arguments.

    Args:
        labels (Sequence[int]): Label of each sample.
        val_ratio (float): Fraction of each class to hold out, in (0, 1).
            Defaults to 0.05.
        seed (int): Seed of the random choice. Defaults to 0.
        groups (Sequence, optional): Group id of each sample. Defaults to
            None (samples are carved one by one).

    Returns:
        tuple[list[int], list[int]]: Training and validation indices, each
        ascending; together they are ``range(len(labels))``.
    """
    if not 0 < val_ratio < 1:
        raise ValueError(f'val_ratio must be in (0, 1), got {val_ratio}')
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng(seed)
    if groups is None:
        is_val = _carve_per_class(labels, val_ratio, rng)
    else:
        if len(groups) != len(labels):
            raise ValueError(f'got {len(groups)} group ids for '
                             f'{len(labels)} samples')
        is_val = _carve_groups(labels, groups, val_ratio, rng)
    return (np.flatnonzero(~is_val).tolist(), np.flatnonzero(is_val).tolist())


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


def labelled_subset_indices(labels: Sequence[int],
                            rate: float,
                            num_classes: Optional[int] = None) -> list:
    """The reference's labelled subset: the first samples of every class.

    LZU-SIAT/AS-CAL (``Feeder.separate_data``) keeps, in file order, the
    first ``int(rate * N / C)`` samples of every class, ``N`` being the
    size of the whole split and ``C`` the data set's number of classes, so
    every class gets the same quota whatever its own size (at 10 % of a
    40,320-sample NTU-60 split: 67 per class, 4,020 samples, where
    ``floor(0.1 * n_c)`` per class would give fewer). A class's first
    sample is always kept, even with a quota of 0; a class with fewer
    samples than the quota keeps them all.

    Args:
        labels (Sequence[int]): The split's labels in file order.
        rate (float): Labelled fraction, in ``(0, 1]``.
        num_classes (int, optional): ``C``; None for the number of distinct
            labels. Defaults to None.

    Returns:
        list: Kept indices, in file order.

    Raises:
        ValueError: ``rate`` is outside ``(0, 1]`` or ``num_classes`` is
            not positive.
    """
    if not 0 < rate <= 1:
        raise ValueError(f'rate must be in (0, 1], got {rate}')
    if num_classes is None:
        num_classes = len(set(labels))
    if num_classes < 1:
        raise ValueError(f'num_classes must be positive, got {num_classes}')
    quota = int(rate * len(labels) / float(num_classes))
    taken: Counter = Counter()
    kept = []
    for index, label in enumerate(labels):
        if taken[label] == 0 or taken[label] < quota:
            taken[label] += 1
            kept.append(index)
    return kept
