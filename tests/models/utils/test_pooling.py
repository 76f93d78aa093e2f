# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
import torch
from mmaction.registry import MODELS

import aclnet_mm  # noqa: F401
from aclnet_mm.models.utils import pool_embedding


def test_pool_embedding_against_loops():
    g = torch.Generator().manual_seed(0)
    feats = torch.randn(3, 2, 4, 5, 6, generator=g)
    out = pool_embedding(feats)
    assert out.shape == (3, 4)
    expected = torch.zeros(3, 4)
    for n in range(3):
        for c in range(4):
            per_person = [feats[n, m, c].sum() / (5 * 6) for m in range(2)]
            expected[n, c] = sum(per_person) / 2
    torch.testing.assert_close(out, expected)


def test_pool_embedding_matches_gcn_head():
    torch.manual_seed(0)
    feats = torch.randn(2, 2, 8, 3, 17)
    head = MODELS.build(dict(type='GCNHead', num_classes=4, in_channels=8))
    expected = head.fc(pool_embedding(feats))
    assert torch.equal(head(feats), expected)


def test_pool_embedding_on_mmaction_stgcn():
    backbone = MODELS.build(
        dict(
            type='STGCN',
            graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
            base_channels=8,
            num_stages=2,
            inflate_stages=(2, ),
            down_stages=(2, )))
    feats = backbone(torch.randn(2, 2, 8, 17, 3))
    assert pool_embedding(feats).shape == (2, 16)


def test_pool_embedding_rejects_other_ranks():
    with pytest.raises(ValueError):
        pool_embedding(torch.randn(2, 8, 3, 17))
