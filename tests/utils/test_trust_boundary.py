# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The checkpoint trust boundary (docs/reliability.md): a file whose
unpickling would run code is refused by the safe loader without running
it; the full-unpickling fallback runs it, which is why that fallback is
only for files the user names and can be switched off."""
import os
import pickle

import pytest
import torch

from aclnet_mm.tools.convert_checkpoint import (CheckpointConversionError,
                                                load_source_checkpoint)
from aclnet_mm.utils.compat import STRICT_LOAD_ENV, load_local_checkpoint


class _Payload:
    """Unpickling this calls ``os.makedirs(marker)``: stands for any code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.makedirs, (self.marker, )


def _poisoned(tmp_path):
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'poisoned.pth'
    torch.save(
        dict(state_dict=dict(w=torch.ones(2)), meta=_Payload(marker)), path)
    return path, marker


def test_safe_loader_refuses_without_running_code(tmp_path, monkeypatch):
    path, marker = _poisoned(tmp_path)
    monkeypatch.setenv(STRICT_LOAD_ENV, '1')
    with pytest.raises(pickle.UnpicklingError, match=STRICT_LOAD_ENV):
        load_local_checkpoint(str(path))
    assert not marker.exists()


def test_converter_safe_only_refuses_without_running_code(tmp_path):
    path, marker = _poisoned(tmp_path)
    with pytest.raises(CheckpointConversionError, match='refused'):
        load_source_checkpoint(str(path), safe_only=True)
    assert not marker.exists()


def test_fallback_runs_code_of_a_user_named_file(tmp_path, monkeypatch):
    """The documented boundary: without strict mode a named file is
    trusted, and its pickled code runs."""
    path, marker = _poisoned(tmp_path)
    monkeypatch.delenv(STRICT_LOAD_ENV, raising=False)
    ckpt = load_local_checkpoint(str(path))
    assert marker.is_dir()
    torch.testing.assert_close(ckpt['state_dict']['w'], torch.ones(2))


def test_plain_weights_load_in_strict_mode(tmp_path, monkeypatch):
    path = tmp_path / 'weights.pth'
    torch.save(dict(state_dict=dict(w=torch.arange(3.))), path)
    monkeypatch.setenv(STRICT_LOAD_ENV, '1')
    ckpt = load_local_checkpoint(str(path))
    torch.testing.assert_close(ckpt['state_dict']['w'], torch.arange(3.))
    _, _, mode = load_source_checkpoint(str(path), safe_only=True)
    assert mode == 'weights_only'


def test_confusion_figure_uses_the_safe_loader(tmp_path, monkeypatch):
    from aclnet_mm.visualization.superclasses import plot_confusion_statistics
    path, marker = _poisoned(tmp_path)
    monkeypatch.setenv(STRICT_LOAD_ENV, '1')
    with pytest.raises(pickle.UnpicklingError):
        plot_confusion_statistics(str(path), str(tmp_path / 'fig.png'))
    assert not marker.exists()
