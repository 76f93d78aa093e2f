# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ASCALRecognizer on two gloo processes: identical queues on both ranks,
equal to one process training on the global batch."""
import gc
import os.path as osp

import torch
import torch.distributed as torch_dist
from torch.nn.parallel import DistributedDataParallel

from aclnet_mm.models.recognizers import ASCALRecognizer

WORLD_SIZE = 2
LOCAL_BATCH = 3
NUM_STEPS = 3
QUEUE_SIZE = 10  # not a multiple of the global batch (6)


def _model():
    torch.manual_seed(0)
    model = ASCALRecognizer(
        backbone=dict(
            type='SkeletonRNN',
            in_channels=2,
            num_joints=3,
            num_person=1,
            hidden_channels=4),
        feat_dim=4,
        queue_size=QUEUE_SIZE,
        momentum=0.9).double()
    model.init_weights()
    return model


def _batches():
    generator = torch.Generator().manual_seed(1)
    return [
        torch.randn(
            WORLD_SIZE * LOCAL_BATCH,
            2,
            1,
            4,
            3,
            2,
            generator=generator,
            dtype=torch.float64) for _ in range(NUM_STEPS)
    ]


def _train(model, wrapper, batches, local):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for inputs in batches:
        optimizer.zero_grad()
        wrapper(inputs[local], mode='loss')['loss'].backward()
        optimizer.step()
        model.momentum_update()
    return {k: v.clone() for k, v in model.state_dict().items()}


def _run_rank(rank, out_dir):
    model = _model()
    wrapper = DistributedDataParallel(model, broadcast_buffers=False)
    local = slice(rank * LOCAL_BATCH, (rank + 1) * LOCAL_BATCH)
    state = _train(model, wrapper, _batches(), local)
    torch.save(state, osp.join(out_dir, f'rank{rank}.pth'))


def _worker(rank, init_file, out_dir):
    # One thread per child: the two ranks share CI's two cores.
    torch.set_num_threads(1)
    torch_dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=WORLD_SIZE)
    try:
        # The DDP wrapper lives and dies inside _run_rank: a DDP reducer
        # freed after destroy_process_group joins gloo threads in its
        # destructor and can hang the process for good.
        _run_rank(rank, out_dir)
        gc.collect()
    finally:
        torch_dist.destroy_process_group()


def test_queue_identical_on_two_ranks(tmp_path, run_ranks):
    # fork: the children reuse the parent's imports (spawn re-imports
    # torch and MMAction2 in each child, several seconds on CI).
    run_ranks(
        _worker,
        args=(str(tmp_path / 'init'), str(tmp_path)),
        nprocs=WORLD_SIZE)
    states = [torch.load(tmp_path / f'rank{r}.pth') for r in range(WORLD_SIZE)]
    for name in states[0]:
        torch.testing.assert_close(states[1][name], states[0][name], msg=name)
    assert states[0]['queue_ptr'].item() == (NUM_STEPS * 6) % QUEUE_SIZE
    # DDP averages the per-rank mean losses' gradients: the same as one
    # process on the global batch, whose keys it enqueues in rank order.
    model = _model()
    single = _train(model, model, _batches(), slice(None))
    for name in single:
        torch.testing.assert_close(states[0][name], single[name], msg=name)
