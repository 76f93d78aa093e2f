# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Class-fraction slices that meet at boundaries which are not whole
numbers of samples (``s * n_c`` not an integer) split every class into
pieces that cover it exactly once: no sample dropped, none in two slices.
"""
from collections import Counter

import pytest

from aclnet_mm.datasets import class_fraction_indices


@pytest.mark.parametrize('bounds', [(0, 1 / 3, 2 / 3, 1), (0, 0.3, 0.65, 1),
                                    (0, 0.25, 0.9, 1),
                                    (0, 0.05, 0.5, 0.95, 1)])
def test_slices_with_non_integral_boundaries_cover_each_class_once(bounds):
    # Classes of 3 to 20 samples, interleaved as in a real file.
    sizes = list(range(3, 21))
    labels = [
        label for round_ in range(max(sizes))
        for label, size in enumerate(sizes) if round_ < size
    ]
    # Most boundaries fall inside a sample: that is the case tested.
    inside = sum((b * n) % 1 != 0 for b in bounds[1:-1] for n in sizes)
    assert inside > len(sizes)
    seen = Counter()
    for low, high in zip(bounds[:-1], bounds[1:]):
        kept = class_fraction_indices(labels, (low, high), min_per_class=0)
        assert kept == sorted(kept)
        seen.update(kept)
    missing = [i for i in range(len(labels)) if seen[i] == 0]
    twice = [i for i in range(len(labels)) if seen[i] > 1]
    assert not missing and not twice, (
        f'dropped {missing[:5]} (labels {[labels[i] for i in missing[:5]]}),'
        f' in two slices {twice[:5]}')
    # Each class's slices follow its file order: the first slice holds
    # its first samples.
    first = class_fraction_indices(labels, bounds[:2], min_per_class=0)
    for label, size in enumerate(sizes):
        members = [i for i, y in enumerate(labels) if y == label]
        got = [i for i in first if labels[i] == label]
        assert got == members[:int(bounds[1] * size)]
