# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Importing the plugin: quiet, distributed ranks warn once, and nothing
outside the package changes but registries.

The last test: a fresh interpreter imports torch, numpy, MMEngine and every
sub-package of MMAction2 it can, snapshots the attributes of all their
modules and classes (and the items of module- and class-level dicts, lists
and sets, such as MMEngine's checkpoint schemes and file-backend table), and
torch's safe-globals list; then imports ``aclnet_mm`` and compares. The
only differences allowed are registrations: our file backend in MMEngine's
backend table, and submodules that got imported. Registries keep their
entries in instance attributes, which are not compared. The DRN stub, the
one listed shim, is installed by the test itself first (it must precede
``import mmaction.models``); that aclnet_mm installs it only when the wheel
lacks DRN is checked in ``tests/utils/test_compat.py``.
"""
import json
import os.path as osp
import subprocess
import sys
import warnings

import pytest

from aclnet_mm.engine.runner import quiet_other_ranks


def test_mmcv_lite_warning_silenced_at_its_source():
    # A fresh interpreter that shows every warning: importing the plugin
    # (which imports mmcv.cnn.bricks.transformer) prints no mmcv-lite warning
    # and leaves the process's warning filters as they were. scipy installs
    # filters of its own when first imported, so it is imported first.
    code = ('import warnings\n'
            'import scipy.optimize, scipy.special, scipy.stats\n'
            "warnings.simplefilter('always')\n"
            'before = list(warnings.filters)\n'
            'import aclnet_mm\n'
            'assert warnings.filters == before, warnings.filters\n'
            "warnings.warn('a later warning still shows')\n")
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert 'MultiScaleDeformableAttention' not in proc.stderr
    assert 'a later warning still shows' in proc.stderr


@pytest.mark.parametrize('env, quiet', [({}, False), ({
    'RANK': '0'
}, False), ({
    'SLURM_PROCID': '0'
}, False), ({
    'RANK': '1'
}, True), ({
    'SLURM_PROCID': '3'
}, True)])
def test_only_rank_zero_warns(env, quiet, monkeypatch):
    monkeypatch.delenv('RANK', raising=False)
    monkeypatch.delenv('SLURM_PROCID', raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert quiet_other_ranks() == quiet
        warnings.warn('each rank says this')
    assert len(caught) == (0 if quiet else 1)


REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

# The child process: kept free of any import of aclnet_mm until the end.
_CHILD = r'''
import importlib, importlib.util, json, os.path as osp, pkgutil, sys, types
import warnings
warnings.simplefilter('ignore')

spec = importlib.util.find_spec('mmaction')
drn = osp.join(osp.dirname(spec.origin), 'models', 'localizers', 'drn',
               'drn.py')
if not osp.exists(drn):  # the wheel's missing module, stubbed by the test
    for name in ('mmaction.models.localizers.drn',
                 'mmaction.models.localizers.drn.drn'):
        module = types.ModuleType(name)
        module.__path__ = []
        module.DRN = type('DRN', (), {})
        sys.modules[name] = module

import numpy, torch  # noqa
# Every sub-package of MMEngine and MMAction2 (each imports its modules).
for root in ('mmengine', 'mmaction'):
    package = importlib.import_module(root)
    for info in pkgutil.iter_modules(package.__path__, root + '.'):
        try:
            importlib.import_module(info.name)
        except Exception:
            pass

ROOTS = ('torch', 'numpy', 'mmengine', 'mmaction')


def items(value):
    if isinstance(value, dict):
        return sorted((repr(k), id(v)) for k, v in list(value.items()))
    return sorted(id(v) for v in list(value))


def snapshot():
    state = {}
    for name, module in list(sys.modules.items()):
        if name.split('.')[0] not in ROOTS or not isinstance(
                module, types.ModuleType):
            continue
        for key, value in list(vars(module).items()):
            if key == '__warningregistry__':
                continue
            state[f'{name}:{key}'] = id(value)
            if isinstance(value, (dict, list, set)):
                state[f'{name}:{key}[*]'] = items(value)
            if isinstance(value, type) and value.__module__ == name:
                for attr, member in list(vars(value).items()):
                    where = f'{name}:{key}.{attr}'
                    state[where] = id(member)
                    if isinstance(member, (dict, list, set)):
                        state[where + '[*]'] = items(member)
    get = getattr(torch.serialization, 'get_safe_globals', lambda: [])
    state['torch safe globals'] = [repr(g) for g in get()]
    return state


before = snapshot()
import aclnet_mm  # noqa
after = snapshot()
changed, added = [], []
for key, value in before.items():
    if after.get(key, '<gone>') != value:
        changed.append(key)
for key in after.keys() - before.keys():
    name, _, attr = key.partition(':')
    if name in {k.partition(':')[0] for k in before} and '.' not in attr \
            and '[*]' not in attr:
        value = getattr(sys.modules[name], attr, None)
        if isinstance(value, types.ModuleType):
            continue  # a submodule that got imported
        added.append(key)
print(json.dumps(dict(changed=sorted(changed), added=sorted(added),
                      compared=len(before))))
'''

# Registrations: our atomic file backend joins MMEngine's backend table
# (one dict, imported by name into three modules).
ALLOWED_CHANGES = {
    f'{module}:backends[*]'
    for module in ('mmengine.fileio.backends.registry_utils',
                   'mmengine.fileio.backends', 'mmengine.fileio.io')
}


def test_import_changes_nothing_outside_the_package_but_registries():
    result = subprocess.run([sys.executable, '-c', _CHILD],
                            capture_output=True,
                            text=True,
                            cwd=REPO,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['compared'] > 10000  # torch, numpy, MMEngine, MMAction2
    assert set(report['changed']) <= ALLOWED_CHANGES, report['changed']
    assert report['added'] == []
