# Copyright (c) aclnet-mm contributors. All rights reserved.
"""MomentumAverage: MoCo's key encoder update, blending from the first
call, against a loop re-statement of the reference's ``moment_update``."""
import copy

import torch
from mmaction.registry import MODELS
from torch import nn

from aclnet_mm.models.utils import MomentumAverage


def _moment_update(query, key, m):
    """The reference's ``moment_update``: ``k = m k + (1 - m) q``."""
    for p_q, p_k in zip(query.parameters(), key.parameters()):
        p_k.data.mul_(m).add_(p_q.detach().data, alpha=1 - m)


def test_blends_from_the_first_update_like_the_reference():
    torch.manual_seed(0)
    query = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    average = MomentumAverage(query, momentum=1 - 0.99)
    reference = copy.deepcopy(query)
    for step in range(3):
        with torch.no_grad():
            for p in query.parameters():
                p.add_(torch.randn_like(p))
        query(torch.randn(5, 4))  # moves the BatchNorm statistics
        average.update_parameters(query)
        _moment_update(query, reference, 0.99)
        for (name, got), want in zip(average.module.named_parameters(),
                                     reference.parameters()):
            # Bit-equal: the same float32 operations in the same order.
            assert torch.equal(got, want), (step, name)
            assert not torch.equal(got, dict(query.named_parameters())[name])
        # Buffers are copied, not averaged (update_buffers=False).
        for got, want in zip(average.module.buffers(), query.buffers()):
            assert torch.equal(got, want)
    assert average.steps.item() == 3


def test_interval_and_registry():
    torch.manual_seed(0)
    query = nn.Linear(2, 2)
    average = MODELS.build(
        dict(type='MomentumAverage', model=query, momentum=0.5, interval=2))
    assert isinstance(average, MomentumAverage)
    start = query.weight.detach().clone()
    for step in range(3):
        with torch.no_grad():
            query.weight.add_(1.)
        average.update_parameters(query)
    # Updates at calls 0 and 2 only (weights start + 1, then start + 3).
    first = 0.5 * start + 0.5 * (start + 1)
    expected = 0.5 * first + 0.5 * (start + 3)
    torch.testing.assert_close(average.module.weight, expected)
    assert not average.module.weight.requires_grad
