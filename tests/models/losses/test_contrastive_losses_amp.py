# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Under bf16 autocast only the projections run in bf16: the contrastive
arithmetic after them is the float32 arithmetic on the projected values."""
import copy

import torch
from mmaction.registry import MODELS

C, B, F_IN = 12, 8, 9


def _inputs():
    torch.manual_seed(0)
    return (torch.randn(B, F_IN), torch.arange(B) % 4, torch.randn(B, C))


def test_affinity_loss_float32_after_projection():
    loss = MODELS.build(
        dict(
            type='AffinityContrastiveLoss',
            num_classes=C,
            in_channels=F_IN,
            proj_channels=6))
    loss.confusion.copy_(torch.randint(0, 4, (C, C)).double())
    loss.set_phase(stats_active=True, loss_active=True)
    loss.refresh_superclasses()
    twin = copy.deepcopy(loss)
    feats, labels, logits = _inputs()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss(feats, labels, logits)
        z = twin.proj(feats)
    assert z.dtype == torch.bfloat16 and value.dtype == torch.float32
    expected = twin._forward(z.float(), labels, logits.argmax(1))
    torch.testing.assert_close(value, expected, rtol=0, atol=0)
    torch.testing.assert_close(loss.prototypes, twin.prototypes)
    assert loss.prototypes.dtype == torch.float32


def test_margin_loss_float32_after_projection():
    loss = MODELS.build(
        dict(
            type='MarginContrastiveLoss',
            in_channels=F_IN,
            proj_channels=6,
            queue_size=4))
    twin = copy.deepcopy(loss)
    feats, labels, _ = _inputs()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss(feats, labels)
        proj = twin.proj(feats)
    assert proj.dtype == torch.bfloat16 and value.dtype == torch.float32
    expected = twin._forward(proj.float(), labels)
    torch.testing.assert_close(value, expected, rtol=0, atol=0)
    assert loss.queue_feats.dtype == torch.float32
