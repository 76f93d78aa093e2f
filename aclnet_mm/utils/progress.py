# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Progress that suits where it goes: a bar on a terminal, lines in a log.

MMEngine's ``ProgressBar`` redraws itself with carriage returns, which a
log file keeps: thousands of partial lines. :func:`progress_bar` gives that
bar only when its stream is a terminal and otherwise a :class:`PlainProgress`
that prints a plain line now and then.
"""
import sys
import time
from typing import IO, Optional

from mmengine.utils import ProgressBar

__all__ = ['PlainProgress', 'progress_bar']


class PlainProgress:
    """Periodic ``done/total`` lines, without carriage returns.

    Args:
        total (int): Number of steps.
        file (IO): Where to write. Defaults to ``sys.stderr``.
        every (float): Seconds between lines (the last step always prints).
            Defaults to 10.
        label (str): Prefix of each line. Defaults to ``'progress'``.
    """

    def __init__(self,
                 total: int,
                 file: Optional[IO] = None,
                 every: float = 10.,
                 label: str = 'progress') -> None:
        self.total = total
        self.file = file if file is not None else sys.stderr
        self.every = every
        self.label = label
        self.completed = 0
        self.start = self._last = time.perf_counter()

    def update(self, num_tasks: int = 1) -> None:
        """Count ``num_tasks`` more steps; print when it is time."""
        self.completed += num_tasks
        now = time.perf_counter()
        if self.completed >= self.total or now - self._last >= self.every:
            self._last = now
            self.file.write(f'{self.label}: {self.completed}/{self.total} '
                            f'({now - self.start:.0f} s)\n')
            self.file.flush()


def progress_bar(total: int,
                 file: Optional[IO] = None,
                 label: str = 'progress'):
    """MMEngine's bar on a terminal, :class:`PlainProgress` otherwise.

    Args:
        total (int): Number of steps.
        file (IO, optional): The stream. Defaults to ``sys.stderr``.
        label (str): Prefix of the plain lines. Defaults to
            ``'progress'``.

    Returns:
        ProgressBar | PlainProgress: Call ``update()`` once per step.
    """
    file = file if file is not None else sys.stderr
    isatty = getattr(file, 'isatty', None)
    if isatty is not None and isatty():
        return ProgressBar(total, file=file)
    return PlainProgress(total, file=file, label=label)
