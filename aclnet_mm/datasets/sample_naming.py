# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Loading failures that name the sample, the file and the transform.

When a transform raises while a sample is loaded, MMEngine and PyTorch
report the exception alone; in a ``DataLoader`` worker it arrives wrapped
as "Caught ValueError in DataLoader worker process 1", with no hint of
which of a million clips broke. :class:`SampleNamingMixin` runs the
pipeline step by step and turns a failure into a :class:`SampleLoadError`
naming the sample's index and id (``frame_dir``, else ``filename`` or
``video_id``), the annotation file and the transform, with the original
exception chained (``raise ... from err``) and its type and message
repeated in the text, so that the text survives the trip from a worker
process to the main one.

A worker that dies without raising (killed by the OOM killer, a segfault
in a native extension, ``os._exit``) leaves PyTorch nothing to report but
"DataLoader worker (pid N) is killed by signal". Each worker therefore
leaves a breadcrumb in shared memory before each sample and each
transform (its pid, the sample index, the step); :func:`naming_dead_workers`
reads them back when that error reaches it and re-raises it as a
:class:`WorkerCrashError` that names what the dead worker was loading.

MMAction2's own ``PoseDataset`` is left untouched: the naming comes with
our registered :class:`~aclnet_mm.datasets.SkeletonPoseDataset` (and its
old names, kept as aliases). A config opts in by the dataset type it
names, so ``type='PoseDataset'`` keeps meaning exactly MMAction2's class;
our shipped configs name ``SkeletonPoseDataset`` everywhere.
"""
import contextlib
import os
import re
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import torch
from torch.utils.data import get_worker_info

__all__ = [
    'SampleLoadError', 'WorkerCrashError', 'SampleNamingMixin',
    'naming_dead_workers', 'describe_dead_workers'
]

# Keys that name a sample in MMAction2 annotations, tried in order.
ID_KEYS = ('frame_dir', 'filename', 'video_id')
# Breadcrumb slots: one per DataLoader worker id (more workers share the
# last slot and lose precision, never correctness of the error itself).
MAX_WORKERS = 256
# Breadcrumb columns: pid, sample index, step (-1: reading the annotation,
# k >= 0: transform k, DONE: finished).
_PID, _INDEX, _STEP = 0, 1, 2
_DONE = 1 << 30


class SampleLoadError(RuntimeError):
    """Loading one sample of a dataset failed.

    The message says everything (PyTorch rebuilds an exception raised in a
    ``DataLoader`` worker from its type and text only); the attributes are
    set where the error is raised.

    Args:
        message (str): The full message.
        index (int, optional): Index of the sample in the dataset.
        sample_id (str, optional): Its ``frame_dir`` / ``filename`` /
            ``video_id``.
        ann_file (str, optional): The dataset's annotation file.
        transform (str, optional): Class name of the failing transform;
            None when reading the annotation failed.
    """

    def __init__(self,
                 message: str,
                 index: Optional[int] = None,
                 sample_id: Optional[str] = None,
                 ann_file: Optional[str] = None,
                 transform: Optional[str] = None) -> None:
        super().__init__(message)
        self.index = index
        self.sample_id = sample_id
        self.ann_file = ann_file
        self.transform = transform


class WorkerCrashError(RuntimeError):
    """A ``DataLoader`` worker died; the message names its samples."""


def _sample_id(info: Any) -> Optional[str]:
    if isinstance(info, dict):
        for key in ID_KEYS:
            if key in info:
                return f'{key}={info[key]!r}'
    return None


class SampleNamingMixin:
    """Name the sample, file and transform when loading a sample fails.

    Put it before the ``BaseDataset`` subclass in the bases::

        @DATASETS.register_module()
        class MyPoseDataset(SampleNamingMixin, PoseDataset):
            ...

    :meth:`prepare_data` runs ``self.pipeline`` one transform at a time
    (the same calls, in the same order, as ``Compose``) and turns an
    exception into a :class:`SampleLoadError` chained to it. A transform
    returning None still ends the pipeline with None, so MMEngine's
    refetching of another sample is unchanged.

    Cost: a ``try`` per transform, and in ``DataLoader`` workers one store
    into a shared-memory tensor (through a numpy view) per transform (the
    breadcrumb read by :func:`naming_dead_workers`), negligible next to
    any transform. The tensor (``MAX_WORKERS x 3`` int64) is allocated
    when the dataset is built, in the main process, so forked and spawned
    workers share it.
    """

    def __init__(self, *args, **kwargs) -> None:
        self.breadcrumbs = torch.full((MAX_WORKERS, 3), -1,
                                      dtype=torch.int64).share_memory_()
        super().__init__(*args, **kwargs)

    def _leave_breadcrumb(self, index: int, step: int) -> None:
        worker = get_worker_info()
        if worker is None or getattr(self, 'breadcrumbs', None) is None:
            return  # main process: the exception itself is enough
        # A numpy view of the shared tensor: a store costs ~0.2 us instead
        # of ~4 us for tensor indexing, and this runs per transform. Made
        # in the worker only, so it is never pickled into a spawned worker
        # (where it would arrive as a private copy).
        crumbs = self.__dict__.get('_breadcrumb_view')
        if crumbs is None:
            crumbs = self._breadcrumb_view = self.breadcrumbs.numpy()
        slot = min(worker.id, MAX_WORKERS - 1)
        if step < 0:  # a new sample
            crumbs[slot, _PID] = os.getpid()
            crumbs[slot, _INDEX] = index
        crumbs[slot, _STEP] = step

    def _load_error(self, index: int, sample_id: Optional[str], where: str,
                    transform: Optional[str],
                    err: Exception) -> SampleLoadError:
        ann_file = getattr(self, 'ann_file', None)
        name = f' ({sample_id})' if sample_id else ''
        message = (f'failed to load sample {index}{name} of {ann_file} '
                   f'{where}: {type(err).__name__}: {err}')
        return SampleLoadError(message, index, sample_id, ann_file, transform)

    def prepare_data(self, idx: int) -> Any:
        """Read sample ``idx`` and run the pipeline on it.

        Args:
            idx (int): Index of the sample.

        Returns:
            Any: The pipeline's output (None when a transform gave None).

        Raises:
            SampleLoadError: Naming the sample, the annotation file and the
                transform, chained to the original exception.
        """
        self._leave_breadcrumb(idx, -1)
        try:
            data = self.get_data_info(idx)
        except Exception as err:
            raise self._load_error(idx, self._raw_id(idx),
                                   'while reading its annotation', None,
                                   err) from err
        sample_id = _sample_id(data)
        transforms: Sequence = getattr(self.pipeline, 'transforms',
                                       [self.pipeline])
        for step, transform in enumerate(transforms):
            self._leave_breadcrumb(idx, step)
            try:
                data = transform(data)
            except Exception as err:
                name = type(transform).__name__
                raise self._load_error(
                    idx, sample_id, f'in transform {name} (step {step + 1} '
                    f'of {len(transforms)})', name, err) from err
            if data is None:
                break
        self._leave_breadcrumb(idx, _DONE)
        return data

    def _raw_id(self, idx: int) -> Optional[str]:
        """The sample's id without the dataset's own ``get_data_info``
        (which is what failed)."""
        try:
            from mmengine.dataset import BaseDataset
            return _sample_id(BaseDataset.get_data_info(self, idx))
        except Exception:  # noqa: BLE001 - naming is best effort here
            return None

    def describe_breadcrumbs(self,
                             pids: Optional[Sequence[int]] = None
                             ) -> List[str]:
        """What the workers (all, or those with ``pids``) were loading.

        Args:
            pids (Sequence[int], optional): Worker pids to report.
                Defaults to None (every worker that left a breadcrumb).

        Returns:
            list[str]: One line per worker.
        """
        lines = []
        transforms = getattr(self.pipeline, 'transforms', [self.pipeline])
        for slot, (pid, index, step) in enumerate(self.breadcrumbs.tolist()):
            if pid <= 0 or (pids is not None and pid not in pids):
                continue
            sample_id = None
            with contextlib.suppress(Exception):
                sample_id = self._raw_id(index)
            name = f' ({sample_id})' if sample_id else ''
            if step == _DONE:
                where = 'had finished'
            elif step < 0:
                where = 'was reading the annotation of'
            else:
                where = (f'was in transform {type(transforms[step]).__name__}'
                         f' (step {step + 1} of {len(transforms)}) on')
            lines.append(f'worker {slot} (pid {pid}) {where} sample '
                         f'{index}{name} of {getattr(self, "ann_file", None)}')
        return lines


def _datasets(root: Any) -> Iterator[Any]:
    """``root`` and the datasets it wraps (``ConcatDataset``, ...)."""
    seen, stack = set(), [root]
    while stack:
        dataset = stack.pop()
        if dataset is None or id(dataset) in seen:
            continue
        seen.add(id(dataset))
        yield dataset
        stack.extend(getattr(dataset, 'datasets', None) or [])
        stack.append(getattr(dataset, 'dataset', None))


_PIDS = re.compile(r'DataLoader worker \(pid\(?s?\)? ([\d, ]+)\)')


def describe_dead_workers(message: str, datasets: Sequence[Any]) -> List[str]:
    """The samples of the workers named in a PyTorch worker-death message.

    Args:
        message (str): Text of PyTorch's ``RuntimeError``, e.g.
            ``'DataLoader worker (pid 123) is killed by signal: Killed.'``.
        datasets (Sequence): Datasets whose workers may have died
            (wrapped datasets are searched too).

    Returns:
        list[str]: One line per breadcrumb left by those pids; empty when
        the message names no worker or no breadcrumb matches.
    """
    match = _PIDS.search(message)
    if match is None:
        return []
    pids = [int(p) for p in match.group(1).replace(',', ' ').split()]
    lines = []
    for root in datasets:
        for dataset in _datasets(root):
            if isinstance(dataset, SampleNamingMixin):
                lines.extend(dataset.describe_breadcrumbs(pids))
    return lines


def _runner_datasets(runner: Any) -> List[Tuple[str, Any]]:
    found = []
    for name in ('train', 'val', 'test'):
        # The runner builds its loops lazily; read only the built ones.
        loop = getattr(runner, f'_{name}_loop', None)
        loader = getattr(loop, 'dataloader', None)
        if loader is not None and hasattr(loader, 'dataset'):
            found.append((name, loader.dataset))
    return found


@contextlib.contextmanager
def naming_dead_workers(runner: Any) -> Iterator[None]:
    """Re-raise PyTorch's worker-death error naming the dead worker's sample.

    Wraps ``runner.train()`` / ``runner.test()`` (the entry points
    ``tools/train.py`` and ``tools/test.py`` do)::

        with naming_dead_workers(runner):
            runner.train()

    A ``RuntimeError`` naming ``DataLoader worker (pid N)`` becomes a
    :class:`WorkerCrashError` (chained to it) listing what worker ``N``
    was loading, read from the breadcrumbs of the runner's datasets that
    use :class:`SampleNamingMixin`. Any other exception, or one with no
    matching breadcrumb, passes through unchanged.

    Args:
        runner: An MMEngine ``Runner``.
    """
    try:
        yield
    except RuntimeError as err:
        if isinstance(err, (SampleLoadError, WorkerCrashError)):
            raise
        lines = describe_dead_workers(
            str(err), [dataset for _, dataset in _runner_datasets(runner)])
        if not lines:
            raise
        raise WorkerCrashError(f'{err}\n' + '\n'.join(lines)) from err
