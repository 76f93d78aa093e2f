# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Crash-safe checkpoints: atomic writes and a checked auto-resume.

MMEngine 0.10.7 writes a checkpoint with ``LocalBackend.put``, which opens
the final name (``epoch_3.pth``) with ``'wb'`` and writes the bytes in
place, with no ``fsync``. A process killed in the middle (``SIGKILL``, the
OOM killer, a pre-empted job) leaves a truncated file under a final
checkpoint name, and a power loss can do the same to a file that
``last_checkpoint`` already names.

Both gaps are closed through MMEngine's extension points, nothing of
MMEngine is replaced:

* :class:`AtomicLocalBackend` is a file backend registered under the name
  ``'aclnet_atomic_local'`` (:data:`ATOMIC_BACKEND`). Our runtime fragment
  selects it with ``default_hooks.checkpoint.backend_args``, so every
  checkpoint the ``CheckpointHook`` saves, and every
  ``runner.save_checkpoint(..., backend_args=<the hook's>)``, goes to a
  hidden temporary file in the same directory, is ``fsync``-ed and renamed
  over the final name (atomic on POSIX and Windows);
* :func:`find_latest_complete_checkpoint` is what
  :class:`~aclnet_mm.engine.runner.SafeCheckpointRunner` auto-resumes from.
  It checks the checkpoint that ``last_checkpoint`` names (zip structure
  and every member's CRC-32) and, when that file is missing, truncated or
  corrupted (written before, or by another tool), falls back to the latest
  complete ``epoch_N.pth`` or ``iter_N.pth`` before it (both kinds, by
  training progress) with a warning that names the bad file. Falling back
  loses at most one checkpoint interval; refusing would make the user
  delete the file by hand to get the same result. When no complete
  checkpoint is left it refuses, naming the files.

The ``last_checkpoint`` pointer itself is still written in place by
``CheckpointHook``; a kill inside that (one small write) leaves it empty,
which the checked resume treats like a bad pointer and falls back from.
"""
import logging
import os
import os.path as osp
import re
import zipfile
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.logging import print_log

__all__ = [
    'ATOMIC_BACKEND', 'AtomicLocalBackend', 'atomic_write',
    'checkpoint_problem', 'find_latest_complete_checkpoint'
]

#: Names ``CheckpointHook`` gives to the checkpoints it resumes from.
CHECKPOINT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')

#: Name of :class:`AtomicLocalBackend` in MMEngine's backend table; select it
#: with ``backend_args=dict(backend=ATOMIC_BACKEND)``.
ATOMIC_BACKEND = 'aclnet_atomic_local'


def _fsync_dir(dirname: str) -> None:
    """Make a rename in ``dirname`` durable (POSIX only)."""
    if os.name != 'posix':
        return
    fd = os.open(dirname, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(obj: bytes, filepath: Union[str, os.PathLike]) -> None:
    """Write ``obj`` to ``filepath`` so that it appears whole or not at all.

    The directory is created if needed. The temporary name is fixed
    (``.<name>.tmp``), so a leftover of a killed write is overwritten by
    the next save of the same file. MMEngine saves checkpoints on the main
    process only, so one writer per file holds.

    Args:
        obj (bytes): Data to write.
        filepath (str or PathLike): Final path.
    """
    filepath = os.fspath(filepath)
    dirname = osp.dirname(osp.abspath(filepath))
    os.makedirs(dirname, exist_ok=True)
    tmp_path = osp.join(dirname, f'.{osp.basename(filepath)}.tmp')
    try:
        with open(tmp_path, 'wb') as file:
            file.write(obj)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp_path, filepath)
    except BaseException:
        # A Python-level failure (disk full, KeyboardInterrupt) leaves no
        # temporary behind; only a killed process can.
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise
    _fsync_dir(dirname)


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local backend whose writes are atomic and durable.

    Everything but :meth:`put` and :meth:`put_text` is
    :class:`~mmengine.fileio.LocalBackend`'s. Selected per hook, e.g.
    ``default_hooks.checkpoint.backend_args=dict(backend='aclnet_atomic_local')``
    in our runtime fragment.
    """

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        """Write bytes atomically, see :func:`atomic_write`."""
        atomic_write(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, os.PathLike],
                 encoding: str = 'utf-8') -> None:
        """Write text atomically, see :func:`atomic_write`."""
        atomic_write(obj.encode(encoding), filepath)


#: Checkpoints found complete, with the (size, mtime, inode) they had then.
_COMPLETE: Dict[str, Tuple[int, int, int]] = {}


def _stamp(filename: str) -> Tuple[int, int, int]:
    stat = os.stat(filename)
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def checkpoint_problem(filename: str) -> Optional[str]:
    """Say what is wrong with a checkpoint file, without unpickling it.

    ``torch.save`` writes a zip archive with a CRC-32 per member; a
    truncated file loses the central directory at its end, and a damaged
    one fails a CRC (which ``torch.load`` does not check). A file in the
    pre-1.6 format (a bare pickle stream) cannot be checked here and is
    left to the loader; anything else that is not a zip archive is
    reported.

    Args:
        filename (str): Path of the checkpoint.

    Returns:
        str or None: What is wrong (``'is empty'`` ...), or ``None`` if the
        file looks complete.
    """
    if not osp.isfile(filename):
        return 'does not exist'
    if osp.getsize(filename) == 0:
        return 'is empty'
    # Auto-resume checks the file it picks and the loader checks it again:
    # a file already found complete, unchanged since, is not re-read.
    stamp = _stamp(filename)
    if _COMPLETE.get(filename) == stamp:
        return None
    with open(filename, 'rb') as file:
        first = file.read(1)
    if first == b'\x80':
        return None  # a pickle: the legacy format, left to the loader
    try:
        with zipfile.ZipFile(filename) as archive:
            infos = archive.infolist()
            # An all-zero CRC table means the writer skipped CRCs.
            bad = archive.testzip() if any(i.CRC for i in infos) else None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        return f'is not a complete zip archive (truncated?): {err}'
    if bad is not None:
        return f'fails the CRC check of its member {bad} (corrupted)'
    _COMPLETE[filename] = stamp
    return None


def _progress(path: str) -> Optional[int]:
    """Training iterations done when ``path`` was saved, None if unknown.

    ``iter_N.pth`` says it in its name (``CheckpointHook`` and
    ``PreemptionHook`` name it after ``runner.iter + 1``); any other file
    in its ``meta['iter']``, read with the safe loader and ``mmap`` (the
    tensors are mapped, not read). A file that cannot be read so (damaged,
    legacy format, non-plain meta) gives None.
    """
    match = CHECKPOINT_NAME.match(osp.basename(path))
    if match is not None and match.group(1) == 'iter':
        return int(match.group(2))
    try:
        checkpoint = torch.load(
            path, map_location='cpu', weights_only=True, mmap=True)
        return int(checkpoint['meta']['iter'])
    except Exception:  # unreadable for whatever reason: unknown
        return None


def _earlier_checkpoints(named: str, work_dir: str) -> List[str]:
    """Checkpoints to fall back to, the latest first.

    They are the ``epoch_N.pth`` and ``iter_N.pth`` files in the directory
    of ``named`` (``work_dir`` when that is unknown) saved before
    ``named``: with fewer training iterations (:func:`_progress`) when
    both are known, else a smaller ``N`` of the same kind, else an older
    modification time; any of them when ``named`` is no such file. Both
    kinds count: ``CheckpointHook`` writes ``epoch_N.pth`` and
    ``PreemptionHook`` ``iter_N.pth`` into the same directory. They are
    ordered by training iterations when all are known, else by
    modification time.
    """
    dirname = osp.dirname(named) if named else ''
    if not dirname or not osp.isdir(dirname):
        dirname = work_dir
    match = CHECKPOINT_NAME.match(osp.basename(named)) if named else None
    named_exists = match is not None and osp.isfile(named)
    named_step = _progress(named) if named_exists else None
    named_mtime = os.stat(named).st_mtime_ns if named_exists else None
    found = []
    for name in os.listdir(dirname):
        candidate = CHECKPOINT_NAME.match(name)
        path = osp.join(dirname, name)
        if candidate is None or (match is not None and name == match.group(0)):
            continue
        number = int(candidate.group(2))
        step = _progress(path)
        mtime = os.stat(path).st_mtime_ns
        if match is None:
            earlier = True
        elif named_step is not None and step is not None:
            earlier = step < named_step
        elif candidate.group(1) == match.group(1):
            earlier = number < int(match.group(2))
        elif named_mtime is not None:
            earlier = mtime <= named_mtime
        else:  # another kind and nothing known of the named file
            earlier = True
        if earlier:
            found.append((step, mtime, number, path))
    if all(step is not None for step, *_ in found):
        found.sort(key=lambda entry: entry[:3], reverse=True)
    else:
        found.sort(key=lambda entry: entry[1:3], reverse=True)
    return [path for *_, path in found]


def find_latest_complete_checkpoint(path: str) -> Optional[str]:
    """The latest complete checkpoint to auto-resume from.

    A checked ``mmengine.runner.find_latest_checkpoint``: it reads
    ``<path>/last_checkpoint`` and returns ``None`` when there is none, as
    MMEngine does, but checks the file it names with
    :func:`checkpoint_problem` and falls back to an earlier complete one,
    with a warning naming the bad file.

    Args:
        path (str): The work directory.

    Returns:
        str or None: The checkpoint to resume from.

    Raises:
        RuntimeError: If ``last_checkpoint`` exists but neither the file it
            names nor any earlier checkpoint is complete.
    """
    save_file = osp.join(path, 'last_checkpoint')
    if not osp.exists(save_file):
        print_log('Did not find last_checkpoint to be resumed.')
        return None
    with open(save_file) as file:
        named = file.read().strip()
    if '://' in named:
        return named  # a remote backend: nothing to check locally
    problem = (
        checkpoint_problem(named)
        if named else 'is empty (its write was interrupted?)')
    if problem is None:
        return named
    what = f'{named} (named by {save_file})' if named else save_file
    tried = []
    for candidate in _earlier_checkpoints(named, path):
        candidate_problem = checkpoint_problem(candidate)
        if candidate_problem is None:
            skipped = ''.join(f'; {entry}' for entry in tried)
            print_log(
                f'Auto-resume: {what} {problem}{skipped}; resuming from '
                f'{candidate}, the latest complete checkpoint before it.',
                logger='current',
                level=logging.WARNING)
            return candidate
        tried.append(f'{candidate} {candidate_problem}')
    details = ''.join(f'; {entry}' for entry in tried)
    raise RuntimeError(
        f'Cannot auto-resume from {path}: {what} {problem}, and no earlier '
        f'complete checkpoint is there{details}. Delete the broken files '
        'to train from scratch, or pass --resume PATH.')
