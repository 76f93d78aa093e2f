# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ClassPrototypeContrastiveLoss against a loop re-statement of ProtoGCN's
class-specific contrastive loss, across steps, ranks and checkpoints."""
import copy
import os

import pytest
import torch
from mmaction.registry import MODELS
from ports import free_port

from aclnet_mm.models import ClassPrototypeContrastiveLoss

NUM_CLASSES, IN_CHANNELS, PROJ = 5, 9, 4


class LoopReference:
    """ProtoGCN's class-specific contrastive loss, written sample by sample
    and class by class from the paper's / reference code's formulas.

    Projection ``f_i = W x_i + b``; the samples that are predicted right
    (arg-max of the logits is the label) with a softmax probability of the
    label above the threshold update their class prototype with the EMA of
    the batch mean (the mean over ``count + 1e-12``); the loss is the mean
    cross-entropy of cosine similarities (norms plus 1e-12) over tau. The
    batch mean enters the loss with its gradient. ``faithful=False``:
    the first observation of a class replaces its prototype.
    """

    def __init__(self,
                 weight,
                 bias,
                 prototypes,
                 temperature=0.125,
                 momentum=0.9,
                 threshold=0.,
                 faithful=True):
        self.weight = weight.detach().clone().requires_grad_()
        self.bias = bias.detach().clone().requires_grad_()
        self.prototypes = prototypes.detach().clone()
        self.temperature = temperature
        self.momentum = momentum
        self.threshold = threshold
        self.faithful = faithful
        self.observed = [False] * prototypes.shape[1]

    def __call__(self, x, labels, logits):
        n, num_classes = logits.shape
        feats = [
            sum(self.weight[:, j] * x[i, j]
                for j in range(x.shape[1])) + self.bias for i in range(n)
        ]
        columns = []
        for k in range(num_classes):
            members = []
            for i in range(n):
                probs = torch.exp(logits[i]) / torch.exp(logits[i]).sum()
                best = max(range(num_classes), key=lambda c: logits[i, c])
                if (labels[i] == k and best == k
                        and probs[k] > self.threshold):
                    members.append(i)
            old = self.prototypes[:, k]
            if not members:
                columns.append(old)
                continue
            mean = sum(feats[i] for i in members) / (len(members) + 1e-12)
            if self.faithful or self.observed[k]:
                columns.append(self.momentum * old +
                               (1 - self.momentum) * mean)
            else:
                columns.append(mean)
            self.observed[k] = True
        self.prototypes = torch.stack(columns, dim=1).detach()

        def unit(v):
            return v / (torch.sqrt((v * v).sum()) + 1e-12)

        total = 0
        for i in range(n):
            fi = unit(feats[i])
            sims = [(unit(columns[k]) * fi).sum() / self.temperature
                    for k in range(num_classes)]
            log_norm = torch.log(sum(torch.exp(s) for s in sims))
            total = total + log_norm - sims[int(labels[i])]
        return total / n


def make_batch(gen, n, hit_rate=0.6):
    x = torch.randn(n, IN_CHANNELS, generator=gen, dtype=torch.float64)
    labels = torch.randint(NUM_CLASSES, (n, ), generator=gen)
    logits = torch.randn(n, NUM_CLASSES, generator=gen, dtype=torch.float64)
    hits = torch.rand(n, generator=gen) < hit_rate
    logits[hits, labels[hits]] += 4.
    return x, labels, logits


def build(faithful, seed=0, **kwargs):
    torch.manual_seed(seed)
    return ClassPrototypeContrastiveLoss(
        NUM_CLASSES,
        IN_CHANNELS,
        proj_channels=PROJ,
        faithful=faithful,
        **kwargs).double()


@pytest.mark.parametrize('faithful', [True, False])
@pytest.mark.parametrize('threshold', [0., 0.7])
def test_matches_loop_reference_over_steps(faithful, threshold):
    loss_fn = build(faithful, pred_threshold=threshold)
    ref = LoopReference(
        loss_fn.cl_fc.weight,
        loss_fn.cl_fc.bias,
        loss_fn.prototypes,
        threshold=threshold,
        faithful=faithful)
    gen = torch.Generator().manual_seed(1)
    for step in range(5):
        x, labels, logits = make_batch(gen, 12)
        x_ours = x.clone().requires_grad_()
        x_ref = x.clone().requires_grad_()
        loss_fn.zero_grad()
        loss = loss_fn(x_ours, labels, logits)
        loss.backward()
        expected = ref(x_ref, labels, logits)
        expected.backward()
        close = dict(rtol=0, atol=1e-6)
        torch.testing.assert_close(loss, expected, **close)
        torch.testing.assert_close(x_ours.grad, x_ref.grad, **close)
        torch.testing.assert_close(loss_fn.cl_fc.weight.grad, ref.weight.grad,
                                   **close)
        torch.testing.assert_close(loss_fn.cl_fc.bias.grad, ref.bias.grad,
                                   **close)
        torch.testing.assert_close(loss_fn.prototypes, ref.prototypes, **close)
        ref.weight.grad = ref.bias.grad = None
    assert loss_fn.observed.tolist() == ref.observed


def test_faithful_start_is_the_reference_draw():
    # The reference draws its memory (proj x classes) from the global
    # generator, then builds the projection.
    torch.manual_seed(7)
    expected_memory = torch.randn(256, 60)
    expected_fc = torch.nn.Linear(625, 256)
    torch.manual_seed(7)
    loss_fn = ClassPrototypeContrastiveLoss(60)
    assert torch.equal(loss_fn.prototypes, expected_memory)
    assert torch.equal(loss_fn.cl_fc.weight, expected_fc.weight)
    assert torch.equal(loss_fn.cl_fc.bias, expected_fc.bias)
    assert not ClassPrototypeContrastiveLoss(
        60, faithful=False).prototypes.any()


def test_prototypes_are_saved_and_restored_bit_exactly():
    gen = torch.Generator().manual_seed(2)
    batches = [make_batch(gen, 10) for _ in range(6)]
    for faithful in (True, False):
        loss_fn = build(faithful)
        for batch in batches[:3]:
            loss_fn(*batch)
        state = copy.deepcopy(loss_fn.state_dict())
        assert {'prototypes', 'observed'} <= set(state)
        continued = [loss_fn(*batch) for batch in batches[3:]]
        resumed = build(faithful, seed=99)
        resumed.load_state_dict(state)
        again = [resumed(*batch) for batch in batches[3:]]
        for a, b in zip(continued, again):
            assert torch.equal(a, b)
        for name, value in loss_fn.state_dict().items():
            assert torch.equal(value, resumed.state_dict()[name]), name


def test_registered_and_validated():
    loss_fn = MODELS.build(
        dict(type='ClassPrototypeContrastiveLoss', num_classes=3))
    assert loss_fn.prototypes.shape == (256, 3)
    with pytest.raises(ValueError, match='temperature'):
        ClassPrototypeContrastiveLoss(3, temperature=0)
    with pytest.raises(ValueError, match='momentum'):
        ClassPrototypeContrastiveLoss(3, momentum=1.5)


def test_float32_after_projection_under_bf16_autocast():
    torch.manual_seed(0)
    loss_fn = ClassPrototypeContrastiveLoss(
        NUM_CLASSES, IN_CHANNELS, proj_channels=PROJ)
    twin = copy.deepcopy(loss_fn)
    x, labels, logits = (
        t.float() if t.is_floating_point() else t
        for t in make_batch(torch.Generator(), 8))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss_fn(x, labels, logits)
        z = twin.cl_fc(x)
    assert z.dtype == torch.bfloat16 and value.dtype == torch.float32
    expected = twin._forward(z.float(), labels, logits)
    torch.testing.assert_close(value, expected, rtol=0, atol=0)
    assert loss_fn.prototypes.dtype == torch.float32
    assert torch.equal(loss_fn.prototypes, twin.prototypes)


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA device')
def test_cuda_step_is_sync_free():
    loss_fn = build(False).cuda()
    gen = torch.Generator().manual_seed(3)
    batches = [[t.cuda() for t in make_batch(gen, 8)] for _ in range(3)]
    torch.cuda.set_sync_debug_mode('error')
    try:
        losses = [loss_fn(*batch) for batch in batches]
    finally:
        torch.cuda.set_sync_debug_mode('default')
    losses[-1].backward()
    assert loss_fn.cl_fc.weight.grad.abs().sum() > 0


# ---------------------------------------------------------------------------
# Two gloo processes against one process on the concatenated batch.
# ---------------------------------------------------------------------------
def _dist_batches():
    gen = torch.Generator().manual_seed(11)
    return [make_batch(gen, 8) for _ in range(4)]


def _run(loss_fn, rank=0, world_size=1):
    records = []
    for x, labels, logits in _dist_batches():
        part = slice(rank * len(x) // world_size,
                     (rank + 1) * len(x) // world_size)
        x = x[part].clone().requires_grad_()
        loss_fn.zero_grad()
        loss = loss_fn(x, labels[part], logits[part])
        loss.backward()
        records.append(
            dict(
                loss=loss.detach(),
                x_grad=x.grad,
                fc_grad=loss_fn.cl_fc.weight.grad.clone(),
                buffers={
                    k: v.clone()
                    for k, v in loss_fn.named_buffers()
                }))
    return records


def _dist_worker(rank, world_size, port, out_dir):
    os.environ['MASTER_ADDR'] = '127.0.0.1'
    os.environ['MASTER_PORT'] = str(port)
    torch.distributed.init_process_group(
        'gloo', rank=rank, world_size=world_size)
    try:
        from mmengine.dist import all_reduce_params
        results = {}
        for faithful in (True, False):
            loss_fn = build(faithful)
            records = _run(loss_fn, rank, world_size)
            # SyncBuffersHook's all-reduce at the end of every epoch must
            # leave the (already identical) buffers as they are.
            before = {k: v.clone() for k, v in loss_fn.named_buffers()}
            all_reduce_params(loss_fn.buffers(), op='mean')
            for name, value in loss_fn.named_buffers():
                assert value.dtype == before[name].dtype, name
                assert torch.equal(value, before[name]), name
            results[faithful] = records
        torch.save(results, os.path.join(out_dir, f'rank{rank}.pth'))
    finally:
        torch.distributed.destroy_process_group()


def test_two_process_gloo_equals_one_process(tmp_path, run_ranks):
    run_ranks(_dist_worker, args=(2, free_port(), str(tmp_path)))
    ranks = [
        torch.load(tmp_path / f'rank{r}.pth', weights_only=False)
        for r in range(2)
    ]
    close = dict(rtol=0, atol=1e-12)
    for faithful in (True, False):
        single = _run(build(faithful))
        got = [r[faithful] for r in ranks]
        for step, expected in enumerate(single):
            steps = [g[step] for g in got]
            for name, value in expected['buffers'].items():
                # Identical on both ranks, equal to one process.
                assert torch.equal(steps[0]['buffers'][name],
                                   steps[1]['buffers'][name]), name
                torch.testing.assert_close(steps[0]['buffers'][name], value,
                                           **close)
            # DDP averages the per-rank losses and parameter gradients.
            torch.testing.assert_close(
                (steps[0]['loss'] + steps[1]['loss']) / 2, expected['loss'],
                **close)
            torch.testing.assert_close(
                (steps[0]['fc_grad'] + steps[1]['fc_grad']) / 2,
                expected['fc_grad'], **close)
            # A rank's features get every rank's gradient through the
            # gathered prototypes: world_size times the global-mean one.
            torch.testing.assert_close(
                torch.cat([s['x_grad'] for s in steps]) / 2,
                expected['x_grad'], **close)
        assert expected['buffers']['observed'].any()
