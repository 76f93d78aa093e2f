# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Our ``tools/train.py`` completes every shipped config exactly as
MMAction2's ``tools/train.py`` does: the config is the whole experiment.

Both ``merge_args`` run on the same config and the same command line; the
resulting configs must be equal. Each config names its ``runner_type``, so
that both tools build the same Runner class (ours defaults to the safe
runner, MMAction2's to MMEngine's).
"""
import copy
import glob
import importlib.util
import os.path as osp

import mmaction
import pytest
from mmengine.config import Config
from tool_scripts import REPO_ROOT, load_tool

ours = load_tool('train.py')
MMACTION_TRAIN = osp.join(
    osp.dirname(mmaction.__file__), '.mim', 'tools', 'train.py')
CONFIGS = sorted(
    path for path in glob.glob(
        osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    if f'{osp.sep}_base_{osp.sep}' not in path
    and osp.basename(path) != '__init__.py')
# Every flag of MMAction2's tools/train.py, alone or together.
COMMAND_LINES = (
    [],
    ['--work-dir', 'w', '--resume'],
    ['--resume', 'ckpt.pth', '--no-validate'],
    ['--seed', '3', '--diff-rank-seed', '--deterministic'],
    ['--amp', '--launcher', 'pytorch'],
    ['--auto-scale-lr', '--cfg-options', 'train_cfg.max_epochs=2'],
)


@pytest.fixture(scope='module')
def theirs():
    if not osp.isfile(MMACTION_TRAIN):
        pytest.skip(f'{MMACTION_TRAIN} is not installed')
    spec = importlib.util.spec_from_file_location('mmaction_train',
                                                  MMACTION_TRAIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mmaction_accepts(cfg: Config, argv: list) -> bool:
    """MMAction2's asserts: ``--amp`` on a named OptimWrapper only,
    ``--auto-scale-lr`` with ``auto_scale_lr`` in the config."""
    if '--amp' in argv and cfg.optim_wrapper.get(
            'type', 'OptimWrapper') not in ('OptimWrapper', 'AmpOptimWrapper'):
        return False
    return '--auto-scale-lr' not in argv or 'auto_scale_lr' in cfg


@pytest.mark.parametrize(
    'config', CONFIGS, ids=lambda path: osp.relpath(path, REPO_ROOT))
def test_same_config_as_mmaction2(config, theirs):
    base = Config.fromfile(config)
    for argv in COMMAND_LINES:
        args = ours.parse_args([config, *argv])
        if not _mmaction_accepts(base, argv):
            continue
        expected = theirs.merge_args(copy.deepcopy(base), args)
        got = ours.merge_args(copy.deepcopy(base), args)
        assert got.to_dict() == expected.to_dict(), argv


@pytest.mark.parametrize(
    'config', CONFIGS, ids=lambda path: osp.relpath(path, REPO_ROOT))
def test_config_names_its_runner(config):
    assert 'runner_type' in Config.fromfile(config)
