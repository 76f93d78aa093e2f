# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The one shim outside the package: the DRN stub, version-gated."""
import importlib.util
import os.path as osp
import subprocess
import sys

import pytest

from aclnet_mm.utils import compat


def _mmaction_has_drn() -> bool:
    origin = importlib.util.find_spec('mmaction').origin
    return osp.exists(
        osp.join(osp.dirname(origin), 'models', 'localizers', 'drn', 'drn.py'))


def test_drn_stub_makes_mmaction_models_importable():
    import mmaction.models  # noqa: F401
    from mmaction.models.localizers import DRN
    if _mmaction_has_drn():
        pytest.skip('this mmaction2 install ships DRN itself')
    with pytest.raises(ImportError, match='2714'):
        DRN()
    # Idempotent: a second call installs nothing.
    assert compat.stub_missing_drn() is False


def test_mmaction_models_fail_without_the_stub():
    if _mmaction_has_drn():
        pytest.skip('this mmaction2 install ships DRN itself')
    result = subprocess.run([sys.executable, '-c', 'import mmaction.models'],
                            capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert 'mmaction.models.localizers.drn' in result.stderr


def test_stub_is_gated_by_the_mmaction_version(monkeypatch):
    """Another release (or a source install that has DRN) gets nothing."""
    monkeypatch.delitem(sys.modules, 'mmaction.models.localizers.drn')
    monkeypatch.setattr(compat, '_mmaction_version', lambda: '1.3.0')
    assert compat.needs_drn_stub() is False
    assert compat.stub_missing_drn() is False
    assert 'mmaction.models.localizers.drn' not in sys.modules
    monkeypatch.setattr(compat, '_mmaction_version', lambda: '1.2.0')
    assert compat.needs_drn_stub() is (not _mmaction_has_drn())
