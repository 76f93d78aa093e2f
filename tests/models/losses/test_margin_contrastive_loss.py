# Copyright (c) aclnet-mm contributors. All rights reserved.
import copy
import math

import pytest
import torch
from mmaction.registry import MODELS

import aclnet_mm  # noqa: F401
from aclnet_mm.models.losses import MarginContrastiveLoss


class SlowMarginLoss:
    """The reference loss re-stated one anchor and one positive at a time.

    The memory is a Python list used as a FIFO; the contrast set is its
    newest ``K - B`` entries followed by the current batch, as in the
    reference once its queue is full.
    """

    def __init__(self, proj, queue_size, temperature, margin, faithful):
        self.proj = proj
        self.queue_size = queue_size
        self.temperature = temperature
        self.margin = margin
        self.faithful = faithful
        self.bank = []

    def normalise(self, p):
        if self.faithful:
            return p / (p.norm() + 1e-12)
        return p / p.norm()

    def __call__(self, feats, labels):
        q = [self.normalise(self.proj(f)) for f in feats]
        labels = [int(y) for y in labels]
        batch = len(q)
        num_mem = max(self.queue_size - batch, 0)
        active = len(self.bank) >= num_mem
        memory = self.bank[len(self.bank) - num_mem:] if num_mem else []
        contrast = [(x.detach(), y) for x, y in memory]
        contrast += list(zip(q, labels))

        total = q[0].sum() * 0
        num_with_pos = 0
        for i in range(batch):
            own = num_mem + i
            row = [torch.dot(q[i], x) / self.temperature for x, _ in contrast]
            row_max = max(float(s.detach()) for s in row)
            positives = [
                k for k, (_, y) in enumerate(contrast)
                if y == labels[i] and k != own
            ]
            negatives = [
                k for k, (_, y) in enumerate(contrast) if y != labels[i]
            ]
            anchor = q[0].sum() * 0
            for p in positives:
                if self.faithful:
                    denom = math.exp(-self.margin) * torch.exp(row[p] -
                                                               row_max)
                    for n in negatives:
                        denom = denom + torch.exp(row[n] - row_max)
                    anchor = anchor + torch.log(denom + 1e-6) - (
                        row[p] - row_max)
                else:
                    denom = torch.exp(row[p] - self.margin)
                    for n in negatives:
                        denom = denom + torch.exp(row[n])
                    anchor = anchor - row[p] + torch.log(denom)
            if positives:
                num_with_pos += 1
                total = total + anchor / len(positives)
        if self.faithful:
            loss = total / batch
        else:
            loss = total / max(num_with_pos, 1)
        if not active:
            loss = q[0].sum() * 0

        self.bank += [(x.detach(), y) for x, y in zip(q, labels)]
        self.bank = self.bank[-self.queue_size:]
        return loss


def _run_against_slow(faithful, queue_size, batch_sizes, num_classes=3):
    torch.manual_seed(0)
    loss_fn = MarginContrastiveLoss(
        in_channels=6,
        proj_channels=5,
        queue_size=queue_size,
        temperature=0.1,
        margin=0.1,
        faithful=faithful).double()
    slow_proj = copy.deepcopy(loss_fn.proj)
    slow = SlowMarginLoss(slow_proj, queue_size, 0.1, 0.1, faithful)
    actives = []
    for batch in batch_sizes:
        feats = torch.randn(batch, 6, dtype=torch.float64)
        labels = torch.randint(0, num_classes, (batch, ))
        feats_a = feats.clone().requires_grad_()
        feats_b = feats.clone().requires_grad_()
        loss_fn.zero_grad()
        slow_proj.zero_grad()

        loss = loss_fn(feats_a, labels)
        expected = slow(feats_b, labels)
        assert loss.dim() == 0
        torch.testing.assert_close(loss, expected, rtol=0, atol=1e-6)
        loss.backward()
        expected.backward()
        torch.testing.assert_close(
            feats_a.grad, feats_b.grad, rtol=0, atol=1e-6)
        torch.testing.assert_close(
            loss_fn.proj.weight.grad, slow_proj.weight.grad, rtol=0, atol=1e-6)
        torch.testing.assert_close(
            loss_fn.proj.bias.grad, slow_proj.bias.grad, rtol=0, atol=1e-6)
        actives.append(bool(loss.detach() != 0))

        # The queue holds the newest entries of the list, oldest first.
        num = int(loss_fn.queue_count)
        assert num == len(slow.bank)
        slots = (int(loss_fn.queue_ptr) + torch.arange(-num, 0)) % queue_size
        torch.testing.assert_close(loss_fn.queue_feats[slots],
                                   torch.stack([x for x, _ in slow.bank]))
        assert loss_fn.queue_labels[slots].tolist() == [
            y for _, y in slow.bank
        ]
    return actives


@pytest.mark.parametrize('faithful', [True, False])
def test_matches_slow_restatement(faithful):
    # Queue a multiple of the batch: the reference's own setting.
    actives = _run_against_slow(faithful, 8, [4, 4, 4, 4, 4])
    assert actives == [False, True, True, True, True]
    # Any queue size, a short last batch, and a queue smaller than a batch.
    _run_against_slow(faithful, 7, [3, 3, 3, 3, 2, 3])
    _run_against_slow(faithful, 2, [5, 5, 3])


def test_hand_computed():
    """Three 2-d unit vectors, identity projection, temperature 1."""
    feats = torch.tensor([[1., 0.], [1., 0.], [0., 1.]], dtype=torch.float64)
    labels = torch.tensor([0, 0, 1])
    losses = {}
    for faithful in (True, False):
        loss_fn = MarginContrastiveLoss(
            2,
            proj_channels=2,
            queue_size=3,
            temperature=1.0,
            margin=0.1,
            faithful=faithful).double()
        with torch.no_grad():
            loss_fn.proj.weight.copy_(torch.eye(2))
            loss_fn.proj.bias.zero_()
        losses[faithful] = loss_fn(feats, labels).item()
    # Anchors 0 and 1 are each other's positive (s = 1), sample 2 their
    # negative (s = 0); anchor 2 has no positive.
    # Faithful: rows shifted by their max (1), 1e-6 after the shift, / B.
    pair = math.log(math.exp(-0.1) + math.exp(-1) + 1e-6)
    assert losses[True] == pytest.approx(2 * pair / 3, abs=1e-12)
    # Clean: exact form, averaged over the two anchors with a positive.
    pair = -1 + math.log(math.exp(0.9) + 1)
    assert losses[False] == pytest.approx(pair, abs=1e-12)


@pytest.mark.parametrize('faithful', [True, False])
def test_loss_can_be_negative(faithful):
    loss_fn = MarginContrastiveLoss(
        3, proj_channels=4, queue_size=4, margin=0.1, faithful=faithful)
    feats = torch.randn(1, 3).repeat(4, 1)
    loss = loss_fn(feats, torch.zeros(4, dtype=torch.long))
    # No negatives and identical positives: each pair costs about -margin.
    assert loss.item() < 0
    assert loss.item() == pytest.approx(-0.1, abs=2e-5)


def test_inactive_is_zero_in_graph():
    loss_fn = MarginContrastiveLoss(4, proj_channels=3, queue_size=10)
    feats = torch.randn(4, 4, requires_grad=True)
    loss = loss_fn(feats, torch.tensor([0, 1, 0, 1]))
    assert loss.shape == torch.Size([]) and loss.item() == 0
    assert math.copysign(1, loss.item()) == 1  # +0.0 in the logs
    loss.backward()
    # In the graph (DDP sees the projection used) with zero gradient.
    assert loss_fn.proj.weight.grad is not None
    assert loss_fn.proj.weight.grad.abs().sum() == 0
    assert int(loss_fn.queue_count) == 4 and int(loss_fn.queue_ptr) == 4
    # 4 entries < 10 - 4: still inactive; 8 >= 6: active.
    assert loss_fn(feats, torch.tensor([0, 1, 0, 1])).item() == 0
    assert loss_fn(feats, torch.tensor([0, 1, 0, 1])).item() != 0


def test_registry_buffers_and_resume():
    cfg = dict(
        type='MarginContrastiveLoss',
        in_channels=5,
        proj_channels=4,
        queue_size=6,
        faithful=False)
    torch.manual_seed(1)
    loss_fn = MODELS.build(cfg)
    assert isinstance(loss_fn.proj, torch.nn.Linear)
    buffers = dict(loss_fn.named_buffers())
    assert buffers['queue_feats'].shape == (6, 4)
    assert buffers['queue_labels'].shape == (6, )
    assert buffers['queue_ptr'].dim() == buffers['queue_count'].dim() == 0
    steps = [(torch.randn(4, 5), torch.randint(0, 2, (4, ))) for _ in range(4)]
    for feats, labels in steps[:2]:
        loss_fn(feats, labels)
    resumed = MODELS.build(cfg)
    resumed.load_state_dict(copy.deepcopy(loss_fn.state_dict()))
    for feats, labels in steps[2:]:
        torch.testing.assert_close(
            resumed(feats, labels), loss_fn(feats, labels), rtol=0, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_no_host_sync_on_gpu():
    loss_fn = MarginContrastiveLoss(6, proj_channels=5, queue_size=7).cuda()
    feats = torch.randn(3, 6, device='cuda', requires_grad=True)
    labels = torch.randint(0, 2, (3, ), device='cuda')
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode('error')
    try:
        for _ in range(4):  # inactive, then active
            loss_fn(feats, labels).backward()
    finally:
        torch.cuda.set_sync_debug_mode(0)
    assert int(loss_fn.queue_count) == 7
