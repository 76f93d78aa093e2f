# Copyright (c) aclnet-mm contributors. All rights reserved.
import math
import os

import pytest
import torch
from mmaction.registry import MODELS
from ports import free_port

from aclnet_mm.models.losses import AffinityContrastiveLoss


class ReferenceInterLoss:
    """Slow re-statement of the reference inter-class loss, one sample,
    class and pair at a time, in float64.

    ``faithful=False`` applies the documented clean rules instead.
    """

    def __init__(self, weight, bias, prototypes, momentum, k, overlap_thr,
                 thresholds, faithful):
        self.weight = weight.detach().double().clone().requires_grad_()
        self.bias = bias.detach().double().clone().requires_grad_()
        self.prototypes = [p.detach().double().clone() for p in prototypes]
        self.num_classes = len(self.prototypes)
        self.bank = [[0] * self.num_classes for _ in range(self.num_classes)]
        self.groups = [[] for _ in range(self.num_classes)]
        self.momentum = momentum
        self.k = k
        self.overlap_thr = overlap_thr
        self.thresholds = thresholds
        self.faithful = faithful

    def update_bank(self, labels, preds):
        batch = len(labels)
        for i in range(batch):
            if preds[i] != labels[i]:
                self.bank[labels[i]][preds[i]] += 1
                if not self.faithful:
                    self.bank[preds[i]][labels[i]] += 1
            if self.faithful:
                for j in range(batch):
                    if preds[j] == labels[i] and labels[j] != labels[i]:
                        self.bank[labels[i]][labels[j]] += 1

    def rebuild(self):
        num_classes = self.num_classes
        neighbors = []
        for i in range(num_classes):
            order = sorted(
                range(num_classes), key=lambda j: -self.bank[i][j])[:self.k]
            if not self.faithful:
                order = [j for j in order if j != i and self.bank[i][j] > 0]
            neighbors.append(set(order))
        for i in range(num_classes):
            group = set(neighbors[i])
            for j in range(num_classes):
                shared = len(neighbors[i] & neighbors[j])
                if j != i and shared >= self.overlap_thr:
                    group.add(j)
            self.groups[i] = sorted(group)

    def temperature(self, size):
        if size <= self.thresholds[0]:
            return 0.1
        if size <= self.thresholds[1]:
            return 0.5
        return 1.0

    def step(self, feats, labels, logits, stats, active, refresh):
        labels = labels.tolist()
        preds = [
            max(range(len(row)), key=lambda c: row[c])
            for row in logits.tolist()
        ]
        z = feats.double() @ self.weight.t() + self.bias
        # Clean rebuilds when asked (epoch start), faithful after this
        # batch's statistics and prototypes.
        if refresh and not self.faithful:
            self.rebuild()
        if stats:
            self.update_bank(labels, preds)
        protos = []
        for c in range(self.num_classes):
            members = [
                i for i in range(len(labels))
                if labels[i] == c and preds[i] == c
            ]
            proto = self.prototypes[c]
            if members:
                mean = sum(z[i] for i in members) / len(members)
                if not self.faithful:
                    mean = mean.detach()
                proto = self.momentum * proto + (1 - self.momentum) * mean
            protos.append(proto)
        self.prototypes = [p.detach() for p in protos]
        if refresh and self.faithful:
            self.rebuild()
        if not active:
            return None
        losses = []
        for i, y in enumerate(labels):
            group = self.groups[y]
            if not self.faithful:
                group = [c for c in group if c != y]
            tau = self.temperature(len(self.groups[y]))
            scores = []
            for c in [y] + group:
                cos = torch.dot(z[i], protos[c]) / (
                    z[i].norm() * protos[c].norm())
                scores.append(cos / tau)
            scores = torch.stack(scores)
            losses.append(torch.logsumexp(scores, 0) - scores[0])
        return sum(losses) / len(losses)


def _make_batch(gen, batch, num_classes, in_channels, hit_rate=0.5):
    feats = torch.randn(batch, in_channels, generator=gen)
    labels = torch.randint(num_classes, (batch, ), generator=gen)
    logits = torch.randn(batch, num_classes, generator=gen)
    hits = torch.rand(batch, generator=gen) < hit_rate
    logits[hits, labels[hits]] += 10
    return feats, labels, logits


# (stats_active, loss_active, refresh requested before the step)
SCHEDULE = [(False, False, False), (True, False, False), (True, False, False),
            (True, True, True), (True, True, False), (True, True, True),
            (True, True, False)]


@pytest.mark.parametrize('faithful', [True, False])
@pytest.mark.parametrize('seed', [0, 1])
def test_matches_reference_loop(faithful, seed):
    torch.manual_seed(seed)
    num_classes, in_channels, batch = 13, 6, 26
    # Thresholds scaled down with k so that every bucket is used; clean
    # superclasses are smaller (no zero-count padding).
    thresholds = (3, 5) if faithful else (1, 3)
    loss_fn = AffinityContrastiveLoss(
        num_classes,
        in_channels,
        proj_channels=5,
        num_neighbors=3,
        overlap_thr=2,
        size_thresholds=thresholds,
        temperatures=(0.1, 0.5, 1.0),
        faithful=faithful).double()
    ref = ReferenceInterLoss(loss_fn.proj.weight, loss_fn.proj.bias,
                             loss_fn.prototypes, loss_fn.momentum, 3, 2,
                             thresholds, faithful)
    gen = torch.Generator().manual_seed(100 + seed)
    saw_duplicate = False
    seen_tau = set()
    for stats, active, refresh in SCHEDULE:
        feats, labels, logits = _make_batch(
            gen, batch, num_classes, in_channels, hit_rate=0.8)
        loss_fn.set_phase(stats, active)
        if refresh:
            loss_fn.request_refresh()
        loss_fn.proj.zero_grad()
        loss = loss_fn(feats.double(), labels, logits)
        expected = ref.step(feats, labels, logits, stats, active, refresh)

        assert loss.dim() == 0
        expected_bank = torch.tensor(ref.bank, dtype=torch.float64)
        assert torch.equal(loss_fn.confusion, expected_bank)
        torch.testing.assert_close(
            loss_fn.prototypes, torch.stack(ref.prototypes), rtol=0, atol=1e-6)
        groups = torch.zeros(num_classes, num_classes, dtype=torch.bool)
        for c, members in enumerate(ref.groups):
            groups[c, members] = True
        assert torch.equal(loss_fn.superclass_mask, groups)
        if expected is None:
            assert loss.item() == 0
            continue
        expected_tau = [ref.temperature(len(g)) for g in ref.groups]
        torch.testing.assert_close(
            loss_fn.class_tau.tolist(), expected_tau, rtol=0, atol=1e-12)
        saw_duplicate |= bool(groups.diagonal().any())
        seen_tau.update(expected_tau)
        torch.testing.assert_close(loss, expected.detach(), rtol=0, atol=1e-6)
        loss.backward()
        expected.backward()
        torch.testing.assert_close(
            loss_fn.proj.weight.grad, ref.weight.grad, rtol=0, atol=1e-6)
        torch.testing.assert_close(
            loss_fn.proj.bias.grad, ref.bias.grad, rtol=0, atol=1e-6)
        ref.weight.grad = None
        ref.bias.grad = None
    # The run did exercise the duplicated positive and every bucket.
    assert saw_duplicate == faithful
    assert seen_tau == {0.1, 0.5, 1.0}


def _unit_loss(faithful, momentum=0.9):
    """3 classes, 2-d identity projection, prototypes on the axes."""
    loss_fn = AffinityContrastiveLoss(
        3,
        2,
        proj_channels=2,
        momentum=momentum,
        num_neighbors=1,
        faithful=faithful)
    with torch.no_grad():
        loss_fn.proj.weight.copy_(torch.eye(2))
        loss_fn.proj.bias.zero_()
        loss_fn.prototypes.copy_(torch.tensor([[1., 0.], [0., 1.], [-1., 0.]]))
    return loss_fn


@pytest.mark.parametrize('faithful', [True, False])
def test_hand_computed_loss(faithful):
    loss_fn = _unit_loss(faithful)
    loss_fn.set_phase(False, True)
    loss_fn.superclass_mask[0, 1] = True
    loss_fn.set_class_temperatures(torch.tensor([0.5, 1.0, 1.0]))
    feats = torch.tensor([[1., 0.]])
    labels = torch.tensor([0])
    # Predicted as class 1: no true positive, the prototypes stay put.
    logits = torch.tensor([[0., 1., 0.]])
    # cos(z, mu_0) = 1 and cos(z, mu_1) = 0, at tau = 0.5.
    loss = loss_fn(feats, labels, logits)
    assert math.isclose(loss.item(), math.log(1 + math.exp(-2)), rel_tol=1e-6)
    # y inside its own superclass: faithful counts the positive twice.
    loss_fn.superclass_mask[0, 0] = True
    loss = loss_fn(feats, labels, logits)
    expected = math.log(2 +
                        math.exp(-2)) if faithful else math.log(1 +
                                                                math.exp(-2))
    assert math.isclose(loss.item(), expected, rel_tol=1e-6)
    # Class 2 is outside A(0) and never counts, wherever mu_2 points.
    loss_fn.prototypes[2] = torch.tensor([1., 0.])
    assert math.isclose(
        loss_fn(feats, labels, logits).item(), expected, rel_tol=1e-6)


def test_hand_computed_prototype_update():
    # m = 0.75, not 0.5: at 0.5, m and 1 - m are equal and a swap of the
    # two weights would pass unseen.
    loss_fn = _unit_loss(True, momentum=0.75)
    feats = torch.tensor([[2., 0.], [4., 2.], [0., 3.], [5., 5.]])
    labels = torch.tensor([0, 0, 1, 2])
    # Samples 0, 1 and 2 are true positives, sample 3 is predicted as 0.
    logits = torch.tensor([[1., 0., 0.], [1., 0., 0.], [0., 1., 0.],
                           [1., 0., 0.]])
    loss_fn(feats, labels, logits)
    # mu_0 = 0.75 (1, 0) + 0.25 mean((2, 0), (4, 2)); mu_1 likewise; mu_2
    # has no true positive and stays.
    expected = torch.tensor([[0.75 + 0.25 * 3., 0.25 * 1.],
                             [0., 0.75 + 0.25 * 3.], [-1., 0.]])
    torch.testing.assert_close(loss_fn.prototypes, expected)
    # Statistics off: the bank is untouched, the EMA still runs.
    assert loss_fn.confusion.eq(0).all()


@pytest.mark.parametrize('faithful', [True, False])
def test_bank_frozen_while_statistics_off_and_loss_on(faithful):
    loss_fn = _unit_loss(faithful)
    feats = torch.tensor([[2., 0.], [4., 2.], [0., 3.], [5., 5.]])
    labels = torch.tensor([0, 0, 1, 2])
    # Two confusions (1 -> 0 and 2 -> 0) in every batch.
    logits = torch.tensor([[1., 0., 0.], [1., 0., 0.], [1., 0., 0.],
                           [1., 0., 0.]])
    loss_fn.superclass_mask[[0, 1, 2], [1, 0, 0]] = True
    loss_fn.set_phase(stats_active=False, loss_active=True)
    loss = loss_fn(feats, labels, logits)
    assert loss.item() > 0
    assert loss_fn.confusion.eq(0).all()
    # Statistics on: the same batch is counted.
    loss_fn.set_phase(stats_active=True, loss_active=True)
    loss_fn(feats, labels, logits)
    assert loss_fn.confusion[1, 0] > 0 and loss_fn.confusion[2, 0] > 0
    counted = loss_fn.confusion.clone()
    loss_fn.set_phase(stats_active=False, loss_active=True)
    loss_fn(feats, labels, logits)
    assert torch.equal(loss_fn.confusion, counted)


def test_inactive_returns_zero_in_graph():
    loss_fn = AffinityContrastiveLoss(4, 3, proj_channels=2, num_neighbors=2)
    feats = torch.randn(5, 3)
    loss = loss_fn(feats, torch.tensor([0, 1, 2, 3, 0]), torch.randn(5, 4))
    assert loss.dim() == 0 and loss.item() == 0
    assert not str(loss.item()).startswith('-')
    assert loss.dtype == feats.dtype and loss.requires_grad
    loss.backward()
    # In the graph: proj receives a (zero) gradient, not None.
    assert loss_fn.proj.weight.grad is not None
    assert loss_fn.proj.weight.grad.eq(0).all()


@pytest.mark.parametrize('faithful', [True, False])
def test_gradient_reaches_proj(faithful):
    torch.manual_seed(0)
    loss_fn = AffinityContrastiveLoss(
        6,
        4,
        proj_channels=3,
        num_neighbors=2,
        overlap_thr=1,
        faithful=faithful)
    gen = torch.Generator().manual_seed(0)
    loss_fn.set_phase(True, False)
    loss_fn(*_make_batch(gen, 24, 6, 4))
    loss_fn.set_phase(True, True)
    loss_fn.request_refresh()
    feats, labels, logits = _make_batch(gen, 24, 6, 4)
    feats.requires_grad_()
    loss = loss_fn(feats, labels, logits.requires_grad_())
    loss.backward()
    assert loss.item() > 0
    assert loss_fn.proj.weight.grad.abs().sum() > 0
    assert feats.grad.abs().sum() > 0
    # The logits only select predictions.
    assert logits.grad is None
    assert loss_fn.superclass_mask.any()


def test_faithful_refresh_is_deferred():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    losses = {}
    for faithful in (True, False):
        loss_fn = AffinityContrastiveLoss(
            6, 4, proj_channels=3, num_neighbors=2, faithful=faithful)
        loss_fn.set_phase(True, True)
        loss_fn.request_refresh()
        assert bool(loss_fn.refresh_pending) == faithful
        # Clean rebuilt at once from an empty bank: no superclass yet.
        assert not loss_fn.superclass_mask.any()
        loss_fn(*_make_batch(gen, 24, 6, 4))
        assert not loss_fn.refresh_pending
        losses[faithful] = loss_fn
    # Faithful rebuilt inside the forward, from this batch's statistics.
    assert losses[True].superclass_mask.any()
    assert not losses[False].superclass_mask.any()


def test_state_dict_round_trip():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(2)
    src = AffinityContrastiveLoss(6, 4, proj_channels=3, num_neighbors=2)
    src.set_phase(True, True)
    src(*_make_batch(gen, 24, 6, 4))
    src.request_refresh()
    src(*_make_batch(gen, 24, 6, 4))
    src.request_refresh()
    state = src.state_dict()
    assert {
        'prototypes', 'confusion', 'superclass_mask', 'class_tau',
        'stats_active', 'loss_active', 'refresh_pending', 'proj.weight',
        'proj.bias'
    } == set(state)
    assert state['confusion'].dtype == torch.float64
    assert state['superclass_mask'].dtype == torch.bool
    dst = AffinityContrastiveLoss(6, 4, proj_channels=3, num_neighbors=2)
    dst.load_state_dict(state)
    batch = _make_batch(gen, 24, 6, 4)
    # The loaded flags (including the pending rebuild) drive the step.
    torch.testing.assert_close(dst(*batch), src(*batch))
    for name, value in src.state_dict().items():
        assert torch.equal(value, dst.state_dict()[name]), name


def test_build_and_validation():
    loss_fn = MODELS.build(
        dict(type='AffinityContrastiveLoss', num_classes=60, in_channels=625))
    assert loss_fn.prototypes.shape == (60, 256)
    assert loss_fn.proj.in_features == 625
    torch.manual_seed(7)
    first = AffinityContrastiveLoss(12, 3, proj_channels=4)
    torch.manual_seed(7)
    second = AffinityContrastiveLoss(12, 3, proj_channels=4)
    assert torch.equal(first.prototypes, second.prototypes)
    with pytest.raises(ValueError, match='num_neighbors to at most 9'):
        AffinityContrastiveLoss(10, 3)
    with pytest.raises(ValueError, match='temperatures'):
        AffinityContrastiveLoss(12, 3, temperatures=(0.1, 0.5))


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA device')
def test_cuda_step_is_sync_free():
    loss_fn = AffinityContrastiveLoss(
        6, 4, proj_channels=3, num_neighbors=2).cuda()
    gen = torch.Generator().manual_seed(0)
    batches = [[t.cuda() for t in _make_batch(gen, 24, 6, 4)]
               for _ in range(3)]
    loss_fn.set_phase(True, True)
    loss_fn(*batches[0])
    # Statistics, EMA, a deferred rebuild and the loss, without any
    # device-to-host synchronisation.
    loss_fn.request_refresh()
    torch.cuda.set_sync_debug_mode('error')
    try:
        losses = [loss_fn(*batch) for batch in batches[1:]]
    finally:
        torch.cuda.set_sync_debug_mode('default')
    losses[-1].backward()
    assert losses[-1].device.type == 'cuda' and losses[-1].dim() == 0
    assert loss_fn.superclass_mask.any()
    assert loss_fn.proj.weight.grad.abs().sum() > 0


# ---------------------------------------------------------------------------
# Two gloo processes against one process on the concatenated batch.
# ---------------------------------------------------------------------------
DIST_SCHEDULE = [(True, False, False), (True, True, True), (True, True, False),
                 (True, True, True)]


def _dist_batches(num_steps):
    gen = torch.Generator().manual_seed(11)
    return [_make_batch(gen, 16, 6, 4) for _ in range(num_steps)]


def _run_schedule(loss_fn, batches, rank=0, world_size=1):
    """Run the schedule; return buffers, loss and proj gradient per step."""
    records = []
    for (stats, active, refresh), batch in zip(DIST_SCHEDULE, batches):
        per_rank = len(batch[0]) // world_size
        part = slice(rank * per_rank, (rank + 1) * per_rank)
        feats, labels, logits = (t[part] for t in batch)
        loss_fn.set_phase(stats, active)
        if refresh:
            loss_fn.request_refresh()
        loss_fn.proj.zero_grad()
        loss = loss_fn(feats.double(), labels, logits)
        loss.backward()
        records.append(
            dict(
                buffers={
                    k: v.clone()
                    for k, v in loss_fn.named_buffers()
                },
                loss=loss.detach(),
                grad=loss_fn.proj.weight.grad.clone()))
    return records


def _dist_worker(rank, world_size, port, out_dir):
    from mmengine.dist import all_reduce_params
    os.environ['MASTER_ADDR'] = '127.0.0.1'
    os.environ['MASTER_PORT'] = str(port)
    torch.distributed.init_process_group(
        'gloo', rank=rank, world_size=world_size)
    try:
        results = {}
        for faithful in (True, False):
            torch.manual_seed(0)
            loss_fn = AffinityContrastiveLoss(
                6, 4, proj_channels=3, num_neighbors=2,
                faithful=faithful).double()
            records = _run_schedule(loss_fn, _dist_batches(4), rank,
                                    world_size)
            # SyncBuffersHook's call at the end of every epoch.
            before = {k: v.clone() for k, v in loss_fn.named_buffers()}
            all_reduce_params(loss_fn.buffers(), op='mean')
            after = {k: v.clone() for k, v in loss_fn.named_buffers()}
            results[faithful] = dict(
                records=records, before=before, after=after)
        torch.save(results, os.path.join(out_dir, f'rank{rank}.pth'))
    finally:
        torch.distributed.destroy_process_group()


def test_two_process_gloo_equals_one_process(tmp_path, run_ranks):
    # fork: the children reuse the parent's imports (spawn re-imports
    # torch and MMAction2 in each child, several seconds on CI).
    run_ranks(_dist_worker, args=(2, free_port(), str(tmp_path)))
    ranks = [
        torch.load(tmp_path / f'rank{r}.pth', weights_only=False)
        for r in range(2)
    ]
    for faithful in (True, False):
        torch.manual_seed(0)
        single = _run_schedule(
            AffinityContrastiveLoss(
                6, 4, proj_channels=3, num_neighbors=2,
                faithful=faithful).double(), _dist_batches(4))
        rank0, rank1 = (r[faithful] for r in ranks)
        for step, expected in enumerate(single):
            got0 = rank0['records'][step]
            got1 = rank1['records'][step]
            for name, value in expected['buffers'].items():
                # Bit-identical on both ranks, equal to the single run.
                assert torch.equal(got0['buffers'][name],
                                   got1['buffers'][name]), name
                if value.is_floating_point():
                    torch.testing.assert_close(
                        got0['buffers'][name], value, rtol=0, atol=1e-12)
                else:
                    assert torch.equal(got0['buffers'][name], value), name
            # DDP averages the rank losses and gradients: equal to the
            # global-batch mean. Faithful's prototype path adds cross-rank
            # gradient terms that DDP cannot see, so only the value there.
            mean_loss = (got0['loss'] + got1['loss']) / 2
            torch.testing.assert_close(
                mean_loss, expected['loss'], rtol=0, atol=1e-12)
            if not faithful:
                torch.testing.assert_close(
                    (got0['grad'] + got1['grad']) / 2,
                    expected['grad'],
                    rtol=0,
                    atol=1e-12)
        assert single[-1]['buffers']['superclass_mask'].any()
        for rank in (rank0, rank1):
            for name, value in rank['before'].items():
                after = rank['after'][name]
                assert after.dtype == value.dtype, name
                assert torch.equal(after, value), name
