# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL's labelled subset against a loop re-statement of the reference's
``Feeder.separate_data`` and hand cases."""
import random

import pytest

from aclnet_mm.datasets import labelled_subset_indices


def _separate_data(labels, rate, scale):
    """``separate_data`` re-stated: a per-class counter; a class's first
    sample always enters, later ones while the counter is below the quota."""
    quota = int(rate * len(labels) / float(scale))
    seen, kept = {}, []
    for i, label in enumerate(labels):
        if label in seen:
            if seen[label] < quota:
                seen[label] += 1
                kept.append(i)
        else:
            seen[label] = 1
            kept.append(i)
    return kept


def test_hand_case():
    # N = 12, C = 3, rate 0.5: quota int(0.5 * 12 / 3) = 2 per class,
    # whatever the class sizes (7, 3 and 2 samples).
    labels = [0, 0, 1, 0, 2, 0, 1, 0, 0, 2, 1, 0]
    assert labelled_subset_indices(labels, 0.5) == [0, 1, 2, 4, 6, 9]
    # floor(0.5 * n_c) per class would keep 3 + 1 + 1 samples instead.
    # A quota of 0 still keeps each class's first sample.
    assert labelled_subset_indices(labels, 0.01) == [0, 2, 4]
    # C given (the data set's class count, here more than present).
    assert labelled_subset_indices(labels, 0.5, num_classes=6) == [0, 2, 4]
    with pytest.raises(ValueError):
        labelled_subset_indices(labels, 0.)
    with pytest.raises(ValueError):
        labelled_subset_indices(labels, 0.5, num_classes=0)


@pytest.mark.parametrize('rate', [0.01, 0.1, 0.5])
def test_matches_reference_on_uneven_classes(rate):
    rng = random.Random(0)
    # 60 classes of 550 to 800 samples, shuffled as a file would be.
    labels = [c for c in range(60) for _ in range(rng.randint(550, 800))]
    rng.shuffle(labels)
    got = labelled_subset_indices(labels, rate, num_classes=60)
    assert got == _separate_data(labels, rate, 60)
    quota = max(int(rate * len(labels) / 60), 1)
    counts = [0] * 60
    for i in got:
        counts[labels[i]] += 1
    assert counts == [quota] * 60
