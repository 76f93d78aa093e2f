# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Progress: a bar on a terminal, plain periodic lines in a log file."""
import io

from mmengine.utils import ProgressBar

from aclnet_mm.utils.progress import PlainProgress, progress_bar


class _Terminal(io.StringIO):

    def isatty(self):
        return True


def test_plain_lines_without_carriage_returns():
    log = io.StringIO()
    bar = progress_bar(1000, file=log, label='checking')
    assert isinstance(bar, PlainProgress)
    for _ in range(1000):
        bar.update()
    text = log.getvalue()
    assert '\r' not in text
    # The last step always prints; at most a few lines in between.
    assert text.endswith('\n') and 'checking: 1000/1000' in text
    assert len(text.splitlines()) <= 3


def test_plain_lines_every_interval():
    log = io.StringIO()
    bar = PlainProgress(3, file=log, every=0.)
    for _ in range(3):
        bar.update()
    assert [line.split(' (')[0] for line in log.getvalue().splitlines()
            ] == ['progress: 1/3', 'progress: 2/3', 'progress: 3/3']


def test_bar_on_a_terminal():
    assert isinstance(progress_bar(5, file=_Terminal()), ProgressBar)
