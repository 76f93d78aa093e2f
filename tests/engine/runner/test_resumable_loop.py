# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``ResumableEpochBasedTrainLoop`` resumes an epoch at the next sample.

A real Runner on a data set whose samples are their own index; a run
crashes after an iteration checkpoint written by MMEngine's
``CheckpointHook`` in the middle of an epoch, and the resumed run must see
exactly the samples the uninterrupted one saw after that point, with
``ResumableSampler`` (skipping) and with MMEngine's ``DefaultSampler``
(drawing and dropping).
"""
import uuid

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from aclnet_mm.engine.runner import (SAMPLER_SEED_KEY, SafeCheckpointRunner,
                                     iters_done_in_epoch)

NUM_SAMPLES = 10
BATCH = 3  # 4 iterations per epoch, the last one of 1 sample


class IndexDataset(Dataset):

    def __len__(self):
        return NUM_SAMPLES

    def __getitem__(self, index):
        return dict(inputs=torch.tensor([float(index)]), data_samples=0)


class Linear(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return dict(loss=self.fc(inputs).pow(2).mean())


class Crash(Exception):
    pass


@HOOKS.register_module(force=True)
class RecordSamples(Hook):
    """Records the samples and ``iters_done_in_epoch``; crashes after
    iteration ``crash_after`` (global, 1-based) if given."""

    priority = 'LOWEST'  # after CheckpointHook

    def __init__(self, crash_after=None):
        self.crash_after = crash_after
        self.samples, self.epoch_starts = [], []

    def before_train_epoch(self, runner):
        self.epoch_starts.append(iters_done_in_epoch(runner))

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.samples.append(
            (runner.epoch, batch_idx, data_batch['inputs'].flatten().tolist()))
        if runner.iter + 1 == self.crash_after:
            raise Crash


def _train(work_dir, sampler, crash_after=None, resume=False, seed=0):
    torch.manual_seed(0)
    runner = SafeCheckpointRunner(
        model=Linear(),
        work_dir=str(work_dir),
        experiment_name=f'loop_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=IndexDataset(),
            sampler=dict(type=sampler, shuffle=True),
            batch_size=BATCH,
            num_workers=0,
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(type='ResumableEpochBasedTrainLoop', max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        custom_hooks=[dict(type='RecordSamples', crash_after=crash_after)],
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2,
                            by_epoch=False)),
        default_scope='mmaction',
        log_level='WARNING',
        randomness=dict(seed=seed),
        resume=resume)
    recorder = next(h for h in runner.hooks if isinstance(h, RecordSamples))
    try:
        runner.train()
    except Crash:
        pass
    return runner, recorder


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    return _train(
        tmp_path_factory.mktemp('uninterrupted'),
        'ResumableSampler')[1].samples


@pytest.mark.parametrize('sampler', ['ResumableSampler', 'DefaultSampler'])
def test_resume_from_an_iteration_checkpoint_mid_epoch(tmp_path, uninterrupted,
                                                       sampler):
    # Iteration 6 is the second of epoch 2; iter_6.pth was written then.
    _, crashed = _train(tmp_path, sampler, crash_after=7)
    assert crashed.samples == uninterrupted[:7]
    runner, resumed = _train(tmp_path, sampler, resume=True)
    assert resumed.epoch_starts == [2]  # epoch 2, after 2 iterations
    assert resumed.samples == uninterrupted[6:]
    assert runner.iter == 8
    # The loop counted the finished epoch as a new start.
    assert iters_done_in_epoch(runner) == 0


@pytest.mark.parametrize('sampler', ['ResumableSampler', 'DefaultSampler'])
def test_resume_without_a_seed_shuffles_as_the_interrupted_run(
        tmp_path, sampler):
    """``randomness.seed=None`` (our configs' and tools' default): each
    process draws a seed, and the sampler is built with it before the
    checkpoint is loaded. The resumed epoch must still be the interrupted
    run's order, else some samples are trained twice and others never."""
    np.random.seed(1)  # what the first process draws its seed from
    first, crashed = _train(tmp_path, sampler, crash_after=7, seed=None)
    np.random.seed(2)  # the new process draws another seed
    runner, resumed = _train(tmp_path, sampler, resume=True, seed=None)
    # The uninterrupted run with the first process's seed.
    _, reference = _train(tmp_path / 'reference', sampler, seed=first.seed)
    assert crashed.samples == reference.samples[:7]
    assert resumed.epoch_starts == [2]
    assert resumed.samples == reference.samples[6:]
    # Epoch 2 saw every sample once: 2 batches before the crash, the rest
    # after the resume.
    epoch_2 = [
        index for epoch, _, batch in reference.samples[4:6] + resumed.samples
        if epoch == 1 for index in batch
    ]
    assert sorted(epoch_2) == list(range(NUM_SAMPLES))
    assert runner.message_hub.get_info(SAMPLER_SEED_KEY) == first.seed


def test_epoch_starts_are_zero_without_resume(tmp_path):
    runner, recorder = _train(tmp_path, 'ResumableSampler')
    assert recorder.epoch_starts == [0, 0]
    assert [s[:2] for s in recorder.samples] == [(e, b) for e in (0, 1)
                                                 for b in range(4)]


def test_a_position_past_the_epoch_is_refused(tmp_path):
    runner, _ = _train(tmp_path, 'ResumableSampler')
    runner.message_hub.update_info('train_epoch_iter', 9)
    with pytest.raises(RuntimeError, match='only 4 iterations'):
        runner.train_loop._batches_from(9)
