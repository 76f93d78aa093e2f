# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A model's ``init_cfg=dict(type='Pretrained', ...)`` under our runner.

MMEngine's ``PretrainedInit`` unpickles an ``http://`` checkpoint in full
(torch.hub's default): its code runs. ``SafeCheckpointRunner`` loads these
checkpoints with our safe loader instead: a poisoned one is refused and
nothing in it runs; a clean one gives the weights MMEngine's plain
``Runner`` gives.
"""
import os
import shutil
import uuid

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel, BaseModule
from mmengine.model.weight_init import PretrainedInit
from mmengine.runner import Runner

from aclnet_mm.engine.runner import SafeCheckpointRunner
from aclnet_mm.utils.checkpoint_loading import (UNSAFE_LOAD_ENV,
                                                UnsafeCheckpointError)


class _Payload:
    """Unpickling this calls ``os.makedirs(marker)``: stands for any code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.makedirs, (self.marker, )


class Block(BaseModule):

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.fc = nn.Linear(2, 2)


class Net(BaseModel):
    """A model with ``init_cfg`` at two levels, as OpenMMLab models have
    (the recognizer's and its backbone's)."""

    def __init__(self, init_cfg=None, block_init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.block = Block(block_init_cfg)
        self.head = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.head(self.block.fc(inputs))
        if mode == 'loss':
            return dict(loss=(out - data_samples).pow(2).mean())
        return out


def _train(runner_cls, tmp_path, **model_args):
    """Train one epoch with lr=0: the weights stay those of the init."""
    data = [(torch.randn(2), torch.randn(1)) for _ in range(4)]
    runner = runner_cls(
        model=Net(**model_args),
        work_dir=str(tmp_path / uuid.uuid4().hex),
        experiment_name=uuid.uuid4().hex,
        default_scope='mmaction',
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=4,
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.)),
        default_hooks=dict(checkpoint=None),
        randomness=dict(seed=0),
        log_level='WARNING')
    runner.train()
    return runner.model


def _state(seed):
    gen = torch.Generator().manual_seed(seed)
    net = Net()
    return {
        key: torch.randn(value.shape, generator=gen)
        for key, value in net.state_dict().items()
    }


@pytest.fixture
def served(serve_dir, tmp_path):
    """URLs of a poisoned and of a clean checkpoint; the clean one's
    weights; the marker the poisoned one would create."""
    directory, base_url = serve_dir
    marker = tmp_path / 'code_ran'
    torch.save(
        dict(state_dict=_state(1), meta=_Payload(marker)),
        directory / 'poisoned.pth')
    state = _state(2)
    torch.save(dict(state_dict=state), directory / 'clean.pth')
    return dict(
        poisoned=f'{base_url}/poisoned.pth',
        clean=f'{base_url}/clean.pth',
        local=str(directory / 'clean.pth'),
        state=state,
        marker=marker)


@pytest.mark.parametrize('level', ['model', 'block'])
def test_poisoned_http_init_cfg_is_refused(served, tmp_path, monkeypatch,
                                           level):
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)
    init_cfg = dict(type='Pretrained', checkpoint=served['poisoned'])
    args = dict(init_cfg=init_cfg) if level == 'model' else dict(
        block_init_cfg=[
            dict(type='Constant', val=1, layer='Linear'), init_cfg
        ])
    with pytest.raises(UnsafeCheckpointError) as info:
        _train(SafeCheckpointRunner, tmp_path, **args)
    message = str(info.value)
    assert 'init_cfg (Pretrained) of ' + ('the model' if level == 'model' else
                                          'block') in message
    assert served['poisoned'] in message and UNSAFE_LOAD_ENV in message
    assert 'safe_globals' not in message
    assert not served['marker'].exists()


def test_mmengine_runner_runs_the_payload(served, tmp_path):
    """Why: the plain Runner hands the URL to torch.hub, which unpickles it
    in full."""
    _train(
        Runner,
        tmp_path,
        init_cfg=dict(type='Pretrained', checkpoint=served['poisoned']))
    assert served['marker'].is_dir()


@pytest.mark.parametrize('source', ['clean', 'local'])
def test_clean_init_cfg_loads_the_weights_mmengine_loads(
        served, tmp_path, monkeypatch, source):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    checkpoint = served[source]
    cases = [
        dict(init_cfg=dict(type='Pretrained', checkpoint=checkpoint)),
        # The class itself, as lazy-import configs give it, with a prefix.
        dict(
            block_init_cfg=dict(
                type=PretrainedInit, checkpoint=checkpoint, prefix='block')),
        # The parent's checkpoint overrides the child's other init.
        dict(
            init_cfg=dict(type='Pretrained', checkpoint=checkpoint),
            block_init_cfg=dict(type='Constant', val=3., layer='Linear')),
        # The child's Pretrained comes after its other initialisers.
        dict(block_init_cfg=[
            dict(type='Pretrained', checkpoint=checkpoint, prefix='block.'),
            dict(type='Constant', val=3., layer='Linear')
        ]),
    ]
    for args in cases:
        ours = _train(SafeCheckpointRunner, tmp_path, **args)
        theirs = _train(Runner, tmp_path, **args)
        for key, value in theirs.state_dict().items():
            torch.testing.assert_close(
                ours.state_dict()[key], value, rtol=0, atol=0)
        # The init_cfg is given back as the config wrote it.
        assert ours.init_cfg == args.get('init_cfg')
        assert ours.block.init_cfg == args.get('block_init_cfg')
    loaded = _train(
        SafeCheckpointRunner,
        tmp_path,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint))
    for key, value in loaded.state_dict().items():
        torch.testing.assert_close(value, served['state'][key], rtol=0, atol=0)


def test_opt_in_applies_to_init_cfg(served, tmp_path, monkeypatch):
    monkeypatch.setenv(UNSAFE_LOAD_ENV, '1')
    with pytest.warns(UserWarning, match=UNSAFE_LOAD_ENV):
        _train(
            SafeCheckpointRunner,
            tmp_path,
            init_cfg=dict(type='Pretrained', checkpoint=served['poisoned']))
    assert served['marker'].is_dir()
    shutil.rmtree(served['marker'])
