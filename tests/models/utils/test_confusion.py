# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
import torch

from aclnet_mm.models.utils import batch_confusion, confusion_increment


def _reference_bank_update(labels, preds, num_classes, faithful):
    """Loop re-statement of the reference Neighborhood Bank update."""
    bank = [[0] * num_classes for _ in range(num_classes)]
    labels, preds = labels.tolist(), preds.tolist()
    if faithful:
        for i in range(len(labels)):
            if preds[i] != labels[i]:
                bank[labels[i]][preds[i]] += 1
            for j in range(len(labels)):
                if preds[j] == labels[i] and labels[j] != labels[i]:
                    bank[labels[i]][labels[j]] += 1
    else:
        # Every miss counted once for its true class and once for the
        # class it was mistaken for.
        for y, p in zip(labels, preds):
            if y != p:
                bank[y][p] += 1
                bank[p][y] += 1
    return torch.tensor(bank, dtype=torch.float64)


def test_batch_confusion_hand_computed():
    labels = torch.tensor([0, 0, 1, 2])
    preds = torch.tensor([1, 0, 0, 0])
    expected = torch.tensor([[1., 1., 0.], [1., 0., 0.], [1., 0., 0.]])
    assert torch.equal(batch_confusion(labels, preds, 3), expected)


@pytest.mark.parametrize('faithful, expected', [
    (True, [[0., 3., 2.], [2., 0., 0.], [1., 0., 0.]]),
    (False, [[0., 2., 1.], [2., 0., 0.], [1., 0., 0.]]),
])
def test_confusion_increment_hand_computed(faithful, expected):
    # Class 0 misses once (towards 1); classes 1 and 2 are predicted as 0.
    # Faithful: both anchors of class 0 count the two false positives.
    labels = torch.tensor([0, 0, 1, 2])
    preds = torch.tensor([1, 0, 0, 0])
    increment = confusion_increment(
        batch_confusion(labels, preds, 3), faithful)
    assert torch.equal(increment, torch.tensor(expected))


@pytest.mark.parametrize('faithful', [True, False])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_confusion_increment_matches_loop(faithful, seed):
    gen = torch.Generator().manual_seed(seed)
    num_classes, batch = 7, 40
    labels = torch.randint(num_classes, (batch, ), generator=gen)
    preds = torch.randint(num_classes, (batch, ), generator=gen)
    keep = torch.rand(batch, generator=gen) < 0.3
    preds[keep] = labels[keep]
    increment = confusion_increment(
        batch_confusion(labels, preds, num_classes, torch.float64), faithful)
    expected = _reference_bank_update(labels, preds, num_classes, faithful)
    assert torch.equal(increment, expected)
    assert increment.diagonal().eq(0).all()


def test_confusion_of_sum_is_global_batch():
    # Summing per-rank confusion matrices gives the global batch's matrix,
    # which is what makes the all-reduced faithful increment exact.
    gen = torch.Generator().manual_seed(3)
    labels = torch.randint(5, (20, ), generator=gen)
    preds = torch.randint(5, (20, ), generator=gen)
    total = batch_confusion(labels[:10], preds[:10], 5) + batch_confusion(
        labels[10:], preds[10:], 5)
    assert torch.equal(total, batch_confusion(labels, preds, 5))
