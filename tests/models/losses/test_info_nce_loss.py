# Copyright (c) aclnet-mm contributors. All rights reserved.
"""InfoNCE against a slow loop re-statement."""
import math

import pytest
import torch

from aclnet_mm.models.losses import InfoNCELoss


def _slow_info_nce(query, key, negatives, tau, normalize):
    total = 0.
    for i in range(query.shape[0]):
        q, k = query[i].tolist(), key[i].tolist()
        negs = negatives.tolist()
        if normalize:

            def unit(v):
                norm = math.sqrt(sum(x * x for x in v))
                return [x / norm for x in v]

            q, k, negs = unit(q), unit(k), [unit(n) for n in negs]
        dots = [sum(a * b for a, b in zip(q, k))]
        dots += [sum(a * b for a, b in zip(q, n)) for n in negs]
        logits = [d / tau for d in dots]
        top = max(logits)
        log_sum = top + math.log(sum(math.exp(x - top) for x in logits))
        total += log_sum - logits[0]
    return total / query.shape[0]


@pytest.mark.parametrize('normalize', [False, True])
def test_matches_loop(normalize):
    generator = torch.Generator().manual_seed(0)
    query = torch.randn(5, 4, generator=generator, dtype=torch.float64)
    key = torch.randn(5, 4, generator=generator, dtype=torch.float64)
    negatives = torch.randn(7, 4, generator=generator, dtype=torch.float64)
    loss = InfoNCELoss(
        temperature=0.06, normalize=normalize)(query, key, negatives)
    expected = _slow_info_nce(query, key, negatives, 0.06, normalize)
    assert loss.item() == pytest.approx(expected, rel=1e-10)


def test_hand_computed_two_candidates():
    # q.k = 1, q.n = 0, tau = 1: loss = log(1 + e^-1).
    loss = InfoNCELoss(temperature=1.)(torch.tensor([[1., 0.]]),
                                       torch.tensor([[1., 0.]]),
                                       torch.tensor([[0., 1.]]))
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-1)))


def test_gradient_reaches_query_only_and_weight():
    query = torch.randn(3, 4, requires_grad=True)
    key = torch.randn(3, 4)
    loss = InfoNCELoss(loss_weight=2.)(query, key, torch.randn(6, 4))
    loss.backward()
    assert query.grad is not None and query.grad.abs().sum() > 0
    with pytest.raises(ValueError):
        InfoNCELoss(temperature=0.)


def test_loss_weight_scales_the_loss():
    generator = torch.Generator().manual_seed(1)
    query, key = torch.randn(
        4, 3, generator=generator), torch.randn(
            4, 3, generator=generator)
    negatives = torch.randn(5, 3, generator=generator)
    plain = InfoNCELoss()(query, key, negatives)
    expected = _slow_info_nce(query.double(), key.double(), negatives.double(),
                              0.06, False)
    assert plain.item() == pytest.approx(expected, rel=1e-5)
    weighted = InfoNCELoss(loss_weight=2.)(query, key, negatives)
    assert weighted.item() == pytest.approx(2 * expected, rel=1e-5)
