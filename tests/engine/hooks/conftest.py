# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A tiny real training set-up for the hook tests: a linear classifier
carrying an :class:`AffinityContrastiveLoss`, trained by MMEngine's
``Runner`` on a few separable-ish 2-d clusters."""
import uuid

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from aclnet_mm.engine.runner import SafeCheckpointRunner
from aclnet_mm.models.losses import AffinityContrastiveLoss

NUM_CLASSES = 5
CLASS_NAMES = ('clap', 'wave', 'sit', 'stand', 'jump')


class ToyDataset(Dataset):
    """Noisy class centres, enough overlap for confusions."""

    metainfo = dict(classes=CLASS_NAMES)

    def __init__(self, num_samples=40):
        gen = torch.Generator().manual_seed(0)
        self.labels = torch.arange(num_samples) % NUM_CLASSES
        centres = torch.randn(NUM_CLASSES, 4, generator=gen)
        self.feats = centres[self.labels] + 0.8 * torch.randn(
            num_samples, 4, generator=gen)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return dict(inputs=self.feats[index], data_samples=self.labels[index])


class ToyRecognizer(BaseModel):

    def __init__(self, faithful=True, temperature_policy=None):
        super().__init__()
        policy = {} if temperature_policy is None else dict(
            temperature_policy=temperature_policy)
        self.fc = nn.Linear(4, NUM_CLASSES)
        self.loss_inter = AffinityContrastiveLoss(
            NUM_CLASSES,
            4,
            proj_channels=3,
            num_neighbors=2,
            overlap_thr=1,
            size_thresholds=(2, 3),
            faithful=faithful,
            **policy)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.fc(inputs)
        if mode == 'loss':
            inter = self.loss_inter(inputs, data_samples, logits.detach())
            return dict(
                loss_cls=F.cross_entropy(logits, data_samples),
                loss_inter=0.1 * inter)
        if mode == 'predict':
            return [
                dict(pred=p, gt=g)
                for p, g in zip(logits.argmax(1), data_samples)
            ]
        return logits


class ToyAccuracy(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results.extend(int(d['pred'] == d['gt']) for d in data_samples)

    def compute_metrics(self, results):
        return dict(acc=sum(results) / len(results))


def _loader():
    return dict(
        dataset=ToyDataset(),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=8,
        num_workers=0,
        collate_fn=dict(type='default_collate'))


@pytest.fixture
def build_runner():
    """Factory of real Runners training :class:`ToyRecognizer`: our
    ``SafeCheckpointRunner``, the runner of our configs, whose checkpoints
    resume under torch's default safe loading."""

    def build(work_dir,
              max_epochs,
              custom_hooks,
              faithful=True,
              with_val=True,
              resume=False,
              temperature_policy=None):
        torch.manual_seed(0)
        val = dict(
            val_dataloader=_loader(),
            val_cfg=dict(),
            val_evaluator=[ToyAccuracy()]) if with_val else {}
        return SafeCheckpointRunner(
            model=ToyRecognizer(faithful, temperature_policy),
            work_dir=str(work_dir),
            experiment_name=f'toy_{uuid.uuid4().hex}',
            train_dataloader=_loader(),
            train_cfg=dict(
                by_epoch=True, max_epochs=max_epochs, val_interval=1),
            optim_wrapper=dict(
                optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
            custom_hooks=custom_hooks,
            default_hooks=dict(
                checkpoint=dict(type='CheckpointHook', interval=1),
                logger=dict(type='LoggerHook', interval=50)),
            default_scope='mmaction',
            log_level='WARNING',
            randomness=dict(seed=0),
            resume=resume,
            **val)

    return build
