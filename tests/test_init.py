# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Importing the plugin is quiet, and distributed ranks warn once."""
import os
import subprocess
import sys
import warnings

import pytest

from aclnet_mm.tools.launch import quiet_other_ranks


def test_import_is_quiet_and_other_ranks_silent():
    """A fresh interpreter as rank 1: importing aclnet_mm (MMAction2 imports
    mmcv's transformer bricks) prints no mmcv-lite warning, and after
    ``quiet_other_ranks`` no Python warning either."""
    code = ('import warnings, aclnet_mm, mmaction.models\n'
            'from aclnet_mm.tools.launch import quiet_other_ranks\n'
            'assert quiet_other_ranks()\n'
            "warnings.warn('each rank says this')\n")
    env = dict(os.environ, RANK='1', OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', code],
                          env=env,
                          stderr=subprocess.PIPE,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'MultiScaleDeformableAttention' not in proc.stderr
    assert 'each rank says this' not in proc.stderr


@pytest.mark.parametrize('env', [{}, {'RANK': '0'}, {'SLURM_PROCID': '0'}])
def test_rank_zero_keeps_its_warnings(env, monkeypatch):
    monkeypatch.delenv('RANK', raising=False)
    monkeypatch.delenv('SLURM_PROCID', raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert not quiet_other_ranks()
        warnings.warn('rank 0 speaks')
    assert [str(w.message) for w in caught] == ['rank 0 speaks']
