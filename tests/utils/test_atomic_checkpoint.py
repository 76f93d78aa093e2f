# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Atomic checkpoint writes and the checked auto-resume, piece by piece.

The end-to-end runs (real Runner, real ``SIGKILL``) are in
``tests/integration/test_fault_resume.py``.
"""
import builtins
import io
import logging
import os
import os.path as osp
import signal
import zipfile

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.fileio.backends.local_backend import LocalBackend
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import save_checkpoint

from aclnet_mm.utils.atomic_checkpoint import (ATOMIC_BACKEND,
                                               AtomicLocalBackend,
                                               checkpoint_problem,
                                               find_latest_complete_checkpoint)


def atomic_put(backend, data, path):
    """``put`` of the registered atomic backend."""
    AtomicLocalBackend.put(backend, data, path)


def _checkpoint_bytes(seed=0):
    buffer = io.BytesIO()
    torch.save({'state_dict': {'w': torch.arange(256.) + seed}}, buffer)
    return buffer.getvalue()


def _write(path, data):
    with open(path, 'wb') as file:
        file.write(data)
    return str(path)


def _killed_while_writing(put, data, path):
    """Run ``put(data, path)`` in a forked child that is killed by SIGKILL
    right after writing the first half of the bytes."""
    pid = os.fork()
    if pid == 0:  # the child
        try:
            real_open = builtins.open

            class HalfWriter:

                def __init__(self, file):
                    self.file = file

                def write(self, chunk):
                    self.file.write(chunk[:len(chunk) // 2])
                    self.file.flush()
                    os.kill(os.getpid(), signal.SIGKILL)

                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    self.file.close()

                def __getattr__(self, name):
                    return getattr(self.file, name)

            def open_with_fault(file, mode='r', *args, **kwargs):
                handle = real_open(file, mode, *args, **kwargs)
                return HalfWriter(handle) if 'w' in mode else handle

            builtins.open = open_with_fault
            put(LocalBackend(), data, path)
        finally:
            os._exit(3)  # only reached if the kill did not happen
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def test_mmengine_put_leaves_half_a_file_under_the_final_name(tmp_path):
    """The failure the atomic backend fixes, shown on MMEngine's own
    ``put`` (which importing aclnet_mm leaves as it is)."""
    data = _checkpoint_bytes()
    path = str(tmp_path / 'epoch_3.pth')
    _killed_while_writing(LocalBackend.put, data, path)
    assert osp.getsize(path) == len(data) // 2
    assert 'truncated' in checkpoint_problem(path)


def test_atomic_put_killed_midway_keeps_the_previous_file(tmp_path):
    old, new = _checkpoint_bytes(0), _checkpoint_bytes(1)
    assert old != new
    path = _write(tmp_path / 'epoch_3.pth', old)
    _killed_while_writing(atomic_put, new, path)
    # The final name still holds the complete old file; the half is in the
    # hidden temporary.
    with open(path, 'rb') as file:
        assert file.read() == old
    tmp = tmp_path / '.epoch_3.pth.tmp'
    assert tmp.stat().st_size == len(new) // 2
    # The next save of that name overwrites the leftover and removes it.
    atomic_put(LocalBackend(), new, path)
    with open(path, 'rb') as file:
        assert file.read() == new
    assert sorted(os.listdir(tmp_path)) == ['epoch_3.pth']


def test_backend_args_select_the_atomic_backend(tmp_path, monkeypatch):
    """What the runtime fragment's ``backend_args`` gives MMEngine's
    ``save_checkpoint`` (the CheckpointHook's and ``runner.save_checkpoint``'s
    route): the atomic backend, which writes through a temporary."""
    backend_args = dict(backend=ATOMIC_BACKEND)
    assert isinstance(
        get_file_backend(str(tmp_path), backend_args=backend_args),
        AtomicLocalBackend)
    replaced = []
    real_replace = os.replace

    def replace(src, dst):
        replaced.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, 'replace', replace)
    path = str(tmp_path / 'new_dir' / 'epoch_1.pth')
    checkpoint = dict(state_dict=dict(w=torch.ones(3)))
    save_checkpoint(checkpoint, path, backend_args=backend_args)
    assert replaced == [(str(tmp_path / 'new_dir' / '.epoch_1.pth.tmp'), path)]
    assert checkpoint_problem(path) is None
    loaded = torch.load(path, weights_only=True)
    torch.testing.assert_close(loaded['state_dict']['w'], torch.ones(3))
    assert os.listdir(osp.dirname(path)) == ['epoch_1.pth']


def test_failed_atomic_put_leaves_nothing(tmp_path):
    path = str(tmp_path / 'epoch_1.pth')
    with pytest.raises(TypeError):
        atomic_put(LocalBackend(), 'not bytes', path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('keep', [0.0, 0.5, 0.999])
def test_truncated_checkpoint_is_found(tmp_path, keep):
    data = _checkpoint_bytes()
    path = _write(tmp_path / 'c.pth', data[:max(1, int(len(data) * keep))])
    assert 'truncated' in checkpoint_problem(path)


def test_checkpoint_problems(tmp_path):
    data = _checkpoint_bytes()
    assert checkpoint_problem(_write(tmp_path / 'ok.pth', data)) is None
    assert checkpoint_problem(str(tmp_path /
                                  'missing.pth')) == ('does not exist')
    assert checkpoint_problem(_write(tmp_path / 'e.pth', b'')) == 'is empty'
    # One flipped byte inside the tensor data: torch.load would not notice
    # (it does not check CRCs), the CRC check does.
    offset = data.index(torch.tensor([100.]).numpy().tobytes())
    damaged = bytearray(data)
    damaged[offset] ^= 0xFF
    path = _write(tmp_path / 'bad.pth', bytes(damaged))
    assert torch.load(path, weights_only=True)['state_dict']['w'][100] != 100
    assert 'CRC' in checkpoint_problem(path)
    assert 'archive/data/0' in checkpoint_problem(path)
    # The legacy (pre-zip) format cannot be checked: left to the loader.
    legacy = str(tmp_path / 'legacy.pth')
    torch.save({'w': torch.ones(2)},
               legacy,
               _use_new_zipfile_serialization=False)
    assert checkpoint_problem(legacy) is None


class _Records(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append((record.levelno, record.getMessage()))


@pytest.fixture
def warnings_logged():
    logger = MMLogger.get_current_instance()
    handler = _Records()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def _work_dir(tmp_path, names, bad=(), pointer=None):
    for name in names:
        data = _checkpoint_bytes()
        _write(tmp_path / name, data[:100] if name in bad else data)
    if pointer is not None:
        (tmp_path / 'last_checkpoint').write_text(pointer)
    return str(tmp_path)


def test_resume_without_pointer_starts_fresh(tmp_path):
    work_dir = _work_dir(tmp_path, ['epoch_1.pth'])
    assert find_latest_complete_checkpoint(work_dir) is None


def test_resume_takes_a_complete_latest_checkpoint(tmp_path, warnings_logged):
    latest = str(tmp_path / 'epoch_2.pth')
    work_dir = _work_dir(
        tmp_path, ['epoch_1.pth', 'epoch_2.pth'], pointer=latest + '\n')
    assert find_latest_complete_checkpoint(work_dir) == latest
    assert not [m for level, m in warnings_logged if level >= logging.WARNING]


def test_resume_falls_back_past_broken_checkpoints(tmp_path, warnings_logged):
    # epoch_9 and epoch_10 are sorted by number, not by name; epoch_12 is
    # newer than the pointer (not ours to take). (Both kinds mixed:
    # test_fallback_crosses_checkpoint_kinds_by_training_progress.)
    names = [
        'epoch_2.pth', 'epoch_9.pth', 'epoch_10.pth', 'epoch_11.pth',
        'epoch_12.pth', 'best_acc_epoch_10.pth'
    ]
    work_dir = _work_dir(
        tmp_path,
        names,
        bad={'epoch_12.pth', 'epoch_10.pth'},
        pointer=str(tmp_path / 'epoch_11.pth'))
    (tmp_path / 'epoch_11.pth').write_bytes(b'')
    assert find_latest_complete_checkpoint(work_dir) == str(tmp_path /
                                                            'epoch_9.pth')
    [(level, message)] = warnings_logged
    assert level == logging.WARNING
    assert 'epoch_11.pth' in message and 'is empty' in message
    assert 'epoch_9.pth, the latest complete' in message
    # The broken one it skipped is named; the newer ones are not touched.
    assert 'epoch_10.pth is not a complete zip archive' in message
    assert 'epoch_12' not in message


def _saved(path, epoch, iteration, mtime_s):
    """A complete checkpoint of ``iteration`` (in its meta), modified at
    ``mtime_s``."""
    torch.save(
        dict(
            state_dict=dict(w=torch.ones(2)),
            meta=dict(epoch=epoch, iter=iteration)), path)
    os.utime(path, ns=(mtime_s * 10**9, mtime_s * 10**9))
    return str(path)


def _damaged(path, mtime_s):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    os.utime(path, ns=(mtime_s * 10**9, mtime_s * 10**9))


def test_fallback_crosses_checkpoint_kinds_by_training_progress(
        tmp_path, warnings_logged):
    """The default ``CheckpointHook`` writes ``epoch_N.pth``,
    ``PreemptionHook`` ``iter_N.pth``: a damaged ``iter_14.pth`` falls back
    to the complete ``epoch_3.pth`` (iteration 12), not to the older
    ``iter_6.pth`` (however recent its mtime), nor to ``epoch_5.pth``
    (iteration 20, past the pointer: another run's)."""
    _saved(tmp_path / 'epoch_1.pth', 1, 4, 100)
    _saved(tmp_path / 'iter_6.pth', 1, 6, 900)
    _saved(tmp_path / 'epoch_3.pth', 3, 12, 300)
    _saved(tmp_path / 'epoch_5.pth', 5, 20, 50)
    _saved(tmp_path / 'iter_14.pth', 3, 14, 400)
    _damaged(tmp_path / 'iter_14.pth', 400)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_14.pth'))
    assert find_latest_complete_checkpoint(str(tmp_path)) == str(tmp_path /
                                                                 'epoch_3.pth')
    [(_, message)] = warnings_logged
    assert 'iter_14.pth' in message and 'epoch_3.pth, the latest' in message

    # Then epoch_3 is damaged too: iter_6 (iteration 6) before epoch_1 (4).
    _damaged(tmp_path / 'epoch_3.pth', 300)
    assert find_latest_complete_checkpoint(str(tmp_path)) == str(tmp_path /
                                                                 'iter_6.pth')


def test_a_damaged_epoch_checkpoint_falls_back_to_an_iteration_one(tmp_path):
    """The meta of a truncated ``epoch_2.pth`` cannot be read: an
    ``iter_N.pth`` counts as earlier when it is older than it, and the
    earlier ones are ordered by their iterations."""
    _saved(tmp_path / 'epoch_1.pth', 1, 4, 100)
    _saved(tmp_path / 'iter_6.pth', 1, 6, 200)
    _saved(tmp_path / 'epoch_2.pth', 2, 8, 300)
    _damaged(tmp_path / 'epoch_2.pth', 300)
    _saved(tmp_path / 'iter_30.pth', 7, 30, 400)  # newer: not before it
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert find_latest_complete_checkpoint(str(tmp_path)) == str(tmp_path /
                                                                 'iter_6.pth')
    os.remove(tmp_path / 'iter_6.pth')
    assert find_latest_complete_checkpoint(str(tmp_path)) == str(tmp_path /
                                                                 'epoch_1.pth')


def test_empty_pointer_falls_back_to_the_latest_complete_one(tmp_path):
    work_dir = _work_dir(
        tmp_path, ['iter_8.pth', 'iter_40.pth', 'iter_50.pth'],
        bad={'iter_50.pth'},
        pointer='')
    assert find_latest_complete_checkpoint(work_dir) == str(tmp_path /
                                                            'iter_40.pth')


def test_pointer_to_a_missing_file_falls_back(tmp_path, warnings_logged):
    work_dir = _work_dir(
        tmp_path, ['epoch_1.pth'], pointer=str(tmp_path / 'epoch_2.pth'))
    assert find_latest_complete_checkpoint(work_dir) == str(tmp_path /
                                                            'epoch_1.pth')
    assert 'epoch_2.pth' in warnings_logged[0][1]
    assert 'does not exist' in warnings_logged[0][1]


def test_resume_refuses_when_nothing_complete_is_left(tmp_path):
    work_dir = _work_dir(
        tmp_path, ['epoch_1.pth', 'epoch_2.pth'],
        bad={'epoch_1.pth', 'epoch_2.pth'},
        pointer=str(tmp_path / 'epoch_2.pth'))
    with pytest.raises(RuntimeError) as info:
        find_latest_complete_checkpoint(work_dir)
    message = str(info.value)
    assert str(tmp_path / 'epoch_2.pth') in message
    assert str(tmp_path / 'epoch_1.pth') in message
    assert '--resume PATH' in message


def test_remote_pointer_is_passed_through(tmp_path):
    work_dir = _work_dir(tmp_path, [], pointer='s3://bucket/epoch_3.pth')
    assert find_latest_complete_checkpoint(work_dir) == (
        's3://bucket/epoch_3.pth')


def test_complete_file_is_not_reread_until_it_changes(tmp_path, monkeypatch):

    path = str(tmp_path / 'epoch_1.pth')
    torch.save({'w': torch.ones(3)}, path)
    assert checkpoint_problem(path) is None
    opened = []
    real_zipfile = zipfile.ZipFile

    def counting_zipfile(*args, **kwargs):
        opened.append(args[0])
        return real_zipfile(*args, **kwargs)

    monkeypatch.setattr(zipfile, 'ZipFile', counting_zipfile)
    assert checkpoint_problem(path) is None  # the loader's second check
    assert opened == []
    with open(path, 'r+b') as file:  # truncated behind our back
        file.truncate(os.path.getsize(path) // 2)
    assert 'not a complete zip archive' in checkpoint_problem(path)
    assert opened == [path]
