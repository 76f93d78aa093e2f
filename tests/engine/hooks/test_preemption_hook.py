# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``PreemptionHook`` + ``ResumableEpochBasedTrainLoop`` in one process.

A real Runner trains a toy model whose randomness comes from every
generator a run uses (NumPy noise in the data set, ``random`` in the data
set, torch dropout in the model); a hook sends ``SIGUSR1`` to this very
process in the middle of an iteration. The multi-process versions, with
the tiny ACLNet and signals from outside, are in
``tests/integration/test_cluster_training.py``.
"""
import os
import os.path as osp
import random
import signal
import uuid

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from aclnet_mm.engine.hooks import REQUEUE_EXIT_CODE, PreemptionHook
from aclnet_mm.engine.runner import SafeCheckpointRunner

NUM_SAMPLES = 20
BATCH = 4  # 5 iterations per epoch


class NoisyDataset(Dataset):
    """Fixed points plus noise drawn when a sample is loaded."""

    def __init__(self):
        gen = torch.Generator().manual_seed(0)
        self.feats = torch.randn(NUM_SAMPLES, 6, generator=gen)
        self.labels = torch.arange(NUM_SAMPLES) % 3

    def __len__(self):
        return NUM_SAMPLES

    def __getitem__(self, index):
        noise = np.random.normal(size=6).astype(np.float32)
        scale = random.random()
        return dict(
            inputs=self.feats[index] + scale * torch.from_numpy(noise),
            data_samples=self.labels[index])


class DropoutModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        hidden = F.dropout(self.bn(self.fc1(inputs)), 0.5, self.training)
        logits = self.fc2(hidden)
        if mode == 'loss':
            return dict(loss=F.cross_entropy(logits, data_samples))
        return logits


@HOOKS.register_module(force=True)
class SignalSelf(Hook):
    """Sends ``sig`` to this process during iteration ``at`` (0-based)."""

    def __init__(self, at, sig=signal.SIGUSR1):
        self.at, self.sig = at, sig

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at:
            os.kill(os.getpid(), self.sig)


def _runner(work_dir,
            loop='ResumableEpochBasedTrainLoop',
            sampler='ResumableSampler',
            signal_at=None,
            exit_code=None,
            resume=False,
            extra_hooks=()):
    hooks = [] if signal_at is None else [
        dict(type='SignalSelf', at=signal_at)
    ]
    hooks += list(extra_hooks)
    torch.manual_seed(0)  # the model is built before the Runner seeds
    return SafeCheckpointRunner(
        model=DropoutModel(),
        work_dir=str(work_dir),
        experiment_name=f'preempt_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=NoisyDataset(),
            sampler=dict(type=sampler, shuffle=True),
            batch_size=BATCH,
            num_workers=0,
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(type=loop, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=dict(
            type='CosineAnnealingLR',
            T_max=2,
            by_epoch=True,
            convert_to_iter_based=True),
        custom_hooks=hooks,
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            preemption=dict(type='PreemptionHook', exit_code=exit_code)),
        default_scope='mmaction',
        log_level='WARNING',
        randomness=dict(seed=0),
        resume=resume)


def _state(runner):
    model = {k: v.clone() for k, v in runner.model.state_dict().items()}
    momenta = [
        s['momentum_buffer'].clone()
        for s in runner.optim_wrapper.optimizer.state.values()
    ]
    lr = [g['lr'] for g in runner.optim_wrapper.optimizer.param_groups]
    return model, momenta, lr


def _preemption_hook(runner):
    return next(h for h in runner.hooks if isinstance(h, PreemptionHook))


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    runner = _runner(tmp_path_factory.mktemp('uninterrupted'))
    runner.train()
    return _state(runner)


# Epoch 2, batch 1; and the last batch of epoch 1 (the resumed epoch then
# has no batch left, only its end: checkpoint, schedulers).
@pytest.mark.parametrize('signal_at', [6, 4])
def test_signal_mid_epoch_stops_saves_and_resumes_exactly(
        tmp_path, uninterrupted, signal_at):
    previous = signal.getsignal(signal.SIGUSR1)
    runner = _runner(tmp_path, signal_at=signal_at)
    runner.train()
    hook = _preemption_hook(runner)
    # The iteration the signal came in was finished, then training stopped.
    assert hook.signal_received == signal.SIGUSR1
    assert runner.iter == signal_at + 1
    assert runner.epoch == signal_at // 5
    name = f'iter_{signal_at + 1}.pth'
    assert hook.checkpoint == osp.join(str(tmp_path), name)
    with open(osp.join(tmp_path, 'last_checkpoint')) as f:
        assert f.read() == hook.checkpoint
    assert not osp.exists(osp.join(tmp_path, f'epoch_{runner.epoch + 1}.pth'))
    # The handler was put back.
    assert signal.getsignal(signal.SIGUSR1) == previous

    resumed = _runner(tmp_path, resume=True)
    resumed.train()
    assert resumed.iter == 10
    model, momenta, lr = _state(resumed)
    ref_model, ref_momenta, ref_lr = uninterrupted
    for key, value in ref_model.items():
        torch.testing.assert_close(model[key], value, rtol=0, atol=0)
    for got, expected in zip(momenta, ref_momenta):
        torch.testing.assert_close(got, expected, rtol=0, atol=0)
    assert lr == ref_lr


class LoadedOffHost(Hook):
    """Moves the loaded checkpoint's message hub and meta off the host
    before any other hook sees them, as ``Runner.resume``'s
    ``map_location=get_device()`` does on a GPU machine."""

    priority = 'HIGHEST'

    def __init__(self, move):
        self.move = move
        self.moved = 0

    def after_load_checkpoint(self, runner, checkpoint):
        for key in ('message_hub', 'meta'):
            checkpoint[key] = self.move(checkpoint[key])
        self.moved += 1


def test_resume_with_the_checkpoint_on_another_device(tmp_path, uninterrupted,
                                                      off_host):
    """The history buffers and the generator states of a checkpoint that
    arrives on a GPU are restored, and the run continues exactly."""
    _runner(tmp_path, signal_at=6).train()
    moving = LoadedOffHost(off_host)
    resumed = _runner(tmp_path, resume=True, extra_hooks=[moving])
    resumed.train()
    assert moving.moved == 1
    assert resumed.iter == 10
    model, momenta, lr = _state(resumed)
    for key, value in uninterrupted[0].items():
        torch.testing.assert_close(model[key], value, rtol=0, atol=0)
    for got, expected in zip(momenta, uninterrupted[1]):
        torch.testing.assert_close(got, expected, rtol=0, atol=0)


def test_without_the_generator_states_the_resume_differs(
        tmp_path, uninterrupted):
    """The comparison above can fail: dropping the saved generator states
    (what MMEngine's checkpoints lack) gives another run."""
    _runner(tmp_path, signal_at=6).train()
    checkpoint = osp.join(tmp_path, 'iter_7.pth')
    state = torch.load(checkpoint, weights_only=False)
    del state['message_hub']['runtime_info']['train_rank_states']
    torch.save(state, checkpoint)
    resumed = _runner(tmp_path, resume=True)
    resumed.train()
    model = _state(resumed)[0]
    assert any(not torch.equal(model[k], v)
               for k, v in uninterrupted[0].items())


def test_exit_code_after_the_run(tmp_path):
    runner = _runner(tmp_path, signal_at=2, exit_code=REQUEUE_EXIT_CODE)
    with pytest.raises(SystemExit) as error:
        runner.train()
    assert error.value.code == 75
    assert runner.iter == 3
    assert osp.isfile(osp.join(tmp_path, 'iter_3.pth'))


def test_mmengine_loop_exits_right_after_the_checkpoint(tmp_path):
    """``EpochBasedTrainLoop`` would finish the epoch: the hook exits."""
    runner = _runner(
        tmp_path,
        loop='EpochBasedTrainLoop',
        sampler='DefaultSampler',
        signal_at=1,
        exit_code=REQUEUE_EXIT_CODE)
    with pytest.raises(SystemExit) as error:
        runner.train()
    assert error.value.code == 75
    assert runner.iter == 1  # the hook ran inside iteration 1
    assert osp.isfile(osp.join(tmp_path, 'iter_2.pth'))
    assert not osp.exists(osp.join(tmp_path, 'epoch_1.pth'))


def test_arguments():
    assert PreemptionHook().signals == (signal.SIGTERM, signal.SIGUSR1)
    assert PreemptionHook(signals='SIGINT').signals == (signal.SIGINT, )
    assert PreemptionHook(signals=[15]).signals == (signal.SIGTERM, )
    with pytest.raises(ValueError, match='SIGKILL cannot be caught'):
        PreemptionHook(signals=['SIGKILL'])
    with pytest.raises(ValueError, match='unknown signal'):
        PreemptionHook(signals=['SIGNOPE'])
    with pytest.raises(ValueError, match='no signals'):
        PreemptionHook(signals=())
    with pytest.raises(ValueError, match='exit_code'):
        PreemptionHook(exit_code=300)
    with pytest.raises(ValueError, match='interval'):
        PreemptionHook(interval=0)
