# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Every shipped config is the same experiment through MMAction2's
tools/train.py and through ours, and builds a Runner."""
import copy
import sys

import pytest
from config_helpers import (CONFIG_ROOT, MMACTION_TRAIN, OUR_TRAIN,
                            load_script, shipped_configs)
from mmaction.registry import RUNNERS
from mmengine.config import Config
from mmengine.runner import Runner

# What decides the experiment; work_dir and launcher are where and how.
SECTIONS = ('model', 'default_hooks', 'custom_hooks', 'train_dataloader',
            'val_dataloader', 'test_dataloader', 'val_evaluator',
            'test_evaluator', 'train_cfg', 'val_cfg', 'test_cfg',
            'param_scheduler', 'optim_wrapper', 'auto_scale_lr', 'randomness',
            'runner_type', 'env_cfg', 'load_from', 'resume')

CONFIGS = shipped_configs()


def test_configs_found():
    assert 'aclnet_ctrgcn_ntu60.py' in CONFIGS
    assert len(CONFIGS) > 50


def _mmaction_cfg(path, work_dir, monkeypatch):
    tool = load_script(MMACTION_TRAIN, '_mmaction_train')
    monkeypatch.setattr(sys, 'argv',
                        ['train.py', path, '--work-dir', work_dir])
    args = tool.parse_args()
    return tool.merge_args(Config.fromfile(args.config), args)


def _our_cfg(path, work_dir):
    tool = load_script(OUR_TRAIN, '_our_train')
    if not hasattr(tool, 'merge_args'):
        pytest.skip('tools/train.py has no merge_args yet')
    args = tool.parse_args([path, '--work-dir', work_dir])
    return tool.merge_args(Config.fromfile(args.config), args)


def _plain(cfg: Config) -> dict:
    return {key: copy.deepcopy(cfg.to_dict().get(key)) for key in SECTIONS}


@pytest.mark.parametrize('name', CONFIGS)
def test_same_experiment_through_both_tools(name, tmp_path, monkeypatch):
    path = f'{CONFIG_ROOT}/{name}'
    theirs = _mmaction_cfg(path, str(tmp_path), monkeypatch)
    ours = _our_cfg(path, str(tmp_path))
    assert _plain(ours) == _plain(theirs)


@pytest.mark.parametrize('name', CONFIGS)
def test_runner_builds(name, tmp_path, monkeypatch):
    """As MMAction2's tools/train.py builds it (the data are not read)."""
    cfg = _mmaction_cfg(f'{CONFIG_ROOT}/{name}', str(tmp_path), monkeypatch)
    cfg.model.get('backbone', {}).pop('init_cfg', None)
    try:
        runner = (
            RUNNERS.build(cfg)
            if 'runner_type' in cfg else Runner.from_cfg(cfg))
    except ImportError as e:
        # The paper protocol's TestAfterTrainHook comes with another change.
        pytest.skip(f'not importable yet: {e}')
    assert type(runner).__name__ == 'SafeCheckpointRunner'
    hooks = [type(h).__name__ for h in runner.hooks]
    assert 'NonFiniteLossHook' in hooks
    assert 'ResumeScheduleHook' in hooks
