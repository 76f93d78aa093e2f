# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope


def build(**kwargs):
    init_default_scope('mmaction')
    cfg = dict(
        type='RetrievalRecognizerGCN',
        backbone=dict(
            type='STGCN',
            graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
            base_channels=4,
            num_stages=1,
            inflate_stages=(),
            down_stages=()),
        cls_head=dict(
            type='ACLNetRetrievalHead',
            num_classes=3,
            in_channels=4,
            feature_source='embedding',
            loss_inter=None,
            loss_intra=None))
    cfg.update(kwargs)
    return MODELS.build(cfg).eval()


def test_tta_variants_and_embedding():
    torch.manual_seed(0)
    model = build(tta_time_reverse=True, tta_swap_layout='coco')
    x = torch.randn(2, 3, 1, 8, 17, 3)  # 2 samples x 3 windows
    variants = model.tta_variants(x)
    assert len(variants) == 3
    torch.testing.assert_close(variants[1][:, :, :, 0], x[:, :, :, -1])
    torch.testing.assert_close(variants[2][..., 5, :], x[..., 6, :])
    torch.testing.assert_close(variants[2][..., 0, :], x[..., 0, :])
    samples = [ActionDataSample() for _ in range(2)]
    with torch.no_grad():
        out = model.predict(x, samples)
        # Concatenation of the per-variant embeddings (each the clip mean,
        # normalised), normalised again.
        parts = []
        for v in variants:
            feats = model.backbone(v.reshape((6, ) + v.shape[2:]))
            pooled = feats.mean(dim=(3, 4)).mean(dim=1)
            pooled = pooled.reshape(2, 3, -1).mean(dim=1)
            parts.append(torch.nn.functional.normalize(pooled, dim=1))
    expected = torch.nn.functional.normalize(torch.cat(parts, 1), dim=1)
    torch.testing.assert_close(
        torch.stack([s.embedding for s in out]), expected)


def test_plain_embedding_is_unit_and_logits_option():
    model = build()
    x = torch.randn(2, 1, 1, 8, 17, 3)
    with torch.no_grad():
        out = model.predict(x, [ActionDataSample() for _ in range(2)])
    assert out[0].embedding.shape == (4, )
    assert out[0].embedding.norm().item() == pytest.approx(1.0)
    logits = build(
        cls_head=dict(
            type='ACLNetRetrievalHead',
            num_classes=3,
            in_channels=4,
            feature_source='embedding',
            loss_inter=None,
            loss_intra=None,
            embedding='logits',
            normalize=False))
    with torch.no_grad():
        out = logits.predict(x, [ActionDataSample() for _ in range(2)])
        scores = logits.cls_head(logits.backbone(x[:, 0]))
    torch.testing.assert_close(torch.stack([s.embedding for s in out]), scores)
