# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Gather helpers, and the intra-class loss on two gloo processes."""
import gc
import os.path as osp

import torch
import torch.distributed as torch_dist
from torch.nn.parallel import DistributedDataParallel

from aclnet_mm.models.losses import MarginContrastiveLoss
from aclnet_mm.models.utils import all_gather_with_grad, concat_all_gather

WORLD_SIZE = 2
LOCAL_BATCH = 4
QUEUE_SIZE = 12  # not a multiple of the global batch (8)
NUM_STEPS = 4


def test_single_process_identity():
    x = torch.randn(3, 2, requires_grad=True)
    assert all_gather_with_grad(x) is x
    gathered = concat_all_gather(x)
    assert not gathered.requires_grad
    torch.testing.assert_close(gathered, x.detach())


def _make_loss(faithful):
    torch.manual_seed(0)
    return MarginContrastiveLoss(
        in_channels=6,
        proj_channels=5,
        queue_size=QUEUE_SIZE,
        faithful=faithful).double()


def _global_batches():
    generator = torch.Generator().manual_seed(1)
    batch = WORLD_SIZE * LOCAL_BATCH
    return [(torch.randn(batch, 6, generator=generator, dtype=torch.float64),
             torch.randint(0, 3, (batch, ), generator=generator))
            for _ in range(NUM_STEPS)]


def _check_gather(rank):
    # Rank r holds [r, r]; the gathered tensor is [[0, 0], [1, 1]].
    x = torch.full((1, 2), float(rank), requires_grad=True)
    gathered = all_gather_with_grad(x)
    torch.testing.assert_close(gathered, torch.tensor([[0., 0.], [1., 1.]]))
    torch.testing.assert_close(
        concat_all_gather(x.detach() + 10),
        torch.tensor([[10., 10.], [11., 11.]]))
    # Rank r weighs row k by (r + 1) * (k + 1); the gradient reaching
    # row k is the sum over ranks: (1 + 2) * (k + 1).
    weights = torch.tensor([[1.], [2.]]) * (rank + 1)
    (gathered * weights).sum().backward()
    torch.testing.assert_close(x.grad, torch.full((1, 2), 3. * (rank + 1)))


def _run_rank(rank, out_dir):
    _check_gather(rank)
    results = {}
    for faithful in (True, False):
        # No buffer broadcast: the queues must agree on their own.
        model = DistributedDataParallel(
            _make_loss(faithful), broadcast_buffers=False)
        steps = []
        local = slice(rank * LOCAL_BATCH, (rank + 1) * LOCAL_BATCH)
        for feats, labels in _global_batches():
            feats = feats[local].clone().requires_grad_()
            model.zero_grad()
            loss = model(feats, labels[local])
            loss.backward()
            steps.append(
                dict(
                    loss=loss.detach(),
                    feats_grad=feats.grad,
                    weight_grad=model.module.proj.weight.grad.clone(),
                    bias_grad=model.module.proj.bias.grad.clone(),
                    queue={
                        k: v.clone()
                        for k, v in model.module.named_buffers()
                    }))
        results[faithful] = steps
    torch.save(results, osp.join(out_dir, f'rank{rank}.pth'))


def _worker(rank, init_file, out_dir):
    torch_dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=WORLD_SIZE)
    try:
        # The DDP wrappers live and die inside _run_rank: a DDP reducer
        # freed after destroy_process_group joins gloo threads in its
        # destructor and can hang the process for good.
        _run_rank(rank, out_dir)
        gc.collect()
    finally:
        torch_dist.destroy_process_group()


def test_two_processes_match_one(tmp_path, run_ranks):
    init_file = str(tmp_path / 'init')
    run_ranks(
        _worker,
        args=(init_file, str(tmp_path)),
        nprocs=WORLD_SIZE,
        start_method='spawn')
    ranks = [
        torch.load(osp.join(tmp_path, f'rank{r}.pth'))
        for r in range(WORLD_SIZE)
    ]

    for faithful in (True, False):
        single = _make_loss(faithful)
        for step, (feats, labels) in enumerate(_global_batches()):
            feats = feats.clone().requires_grad_()
            single.zero_grad()
            loss = single(feats, labels)
            loss.backward()
            outs = [results[faithful][step] for results in ranks]
            # Step 0 is inactive (queue empty < 12 - 8); the rest active.
            assert (loss.item() == 0) == (step == 0)
            # The rank losses are shares of the global loss.
            torch.testing.assert_close(
                sum(out['loss'] for out in outs) / WORLD_SIZE, loss.detach())
            for rank, out in enumerate(outs):
                # DDP averages over ranks: the single-process gradient.
                torch.testing.assert_close(out['weight_grad'],
                                           single.proj.weight.grad)
                torch.testing.assert_close(out['bias_grad'],
                                           single.proj.bias.grad)
                # Input gradients are world_size times the global loss's,
                # which DDP's averaging of parameter gradients undoes.
                local = slice(rank * LOCAL_BATCH, (rank + 1) * LOCAL_BATCH)
                torch.testing.assert_close(out['feats_grad'],
                                           WORLD_SIZE * feats.grad[local])
                # Every rank holds the single-process queue.
                for name, buffer in single.named_buffers():
                    torch.testing.assert_close(
                        out['queue'][name], buffer, rtol=0, atol=0)
