# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
import torch

from aclnet_mm.utils import HostReadCounter


def test_host_read_counter_counts_and_restores():
    x = torch.arange(3.)
    with HostReadCounter() as reads:
        x.sum().item()
        x.tolist()
        bool(x[0])
        float(x[1])
    assert reads.count == 4
    assert reads.calls == dict(item=1, tolist=1, __bool__=1, __float__=1)
    # Restored: no counting and no wrapper left behind.
    assert x.sum().item() == 3.
    assert 'item' not in torch.Tensor.__dict__


def test_host_read_counter_forbids():
    with pytest.raises(RuntimeError, match='Tensor.item'):
        with HostReadCounter(forbid=True):
            torch.ones(1).item()
    assert torch.ones(1).item() == 1.
