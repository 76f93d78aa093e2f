# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Importing the plugin is quiet, and distributed ranks warn once."""
import warnings

import pytest

import aclnet_mm
from aclnet_mm.tools.launch import quiet_other_ranks

_MMCV_WARNING = ('Fail to import ``MultiScaleDeformableAttention`` from '
                 '``mmcv.ops.multi_scale_deform_attn``, You should install '
                 '``mmcv`` rather than ``mmcv-lite`` if you need this module.')


def _emit(message, module):
    # As warnings.warn does inside that module, under the live filters.
    warnings.warn_explicit(
        message, UserWarning, 'transformer.py', 33, module=module)


def test_mmcv_lite_warning_silenced_at_its_source():
    with warnings.catch_warnings(record=True) as caught:
        # pytest resets the filters for each test: install ours again (the
        # import did it once), then show everything else.
        warnings.resetwarnings()
        aclnet_mm._silence_mmcv_lite_warning()
        warnings.simplefilter('always', append=True)
        _emit(_MMCV_WARNING, 'mmcv.cnn.bricks.transformer')
        # The same text from anywhere else, and other mmcv warnings, stay.
        _emit(_MMCV_WARNING, 'somewhere.else')
        _emit('another mmcv warning', 'mmcv.cnn.bricks.transformer')
    assert [(str(w.message)[:20])
            for w in caught] == [_MMCV_WARNING[:20], 'another mmcv warning']


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
