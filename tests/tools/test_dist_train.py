# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``tools/dist_train.sh`` / ``dist_test.sh`` with two CPU processes.

MMEngine 0.10.7 cannot start a ``--launcher pytorch`` run without CUDA;
``aclnet_mm.engine.runner.setup_cpu_distributed`` makes it use gloo. These
tests launch real ``torchrun`` jobs of two processes on the CPU.
"""
import glob
import os.path as osp
import pickle
import re

import mmengine
import pytest
import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from ports import free_port

from aclnet_mm.engine.runner import setup_cpu_distributed

cpu_only = pytest.mark.skipif(
    torch.cuda.is_available(), reason='checks the CPU (gloo) fallback')


def _rank_logs(work_dir):
    logs = {}
    for path in glob.glob(osp.join(work_dir, '*', '*_rank*.log')):
        rank = int(re.search(r'rank(\d+)\.log$', path).group(1))
        with open(path) as f:
            logs[rank] = f.read()
    return logs


@cpu_only
def test_dist_train_and_test_two_cpu_processes(tmp_path, write_tiny_config,
                                               tiny_ann_file, run_tool):
    config = write_tiny_config(tmp_path / 'joint.py', max_epochs=1)
    work_dir = str(tmp_path / 'work')
    # DEBUG makes MMEngine keep one log file per rank.
    run_tool(['bash', 'tools/dist_train.sh', config, '2'],
             '--work-dir',
             work_dir,
             '--cfg-options',
             'log_level=DEBUG',
             env=dict(PORT=str(free_port())))

    checkpoint = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(checkpoint)
    logs = _rank_logs(work_dir)
    assert sorted(logs) == [0, 1]
    assert 'GPU number: 2' in logs[0]
    assert 'Distributed launcher: pytorch' in logs[0]
    assert "dist_cfg: {'backend': 'gloo'}" in logs[0]
    for log in logs.values():
        # 16 training samples over 2 ranks with batch size 4: 2 iterations
        # each (a single process would run 4).
        iters = re.findall(r'Epoch\(train\)\s+\[1\]\[(\d+)/(\d+)\]', log)
        assert iters == [('1', '2'), ('2', '2')]
    # Validation ran and was gathered across the ranks.
    assert re.search(r'Epoch\(val\).*acc/top1: [\d.]+', logs[0])

    dump = str(tmp_path / 'dist.pkl')
    run_tool(['bash', 'tools/dist_test.sh', config, checkpoint, '2'],
             '--work-dir',
             str(tmp_path / 'test'),
             '--dump',
             dump,
             env=dict(PORT=str(free_port())))
    with open(dump, 'rb') as f:
        samples = pickle.load(f)
    # Results of both ranks come back in data set order, without padding.
    annotations = mmengine.load(tiny_ann_file)
    by_id = {a['frame_dir']: a['label'] for a in annotations['annotations']}
    labels = [by_id[i] for i in annotations['split']['test']]
    assert [int(s['gt_label']) for s in samples] == labels


@cpu_only
def test_setup_cpu_distributed(monkeypatch):
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert not setup_cpu_distributed(cfg, 'none')
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg

    # A one-process group, as torchrun would describe it.
    for key, value in dict(
            RANK='0',
            LOCAL_RANK='0',
            WORLD_SIZE='1',
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=str(free_port())).items():
        monkeypatch.setenv(key, value)
    assert not torch_dist.is_initialized()
    cfg.find_unused_parameters = True
    try:
        assert setup_cpu_distributed(cfg, 'pytorch')
        assert torch_dist.is_initialized()
        assert torch_dist.get_backend() == 'gloo'
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'
        assert cfg.model_wrapper_cfg == dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=True,
            device_ids=None)

        # A user's wrapper config is kept, with the CPU device_ids.
        custom = Config(
            dict(
                model_wrapper_cfg=dict(
                    type='MMDistributedDataParallel', broadcast_buffers=True)))
        assert setup_cpu_distributed(custom, 'pytorch')
        assert custom.model_wrapper_cfg == dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=True,
            device_ids=None)
        assert custom.env_cfg.dist_cfg.backend == 'gloo'
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()
