# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
import torch

from aclnet_mm.models.utils import (ring_buffer_indices, ring_buffer_latest,
                                    ring_buffer_push_)


def _queue(size):
    feats = torch.full((size, 2), -1.)
    labels = torch.full((size, ), -1, dtype=torch.long)
    return feats, labels, torch.tensor(0), torch.tensor(0)


def _push(queue, values):
    feats, labels, ptr, count = queue
    values = torch.tensor(values)
    ring_buffer_push_((feats, labels), ptr, count,
                      (values[:, None].float().repeat(1, 2), values))


def test_push_wraps_in_order():
    queue = _queue(5)
    feats, labels, ptr, count = queue
    _push(queue, [0, 1, 2])
    assert labels.tolist() == [0, 1, 2, -1, -1]
    assert int(ptr) == 3 and int(count) == 3
    assert ring_buffer_latest(labels, ptr, 3).tolist() == [0, 1, 2]
    assert ring_buffer_latest(labels, ptr, 0).tolist() == []

    _push(queue, [3, 4, 5])
    assert labels.tolist() == [5, 1, 2, 3, 4]
    assert int(ptr) == 1 and int(count) == 5
    assert ring_buffer_latest(labels, ptr, 4).tolist() == [2, 3, 4, 5]
    assert ring_buffer_latest(feats, ptr, 2)[:, 0].tolist() == [4., 5.]
    assert ring_buffer_indices(ptr, 5, 5).tolist() == [1, 2, 3, 4, 0]


def test_push_more_than_size():
    queue = _queue(5)
    feats, labels, ptr, count = queue
    _push(queue, [0])
    _push(queue, list(range(1, 8)))  # 7 items into 5 slots
    assert int(ptr) == 3 and int(count) == 5
    assert ring_buffer_latest(labels, ptr, 5).tolist() == [3, 4, 5, 6, 7]
    assert feats[:, 0].tolist() == labels.float().tolist()


def test_errors():
    feats, labels, ptr, count = _queue(3)
    with pytest.raises(ValueError):
        ring_buffer_indices(ptr, 4, 3)
    with pytest.raises(ValueError):
        ring_buffer_push_((feats, labels), ptr, count, (feats, ))
    with pytest.raises(ValueError):
        ring_buffer_push_((feats, labels[:2]), ptr, count, (feats, labels))
