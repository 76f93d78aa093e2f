# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A validation split carved out of a training split, seeded and stratified.

ACLNet (like MMAction2's and PYSKL's skeleton configs) validates every epoch
on the official *test* split and keeps the best checkpoint, so the reported
numbers are selected on the test set. Carving a held-out part of the
training split gives an honest alternative: train on train-minus-val,
select checkpoints (and fusion weights) on the carved part, and look at the
test split once.
"""
import re
from typing import List, Optional, Sequence, Tuple

import numpy as np

__all__ = ['carve_split_indices', 'parse_group_ids', 'GROUP_PATTERNS']

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
