# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Helpers of the config tests: the shipped configs and the two training
entry points (MMAction2's tools/train.py and ours), loaded by path."""
import glob
import importlib.util
import os.path as osp
import sys

import mmaction

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(ROOT, 'aclnet_mm', 'configs')
MMACTION_TRAIN = osp.join(
    osp.dirname(mmaction.__file__), '.mim', 'tools', 'train.py')
OUR_TRAIN = osp.join(ROOT, 'tools', 'train.py')


def shipped_configs():
    """Every config a user can train (fragments under _base_ excluded),
    relative to the config root."""
    paths = glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(p, CONFIG_ROOT) for p in paths
        if not p.endswith('__init__.py') and '_base_' not in p)


def load_script(path: str, name: str):
    """Import a script by path (its ``main`` guard keeps it from running)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
