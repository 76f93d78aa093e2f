# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL's labelled subset for semi-supervised evaluation."""
from collections import Counter
from typing import Optional, Sequence

__all__ = ['labelled_subset_indices']


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
