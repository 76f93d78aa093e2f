# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Edge cases of the contrastive machinery (issue 10, item 2).

Each case builds the real modules at tiny sizes and checks values: finite
losses, shapes, the zeros that are expected, and the errors raised at
build time.
"""
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample
from torch.utils.data import DataLoader

import aclnet_mm  # noqa: F401

C = 6  # classes
F_IN = 5  # contrastive feature length


def _affinity(**kwargs):
    cfg = dict(
        type='AffinityContrastiveLoss',
        num_classes=C,
        in_channels=F_IN,
        proj_channels=4,
        num_neighbors=2,
        overlap_thr=1)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _margin(**kwargs):
    cfg = dict(
        type='MarginContrastiveLoss',
        in_channels=F_IN,
        proj_channels=4,
        queue_size=8)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _head(**kwargs):
    cfg = dict(
        type='ACLNetHead',
        num_classes=C,
        in_channels=F_IN,
        feature_source='embedding',
        loss_inter=dict(
            type='AffinityContrastiveLoss',
            num_neighbors=2,
            overlap_thr=1,
            proj_channels=4),
        loss_intra=dict(
            type='MarginContrastiveLoss', proj_channels=4, queue_size=8))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _activate(loss):
    """Loss on, with a bank where every class confuses its two successors."""
    bank = torch.zeros(C, C, dtype=torch.float64)
    for c in range(C):
        bank[c, (c + 1) % C] = 3
        bank[c, (c + 2) % C] = 1
    loss.confusion.copy_(bank)
    loss.set_phase(stats_active=True, loss_active=True)
    loss.refresh_superclasses()


def _samples(labels):
    return [ActionDataSample().set_gt_label(int(y)) for y in labels]


def _feature_map(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    # (N, M, C, T, V)
    return torch.randn(n, 2, F_IN, 3, 4, generator=g)


def _assert_finite_losses(losses):
    for key, value in losses.items():
        assert value.dim() == 0, key
        assert torch.isfinite(value), (key, value)


# ---------------------------------------------------------------------------
# Batch of one.
# ---------------------------------------------------------------------------
def test_batch_of_one_affinity():
    loss = _affinity()
    _activate(loss)
    value = loss(torch.randn(1, F_IN), torch.tensor([2]), torch.randn(1, C))
    assert value.dim() == 0 and torch.isfinite(value)
    # The positive is inside the log-sum-exp: the loss is >= 0, and
    # > 0 as class 2 has neighbours in its superclass.
    assert loss.superclass_mask[2].sum() > 0
    assert value > 0
    value.backward()
    assert torch.isfinite(loss.proj.weight.grad).all()


@pytest.mark.parametrize('faithful', [True, False])
def test_batch_of_one_margin(faithful):
    loss = _margin(faithful=faithful, queue_size=1)
    # Queue of 1 and batch of 1: the contrast set is the anchor alone, it
    # has no positive (own column excluded): the loss is exactly 0.
    value = loss(torch.randn(1, F_IN), torch.tensor([3]))
    assert value.item() == 0.0
    assert int(loss.queue_count) == 1 and int(loss.queue_labels[0]) == 3


def test_batch_of_one_head():
    head = _head()
    _activate(head.loss_inter)
    for step in range(10):  # fills the queue of 8, then the loss is on
        losses = head.loss(_feature_map(1, step), _samples([step % C]))
        _assert_finite_losses(losses)
    assert losses['queue_fill'].item() == 1.0


# ---------------------------------------------------------------------------
# Empty batch (a rank left with no sample).
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('faithful', [True, False])
def test_empty_batch_is_zero_and_changes_nothing(faithful):
    feats = torch.randn(0, F_IN, requires_grad=True)
    labels = torch.zeros(0, dtype=torch.long)

    affinity = _affinity(faithful=faithful)
    _activate(affinity)
    before = {k: v.clone() for k, v in affinity.state_dict().items()}
    value = affinity(feats, labels, torch.randn(0, C))
    assert value.dim() == 0 and value.item() == 0.0  # was NaN: mean of none
    value.backward()
    assert (affinity.proj.weight.grad == 0).all()
    for key, tensor in affinity.state_dict().items():
        assert torch.equal(tensor, before[key]), key

    margin = _margin(faithful=faithful)
    value = margin(feats, labels)
    assert value.item() == 0.0
    assert int(margin.queue_count) == 0

    info_nce = MODELS.build(dict(type='InfoNCELoss', temperature=0.1))
    query = torch.randn(0, 4, requires_grad=True)
    value = info_nce(query, torch.randn(0, 4), torch.randn(7, 4))
    assert value.dim() == 0 and value.item() == 0.0
    value.backward()
    assert query.grad.shape == (0, 4)


# ---------------------------------------------------------------------------
# Classes absent from the prototypes; classes never predicted.
# ---------------------------------------------------------------------------
def test_batch_classes_absent_from_prototypes():
    """No true positive in the batch: no prototype moves, loss finite."""
    loss = _affinity()
    _activate(loss)
    before = loss.prototypes.clone()
    bank_before = loss.confusion.clone()
    labels = torch.tensor([0, 1, 2, 0])
    logits = torch.zeros(4, C)
    logits[:, 5] = 1  # everything predicted as class 5, never right
    value = loss(torch.randn(4, F_IN), labels, logits)
    assert torch.isfinite(value)
    assert torch.equal(loss.prototypes, before)
    # The misclassifications still reach the bank: row y, column 5, with
    # class 0 counted twice.
    grown = loss.confusion[[0, 1, 2], 5] - bank_before[[0, 1, 2], 5]
    assert grown.tolist() == [2.0, 1.0, 1.0]


@pytest.mark.parametrize('faithful', [True, False])
def test_classes_never_predicted(faithful):
    """Empty confusion rows give finite temperatures and a finite loss."""
    loss = _affinity(faithful=faithful)
    bank = torch.zeros(C, C, dtype=torch.float64)
    bank[0, 1] = bank[1, 0] = 5  # only classes 0 and 1 were ever confused
    loss.confusion.copy_(bank)
    loss.set_phase(stats_active=False, loss_active=True)
    loss.refresh_superclasses()
    assert torch.isfinite(loss.class_tau).all()
    sizes = loss.superclass_sizes()
    assert sizes.shape == (C, )
    labels = torch.arange(C)
    value = loss(torch.randn(C, F_IN), labels, torch.randn(C, C))
    assert torch.isfinite(value)
    if not faithful:
        # Clean mode excludes zero-count classes: classes 2..5 have an
        # empty superclass and each contributes log 1 = 0.
        assert not loss.superclass_mask[2:].any()
        assert torch.equal(sizes[2:], torch.zeros(C - 2))


def test_all_classes_empty_bank():
    """A refresh on an all-zero bank (nothing accumulated yet)."""
    loss = _affinity(faithful=False)
    loss.set_phase(stats_active=False, loss_active=True)
    loss.refresh_superclasses()
    assert not loss.superclass_mask.any()
    value = loss(
        torch.randn(4, F_IN), torch.tensor([0, 1, 2, 3]), torch.randn(4, C))
    # Only the positive logit in every row: the loss is exactly 0.
    assert value.item() == pytest.approx(0.0, abs=1e-6)


# ---------------------------------------------------------------------------
# Build-time errors.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('num_neighbors', [C, C + 4])
def test_num_classes_not_above_neighbourhood(num_neighbors):
    with pytest.raises(ValueError, match='num_classes > num_neighbors'):
        _affinity(num_neighbors=num_neighbors)
    # Through the head, the error comes at build time too.
    with pytest.raises(ValueError, match=f'at most {C - 1}'):
        _head(
            loss_inter=dict(
                type='AffinityContrastiveLoss', num_neighbors=num_neighbors))


def test_zero_queue_size_rejected():
    with pytest.raises(ValueError, match='queue_size must be positive'):
        _margin(queue_size=0)


# ---------------------------------------------------------------------------
# Queue smaller than the batch; all samples of one class.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('faithful', [True, False])
def test_queue_smaller_than_batch(faithful):
    torch.manual_seed(0)
    feats = torch.randn(6, F_IN)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    small = _margin(queue_size=2, faithful=faithful)
    exact = _margin(queue_size=6, faithful=faithful)
    exact.load_state_dict(
        {
            k: v
            for k, v in small.state_dict().items() if 'queue' not in k
        },
        strict=False)
    # With K <= B the contrast set is the batch alone: both are active at
    # once and agree.
    value = small(feats, labels)
    assert value.item() != 0.0 and torch.isfinite(value)
    torch.testing.assert_close(value, exact(feats, labels))
    # The ring buffer keeps the newest K projections.
    assert int(small.queue_count) == 2
    assert small.queue_labels.tolist() == [2, 2]


def test_all_samples_one_class_margin():
    """No negatives: every clean pair loss is exactly -margin."""
    margin = 0.3
    clean = _margin(faithful=False, queue_size=4, margin=margin)
    value = clean(torch.randn(4, F_IN), torch.full((4, ), 2))
    torch.testing.assert_close(value, torch.tensor(-margin))
    faithful = _margin(faithful=True, queue_size=4, margin=margin)
    value = faithful(torch.randn(4, F_IN), torch.full((4, ), 2))
    assert torch.isfinite(value)
    value.backward()
    assert torch.isfinite(faithful.proj.weight.grad).all()


def test_all_samples_one_class_affinity():
    loss = _affinity()
    _activate(loss)
    labels = torch.full((5, ), 4)
    logits = torch.zeros(5, C)
    logits[:, 4] = 1  # all true positives of class 4
    before = loss.prototypes.clone()
    feats = torch.randn(5, F_IN)
    value = loss(feats, labels, logits)
    assert torch.isfinite(value)
    # Only the prototype of class 4 moved, to the EMA of the batch mean.
    z = loss.proj(feats).detach()
    expected = 0.9 * before[4] + 0.1 * z.mean(0)
    torch.testing.assert_close(loss.prototypes[4], expected)
    assert torch.equal(loss.prototypes[:4], before[:4])
    assert torch.equal(loss.prototypes[5:], before[5:])


# ---------------------------------------------------------------------------
# bf16 autocast.
# ---------------------------------------------------------------------------
def test_head_under_bf16_autocast():
    head = _head()
    _activate(head.loss_inter)
    labels = [0, 1, 2, 3, 0, 1, 2, 3]
    for step in range(2):
        with torch.autocast('cpu', dtype=torch.bfloat16):
            losses = head.loss(_feature_map(8, step), _samples(labels))
        _assert_finite_losses(losses)
    # The contrastive arithmetic stays float32; the buffers too.
    assert losses['loss_inter'].dtype == torch.float32
    assert losses['loss_intra'].dtype == torch.float32
    assert head.loss_inter.prototypes.dtype == torch.float32
    assert head.loss_intra.queue_feats.dtype == torch.float32
    assert losses['loss_intra'].item() != 0.0
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert torch.isfinite(head.fc.weight.grad).all()


# ---------------------------------------------------------------------------
# A last short batch; drop_last=False.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('faithful', [True, False])
def test_last_short_batch(faithful):
    loss = _margin(queue_size=8, faithful=faithful)
    values = []
    for n in (4, 4, 3):
        labels = torch.arange(n) % 2
        values.append(loss(torch.randn(n, F_IN), labels))
    assert all(torch.isfinite(v) for v in values)
    # Active once K - B queued entries exist: step 2 (4 >= 4), step 3
    # (8 >= 5); the first step returns the in-graph zero.
    assert values[0].item() == 0.0 and values[2].item() != 0.0
    assert int(loss.queue_count) == 8
    assert int(loss.queue_ptr) == 11 % 8


def test_drop_last_false_through_head():
    """All batches of a DataLoader with drop_last=False, the short one too."""
    head = _head()
    _activate(head.loss_inter)
    all_labels = torch.tensor([0, 1, 2, 3, 4, 5, 0, 1, 2, 3])
    loader = DataLoader(
        range(len(all_labels)), batch_size=4, shuffle=False, drop_last=False)
    sizes = []
    for step, index in enumerate(loader):
        sizes.append(len(index))
        losses = head.loss(
            _feature_map(len(index), step), _samples(all_labels[index]))
        _assert_finite_losses(losses)
    assert sizes == [4, 4, 2]
    assert int(head.loss_intra.queue_count) == 8
    assert losses['loss_intra'].item() != 0.0


# ---------------------------------------------------------------------------
# Zero-padded second person; sequences shorter than the clip length.
# ---------------------------------------------------------------------------
BACKBONES = {
    'ACLGCN':
    dict(
        type='ACLGCN',
        graph_cfg=dict(layout='coco'),
        base_channels=8,
        num_stages=2,
        inflate_stages=(2, ),
        down_stages=(2, ),
        num_subsets=2,
        gcn_ratio=0.25,
        with_topology=True),
    'CTRGCN':
    dict(
        type='CTRGCN',
        graph_cfg=dict(layout='coco', mode='spatial'),
        base_channels=8,
        num_stages=2,
        inflate_stages=(2, ),
        down_stages=(2, ),
        with_topology=True),
}


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_zero_padded_second_person(name):
    torch.manual_seed(0)
    model = MODELS.build(BACKBONES[name]).eval()
    x = torch.randn(2, 2, 8, 17, 3)
    x[:, 1] = 0  # a one-person clip padded with a zero skeleton
    with torch.no_grad():
        feats, topology = model(x)
        other = x.clone()
        other[:, 1] = torch.randn(2, 8, 17, 3)
        feats_other, _ = model(other)
    assert feats.shape[:2] == (2, 2) and feats.shape[-1] == 17
    assert torch.isfinite(feats).all() and torch.isfinite(topology).all()
    assert topology.shape == (2, 17 * 17)
    # In eval mode the persons do not interact: person 0's features do not
    # depend on what pads person 1.
    torch.testing.assert_close(feats[:, 0], feats_other[:, 0])


@pytest.mark.parametrize('name', sorted(BACKBONES))
@pytest.mark.parametrize('frames', [1, 2])
def test_backbone_sequence_shorter_than_strides(name, frames):
    """Fewer frames than the temporal downsampling: still finite."""
    model = MODELS.build(BACKBONES[name]).eval()
    with torch.no_grad():
        feats, topology = model(torch.randn(1, 2, frames, 17, 3))
    assert feats.shape[3] == 1  # stride 2 on 1 or 2 frames
    assert torch.isfinite(feats).all() and torch.isfinite(topology).all()


@pytest.mark.parametrize('test_mode', [False, True])
def test_sequence_shorter_than_clip_length(test_mode):
    """A 5-frame sequence sampled to a 16-frame clip loops its frames."""
    total = 5
    keypoint = np.arange(total, dtype=np.float32)[None, :, None, None]
    keypoint = np.broadcast_to(keypoint, (1, total, 17, 2)).copy()
    results = dict(
        keypoint=keypoint,
        keypoint_score=np.ones((1, total, 17), dtype=np.float32),
        total_frames=total,
        start_index=0,
        img_shape=(64, 64))
    sample = TRANSFORMS.build(
        dict(type='UniformSampleFrames', clip_len=16, test_mode=test_mode))
    decode = TRANSFORMS.build(dict(type='PoseDecode'))
    results = decode(sample(results))
    assert results['keypoint'].shape == (1, 16, 17, 2)
    # Every original frame is used, each index within range.
    frames = results['keypoint'][0, :, 0, 0]
    assert set(frames.tolist()) == set(range(total))
    model = MODELS.build(BACKBONES['ACLGCN']).eval()
    x = torch.from_numpy(
        np.concatenate(
            [results['keypoint'], results['keypoint_score'][..., None]],
            axis=-1))[None]
    with torch.no_grad():
        feats, _ = model(x)
    assert torch.isfinite(feats).all()
