# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ASCALRecognizer: loss, queue order, momentum arithmetic, warm-up."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample

from aclnet_mm.models.recognizers import ASCALRecognizer

V, M, C, T, D = 3, 1, 2, 4, 5


def _model(queue_size=7, **kwargs):
    torch.manual_seed(0)
    model = ASCALRecognizer(
        backbone=dict(
            type='SkeletonRNN',
            in_channels=C,
            num_joints=V,
            num_person=M,
            hidden_channels=D),
        feat_dim=D,
        queue_size=queue_size,
        **kwargs).double()
    model.init_weights()
    return model


def _views(n, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(
        n, 2, M, T, V, C, generator=generator, dtype=torch.float64)


def test_key_encoder_starts_as_copy_and_has_no_gradient():
    model = _model()
    for (name, q), k in zip(model.backbone.named_parameters(),
                            model.key_backbone.module.parameters()):
        torch.testing.assert_close(q, k, msg=name)
        assert not k.requires_grad
    model.train()
    assert not model.key_backbone.training
    bound = 1 / (D / 3)**0.5
    assert model.queue.abs().max() <= bound


def test_loss_is_info_nce_against_the_queue_then_enqueues():
    model = _model(queue_size=7)
    inputs = _views(3)
    queue_before = model.queue.clone()
    query = model.backbone(inputs[:, 0]).flatten(1)
    key = model.key_backbone.module(inputs[:, 1]).flatten(1)
    logits = torch.cat(
        [(query * key).sum(1, keepdim=True), query @ queue_before.t()],
        dim=1) / 0.06
    expected = F.cross_entropy(logits, torch.zeros(3, dtype=torch.long))
    loss = model(inputs, mode='loss')['loss']
    torch.testing.assert_close(loss, expected)
    # The keys took slots 0..2; the rest of the queue is unchanged.
    torch.testing.assert_close(model.queue[:3], key.detach())
    torch.testing.assert_close(model.queue[3:], queue_before[3:])
    assert model.queue_ptr.item() == 3 and model.queue_count.item() == 3
    loss.backward()
    assert model.backbone.rnn.weight_ih_l0.grad is not None
    assert model.key_backbone.module.rnn.weight_ih_l0.grad is None


def test_queue_ring_buffer_order():
    model = _model(queue_size=7)
    pushed = []
    for step in range(4):  # 4 x 3 keys into 7 slots: wraps around
        keys = torch.full((3, D), float(step), dtype=torch.float64)
        keys += torch.arange(3, dtype=torch.float64)[:, None] / 10
        model.enqueue(keys)
        pushed.extend(keys)
    # Slot i holds the newest key written to it: key j goes to j mod 7.
    expected = torch.stack([pushed[j] for j in range(12 - 7, 12)])
    slots = [j % 7 for j in range(5, 12)]
    torch.testing.assert_close(model.queue[slots], expected)
    assert model.queue_ptr.item() == 12 % 7
    assert model.queue_count.item() == 7


def test_momentum_update_arithmetic():
    model = _model(momentum=0.9)
    assert model.key_backbone.steps.item() == 0
    # Make the encoders differ, as after the first optimiser step.
    for p in model.backbone.parameters():
        p.data.add_(1.)
    key_before = copy.deepcopy(model.key_backbone.module.state_dict())
    # The very first update blends (the reference's moment_update); it does
    # not copy the query encoder as MMEngine's EMA does on its first call.
    model.momentum_update()
    for name, q in model.backbone.state_dict().items():
        expected = 0.9 * key_before[name] + 0.1 * q
        torch.testing.assert_close(
            model.key_backbone.module.state_dict()[name], expected)
    # Default m = 0.999, first update and a later one.
    model = _model()
    for step in range(2):
        for p in model.backbone.parameters():
            p.data.mul_(2.)
        key_before = copy.deepcopy(model.key_backbone.module.state_dict())
        model.momentum_update()
        for name, q in model.backbone.state_dict().items():
            torch.testing.assert_close(
                model.key_backbone.module.state_dict()[name],
                0.999 * key_before[name] + 0.001 * q,
                msg=f'update {step} {name}')
    assert model.key_backbone.steps.item() == 2


def test_keys_come_from_the_key_encoder():
    model = _model(queue_size=7)
    # Let the encoders diverge, as after some steps.
    for p in model.backbone.parameters():
        p.data.add_(0.3 * torch.randn_like(p))
    inputs = _views(3)
    queue_before = model.queue.clone()
    query = model.backbone(inputs[:, 0]).flatten(1)
    key = model.key_backbone.module(inputs[:, 1]).flatten(1).detach()
    wrong_key = model.backbone(inputs[:, 1]).flatten(1).detach()
    assert not torch.allclose(key, wrong_key, atol=1e-3)

    def info_nce(k):
        logits = torch.cat(
            [(query * k).sum(1, keepdim=True), query @ queue_before.t()],
            dim=1) / 0.06
        return F.cross_entropy(logits, torch.zeros(3, dtype=torch.long))

    loss = model(inputs, mode='loss')['loss']
    torch.testing.assert_close(loss, info_nce(key))
    assert abs(loss.item() - info_nce(wrong_key).item()) > 1e-3
    # The queue receives the key encoder's keys.
    torch.testing.assert_close(model.queue[:3], key)


def test_queue_starts_uniform_over_the_reference_range():
    # MemoryMoCo: U(-s, s) with s = 1 / sqrt(D / 3): the whole range is
    # reached and the spread is a uniform's (sd s / sqrt(3)), not narrower.
    model = ASCALRecognizer(
        backbone=dict(
            type='SkeletonRNN',
            in_channels=C,
            num_joints=V,
            num_person=M,
            hidden_channels=12),
        feat_dim=12,
        queue_size=4096)
    bound = 1 / (12 / 3)**0.5
    queue = model.queue.double()
    assert queue.abs().max() <= bound
    assert queue.max() > 0.99 * bound and queue.min() < -0.99 * bound
    assert abs(queue.mean().item()) < 0.01 * bound
    assert queue.std().item() == pytest.approx(bound / 3**0.5, rel=0.02)
    # A quarter of the entries in each quarter of the range.
    counts = torch.histc(queue, bins=4, min=-bound, max=bound) / queue.numel()
    torch.testing.assert_close(
        counts, torch.full_like(counts, 0.25), atol=0.01, rtol=0)


def test_normalized_variant_and_warmup_step():
    model = _model(
        queue_size=4,
        loss=dict(type='InfoNCELoss', temperature=0.07,
                  normalize=True)).float()
    # MMAction2's data preprocessor hands float32 batches over.
    inputs = _views(2).float()
    loss = model(inputs, mode='loss')['loss']
    assert torch.isfinite(loss)
    params = [p.clone() for p in model.parameters()]
    samples = [ActionDataSample() for _ in range(2)]
    model.warmup_step(dict(inputs=list(inputs), data_samples=samples))
    assert model.queue_ptr.item() == 0 and model.queue_count.item() == 4
    key = model.key_backbone.module(inputs[:, 1]).flatten(1)
    torch.testing.assert_close(model.queue[2:], key)
    for before, after in zip(params, model.parameters()):
        torch.testing.assert_close(before, after)


def test_predict_attaches_mean_encoding():
    model = _model()
    inputs = _views(2)
    samples = model(
        inputs, [ActionDataSample() for _ in range(2)], mode='predict')
    expected = model.backbone(inputs.flatten(0, 1)).flatten(1).view(2, 2,
                                                                    D).mean(1)
    torch.testing.assert_close(
        torch.stack([s.feature for s in samples]), expected)
    with pytest.raises(ValueError):
        model(inputs[:, :1], mode='loss')


def test_gcn_backbone_as_encoder():
    torch.manual_seed(0)
    model = ASCALRecognizer(
        backbone=dict(
            type='STGCN',
            in_channels=3,
            base_channels=4,
            num_stages=1,
            inflate_stages=[],
            down_stages=[],
            graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial')),
        feat_dim=4,
        queue_size=6)
    model.init_weights()
    inputs = torch.randn(2, 2, 1, 4, 25, 3)
    loss = model(inputs, mode='loss')['loss']
    loss.backward()
    assert model.queue_count.item() == 2


def test_gcn_encoding_pools_every_person():
    torch.manual_seed(0)
    model = ASCALRecognizer(
        backbone=dict(
            type='STGCN',
            in_channels=3,
            base_channels=4,
            num_stages=1,
            inflate_stages=[],
            down_stages=[],
            graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial')),
        feat_dim=4,
        queue_size=6)
    model.init_weights()
    # Two different persons (the second one moved and scaled).
    person = torch.randn(2, 1, 4, 25, 3)
    inputs = torch.cat([person, 3 * person.flip(2) + 1], dim=1)
    feats = model.backbone(inputs)  # (N, M, D, T, V)
    per_person = [
        sum(feats[n, m, :, t, v] for t in range(feats.shape[3])
            for v in range(feats.shape[4])) / (feats.shape[3] * feats.shape[4])
        for n in range(2) for m in range(2)
    ]
    expected = torch.stack([(per_person[2 * n] + per_person[2 * n + 1]) / 2
                            for n in range(2)])
    assert not torch.allclose(per_person[0], per_person[1], atol=1e-3)
    torch.testing.assert_close(model.extract_feat(inputs), expected)
    torch.testing.assert_close(model(inputs[:, None], mode='tensor'), expected)
