# Copyright (c) aclnet-mm contributors. All rights reserved.
import os
from typing import Optional, Union

import torch
from mmaction.registry import HOOKS
from mmengine.dist import get_local_size
from mmengine.hooks import Hook

__all__ = ['CpuThreadsHook', 'auto_cpu_threads', 'usable_cores']


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, e.g. a cgroup or
    ``taskset`` limit), not the machine's count."""
    if hasattr(os, 'sched_getaffinity'):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def auto_cpu_threads(cores: int,
                     local_world_size: int = 1,
                     num_workers: int = 0) -> int:
    """The intra-op thread count of one training process on CPU.

    ``max(1, cores // local_world_size - num_workers)``: the processes of
    one machine share its usable cores evenly, and each dataloader worker
    of a process keeps one of that process's cores busy decoding and
    transforming clips. More threads than free cores do not run faster,
    they wait for each other: on a loaded 2-core machine a training
    iteration took 2.9-4.5 s with torch's default and 0.3 s with one thread.

    Args:
        cores (int): Usable cores of the machine (:func:`usable_cores`).
        local_world_size (int): Training processes on this machine.
        num_workers (int): Dataloader worker processes of one process.

    Returns:
        int: At least 1.
    """
    per_process = max(1, cores // max(1, local_world_size))
    return max(1, per_process - max(0, num_workers))


def _num_workers(runner) -> int:
    """The most dataloader workers any loader of the run starts."""
    counts = [0]
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        # The runner's own setting (a dict, or a DataLoader once built);
        # its cfg is empty when it was built from arguments.
        loader = getattr(runner, f'_{key}', None) or runner.cfg.get(key)
        if isinstance(loader, dict):
            counts.append(int(loader.get('num_workers', 0) or 0))
        elif loader is not None:
            counts.append(int(getattr(loader, 'num_workers', 0) or 0))
    return max(counts)


def _on_cpu(runner) -> bool:
    parameter = next(iter(runner.model.parameters()), None)
    if parameter is not None:
        return parameter.device.type == 'cpu'
    from mmengine.device import get_device
    return get_device() == 'cpu'


@HOOKS.register_module()
class CpuThreadsHook(Hook):
    """Set torch's intra-op CPU thread count once, before the run.

    torch's default is one thread per core of the machine, whatever else
    runs on it: other training processes of a distributed run, dataloader
    workers, other jobs. On a CPU-only run this hook sets:

    - ``num_threads='auto'``: :func:`auto_cpu_threads` of the usable cores,
      the local world size and the dataloader workers, unless
      ``OMP_NUM_THREADS`` is set in the environment: then the user decided,
      and torch's count (which follows it) stays;
    - ``num_threads=N``: ``N`` threads, whatever the environment says;
    - ``num_threads=None``: nothing (torch's default).

    On a GPU run it only logs the count (the CPU there feeds the GPU).
    The decision is logged once.

    Args:
        num_threads (int | str | None): ``'auto'``, a positive count, or
            None. Defaults to ``'auto'``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, num_threads: Optional[Union[int, str]] = 'auto'):
        if num_threads is not None and num_threads != 'auto' and (
                isinstance(num_threads, bool)
                or not isinstance(num_threads, int) or num_threads < 1):
            raise ValueError('num_threads must be "auto", a positive int or '
                             f'None, got {num_threads!r}')
        self.num_threads = num_threads

    def decide(self, runner) -> Optional[int]:
        """The thread count to set, or None to keep torch's; logs why."""
        if not _on_cpu(runner):
            runner.logger.info(f'CpuThreadsHook: GPU run, torch keeps '
                               f'{torch.get_num_threads()} CPU thread(s)')
            return None
        if self.num_threads is None:
            return None
        if self.num_threads != 'auto':
            runner.logger.info(f'CpuThreadsHook: {self.num_threads} CPU '
                               'thread(s) (num_threads of the config)')
            return self.num_threads
        if os.environ.get('OMP_NUM_THREADS'):
            runner.logger.info(
                'CpuThreadsHook: OMP_NUM_THREADS='
                f'{os.environ["OMP_NUM_THREADS"]} is set, torch keeps '
                f'{torch.get_num_threads()} CPU thread(s)')
            return None
        cores, world, workers = usable_cores(), get_local_size(), \
            _num_workers(runner)
        threads = auto_cpu_threads(cores, world, workers)
        runner.logger.info(
            f'CpuThreadsHook: {threads} CPU thread(s) = max(1, {cores} '
            f'usable cores // {world} process(es) on this machine - '
            f'{workers} dataloader worker(s)); set OMP_NUM_THREADS or '
            'num_threads to choose')
        return threads

    def before_run(self, runner) -> None:
        threads = self.decide(runner)
        if threads is not None:
            torch.set_num_threads(threads)
