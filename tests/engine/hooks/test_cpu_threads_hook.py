# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The CPU thread count the runtime fragment picks."""
import logging

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from aclnet_mm.engine import CpuThreadsHook, auto_cpu_threads
from aclnet_mm.engine.hooks.cpu_threads_hook import usable_cores


@pytest.mark.parametrize(
    'cores, world, workers, expected',
    [
        (2, 1, 0, 2),  # the whole machine
        (2, 1, 1, 1),  # one core feeds the model
        (2, 1, 2, 1),  # never below one
        (16, 1, 4, 12),
        (16, 4, 2, 2),  # 4 processes share 16 cores, 2 workers each
        (16, 4, 0, 4),
        (3, 2, 0, 1),  # 3 // 2
        (1, 8, 0, 1),  # more processes than cores
        (64, 8, 16, 1),
    ])
def test_auto_rule_by_hand(cores, world, workers, expected):
    assert auto_cpu_threads(cores, world, workers) == expected


@pytest.mark.parametrize('bad', [0, -1, 1.5, 'all', True])
def test_bad_setting_refused(bad):
    with pytest.raises(ValueError, match='num_threads must be'):
        CpuThreadsHook(num_threads=bad)


def test_runtime_fragment_has_the_hook():
    from tool_scripts import REPO_ROOT, TEXT_RUNTIME
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/_base_/default_runtime.py')
    assert cfg.default_hooks.cpu_threads == dict(
        type=CpuThreadsHook, num_threads='auto')
    text = Config.fromstring(TEXT_RUNTIME, '.py')
    assert text.default_hooks.cpu_threads == dict(
        type='CpuThreadsHook', num_threads='auto')


class _Clips(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return dict(inputs=torch.full((3, ), float(index)), label=index % 2)


class _Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 2)

    def forward(self, inputs, label=None, mode='tensor'):
        logits = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(
                loss=torch.nn.functional.cross_entropy(logits,
                                                       torch.as_tensor(label)))
        return logits


@pytest.fixture
def keep_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def _train(tmp_path, num_workers, num_threads='auto'):
    runner = Runner(
        model=_Toy(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=dict(type=_Clips),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=num_workers,
            collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(
            checkpoint=None,
            cpu_threads=dict(type=CpuThreadsHook, num_threads=num_threads)),
        log_level='INFO')
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    runner.logger.addHandler(handler)
    try:
        runner.train()
    finally:
        runner.logger.removeHandler(handler)
    return [m for m in messages if m.startswith('CpuThreadsHook')]


@pytest.mark.parametrize('num_workers', [0, 1])
def test_real_runner_auto(tmp_path, monkeypatch, keep_threads, num_workers):
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    torch.set_num_threads(7)
    logged = _train(tmp_path, num_workers)
    expected = max(1, usable_cores() - num_workers)
    assert torch.get_num_threads() == expected
    assert len(logged) == 1, logged  # once
    assert logged[0].startswith(f'CpuThreadsHook: {expected} CPU thread(s) '
                                f'= max(1, {usable_cores()} usable cores // '
                                f'1 process(es) on this machine - '
                                f'{num_workers} dataloader worker(s))')


def test_real_runner_honours_omp_num_threads(tmp_path, monkeypatch,
                                             keep_threads):
    monkeypatch.setenv('OMP_NUM_THREADS', '3')
    torch.set_num_threads(3)  # what torch took from it at start-up
    logged = _train(tmp_path, 0)
    assert torch.get_num_threads() == 3
    assert logged == [
        'CpuThreadsHook: OMP_NUM_THREADS=3 is set, torch keeps 3 CPU '
        'thread(s)'
    ]


def test_real_runner_explicit_count(tmp_path, monkeypatch, keep_threads):
    monkeypatch.setenv('OMP_NUM_THREADS', '3')
    logged = _train(tmp_path, 0, num_threads=1)
    assert torch.get_num_threads() == 1
    assert logged == [
        'CpuThreadsHook: 1 CPU thread(s) (num_threads of the config)'
    ]
