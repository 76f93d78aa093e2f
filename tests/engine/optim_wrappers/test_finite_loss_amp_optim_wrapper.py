# Copyright (c) aclnet-mm contributors. All rights reserved.
"""FiniteLossAmpOptimWrapper: FiniteLossOptimWrapper's skipping with
AmpOptimWrapper's backward, step and loss scaling."""
import uuid

import pytest
import torch
import torch.nn as nn
from mmaction.registry import OPTIM_WRAPPERS
from mmaction.structures import ActionDataSample
from mmengine.model import BaseModel
from mmengine.optim import AmpOptimWrapper
from mmengine.runner import Runner
from torch.utils.data import Dataset

import aclnet_mm  # noqa: F401
from aclnet_mm.engine.optim_wrappers import (FiniteLossAmpOptimWrapper,
                                             FiniteLossOptimWrapper)

needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA device')


def test_combines_the_two_wrappers():
    assert OPTIM_WRAPPERS.get('FiniteLossAmpOptimWrapper') is (
        FiniteLossAmpOptimWrapper)
    wrapper = FiniteLossAmpOptimWrapper
    assert issubclass(wrapper, FiniteLossOptimWrapper)
    assert issubclass(wrapper, AmpOptimWrapper)
    # The skip decision is ours; everything mixed precision needs is
    # AmpOptimWrapper's (the scaler's state is checkpointed with it).
    assert wrapper.update_params is FiniteLossOptimWrapper.update_params
    for name in ('backward', 'step', 'optim_context', 'state_dict',
                 'load_state_dict'):
        assert getattr(wrapper, name) is getattr(AmpOptimWrapper, name), name


class NaNDataset(Dataset):
    """12 samples; the ``bad`` ones carry a NaN feature."""

    def __init__(self, indices=range(12), bad=()):
        gen = torch.Generator().manual_seed(0)
        self.feats = torch.randn(12, 3, generator=gen)
        self.targets = torch.randn(12, generator=gen)
        self.feats[list(bad), 0] = float('nan')
        self.indices = list(indices)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        index = self.indices[i]
        sample = ActionDataSample(metainfo=dict(frame_dir=f'clip_{index:03d}'))
        sample.target = self.targets[index]
        return dict(inputs=self.feats[index], data_samples=sample)


class BNRegressor(BaseModel):

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(
            nn.Linear(3, 8), nn.BatchNorm1d(8), nn.Linear(8, 1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        pred = self.net(torch.stack(inputs)).squeeze(1).float()
        if mode != 'loss':
            return pred
        target = torch.stack([s.target for s in data_samples])
        return dict(loss_mse=((pred - target)**2).mean())


def _runner(tmp_path, dataset, hooks=()):
    return Runner(
        model=BNRegressor(),
        work_dir=str(tmp_path / uuid.uuid4().hex),
        experiment_name=uuid.uuid4().hex,
        train_dataloader=dict(
            dataset=dataset,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=4,
            num_workers=0),
        optim_wrapper=dict(
            type='FiniteLossAmpOptimWrapper',
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        custom_hooks=list(hooks),
        default_hooks=dict(checkpoint=None),
        log_level='WARNING',
        default_scope='mmaction')


@needs_cuda
def test_skip_mode_under_amp_equals_training_without_the_batch(tmp_path):
    runner = _runner(tmp_path, NaNDataset(bad=(6, )),
                     [dict(type='NonFiniteLossHook', mode='skip')])
    runner.train()
    reference = _runner(tmp_path,
                        NaNDataset(indices=(0, 1, 2, 3, 8, 9, 10, 11)))
    reference.train()
    assert runner.optim_wrapper.num_skipped == 2
    scale = runner.optim_wrapper.loss_scaler.get_scale()
    assert scale == reference.optim_wrapper.loss_scaler.get_scale()
    got, expected = runner.model.state_dict(), reference.model.state_dict()
    assert got.keys() == expected.keys()
    for key in got:  # weights and BatchNorm statistics
        torch.testing.assert_close(got[key], expected[key], msg=key)
