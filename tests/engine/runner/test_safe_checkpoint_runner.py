# Copyright (c) aclnet-mm contributors. All rights reserved.
"""SafeCheckpointRunner: plain-data checkpoints, checked auto-resume and
the safe loader, on a toy model (the ACLNet runs are in
``tests/integration``)."""
import os
import uuid

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS

from aclnet_mm.engine.hooks import PlainMessageHubHook
from aclnet_mm.engine.hooks.plain_message_hub_hook import (from_plain_data,
                                                           to_plain_data)
from aclnet_mm.engine.runner import SafeCheckpointRunner
from aclnet_mm.utils.checkpoint_loading import (UNSAFE_LOAD_ENV,
                                                UnsafeCheckpointError)


class Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.fc(inputs)
        if mode == 'loss':
            return dict(loss=(out - data_samples).pow(2).mean())
        return out


def _runner(work_dir, max_epochs, resume=False, load_from=None):
    data = [(torch.randn(2), torch.randn(1)) for _ in range(8)]
    return SafeCheckpointRunner(
        model=Toy(),
        work_dir=str(work_dir),
        experiment_name=f'toy_{uuid.uuid4().hex}',
        default_scope='mmaction',
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=4,
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(
            checkpoint=dict(
                type='CheckpointHook',
                interval=1,
                backend_args=dict(backend='aclnet_atomic_local'))),
        randomness=dict(seed=0),
        resume=resume,
        load_from=load_from,
        log_level='WARNING')


def test_plain_data_round_trip_is_exact():
    buffer = HistoryBuffer(np.array([0.25, 1 / 3]), np.array([1, 2]), 7)
    state = dict(
        log_scalars={'train/loss': buffer},
        runtime_info=dict(best=np.float32(0.5), hist=np.arange(3)))
    plain = to_plain_data(state)
    back = from_plain_data(plain)
    restored = back['log_scalars']['train/loss']
    assert isinstance(restored, HistoryBuffer) and restored.max_length == 7
    for got, expected in zip(restored.data, buffer.data):
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == expected.dtype
    assert back['runtime_info']['best'] == 0.5
    np.testing.assert_array_equal(back['runtime_info']['hist'], np.arange(3))


def test_plain_data_on_another_device_is_restored(off_host):
    """A checkpoint resumed on a GPU machine holds its tensors on the GPU
    (``Runner.resume`` passes ``map_location=get_device()``)."""
    buffer = HistoryBuffer(np.array([0.25, 1 / 3]), np.array([1, 2]), 7)
    plain = off_host(
        to_plain_data(dict(loss=buffer, hist=np.arange(3, dtype=np.int16))))
    assert plain['hist']['data'].device.type != 'cpu'
    back = from_plain_data(plain)
    for got, expected in zip(back['loss'].data, buffer.data):
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == expected.dtype
    np.testing.assert_array_equal(back['hist'], np.arange(3))
    assert back['hist'].dtype == np.int16


def test_checkpoints_hold_plain_data_and_resume_safely(tmp_path):
    runner = _runner(tmp_path, 2)
    assert MMENGINE_RUNNERS.get('mmaction.SafeCheckpointRunner') is type(
        runner)
    assert sum(isinstance(h, PlainMessageHubHook) for h in runner.hooks) == 1
    runner.train()
    # torch's default (weights_only=True), nothing allow-listed.
    checkpoint = torch.load(tmp_path / 'epoch_2.pth')
    assert checkpoint['meta']['epoch'] == 2
    expected = runner.message_hub.get_scalar('train/loss').data

    resumed = _runner(tmp_path, 3, resume=True)
    resumed.load_or_resume()
    assert resumed.epoch == 2
    got = resumed.message_hub.get_scalar('train/loss').data
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_auto_resume_skips_a_torn_latest_checkpoint(tmp_path, capfd):
    _runner(tmp_path, 2).train()
    latest = tmp_path / 'epoch_2.pth'
    data = latest.read_bytes()
    latest.write_bytes(data[:len(data) // 2])
    resumed = _runner(tmp_path, 3, resume=True)
    capfd.readouterr()
    resumed.load_or_resume()
    assert resumed.epoch == 1
    out = capfd.readouterr()
    log = out.out + out.err
    assert 'Auto-resume' in log and str(latest) in log
    assert 'epoch_1.pth, the latest complete' in log


class _Payload:
    """Unpickling this calls ``os.makedirs(marker)``: stands for any code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.makedirs, (self.marker, )


def test_load_from_a_url_goes_through_the_safe_loader(tmp_path, serve_dir,
                                                      monkeypatch):
    """``load_from='https://...'`` is downloaded, then loaded with
    ``weights_only=True``: MMEngine's loader would unpickle it fully."""
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)
    served, base_url = serve_dir
    marker = tmp_path / 'code_ran'
    torch.save(
        dict(state_dict=Toy().state_dict(), meta=_Payload(marker)),
        served / 'poisoned.pth')
    runner = _runner(tmp_path / 'a', 1, load_from=f'{base_url}/poisoned.pth')
    with pytest.raises(UnsafeCheckpointError) as info:
        runner.load_or_resume()
    message = str(info.value)
    assert f'{base_url}/poisoned.pth' in message
    assert UNSAFE_LOAD_ENV in message and '--unsafe-load' in message
    assert not marker.exists()

    weights = {k: torch.randn_like(v) for k, v in Toy().state_dict().items()}
    torch.save(
        dict(state_dict=weights, meta=dict(epoch=3)), served / 'clean.pth')
    runner = _runner(tmp_path / 'b', 1, load_from=f'{base_url}/clean.pth')
    runner.load_or_resume()
    for key, value in runner.model.state_dict().items():
        torch.testing.assert_close(value, weights[key], rtol=0, atol=0)
