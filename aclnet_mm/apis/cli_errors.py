# Copyright (c) aclnet-mm contributors. All rights reserved.
"""One line, not a traceback, for bad input to a command-line tool.

A missing file, a pickle that would run code, a refused checkpoint, data
that fails validation or NaN keypoints are the user's input, not a bug: a
traceback through MMEngine's runner buries the one sentence that says what
to fix. :func:`one_line_errors` turns those errors into
``SystemExit('<tool>: <message>')`` (exit status 1, the message alone on
stderr) and lets every other exception through with its traceback, since
that is what a bug report needs.
"""
import contextlib
import os
import os.path as osp
from typing import Iterator, Optional, Tuple, Type

from aclnet_mm.datasets import DatasetValidationError, SampleLoadError
from aclnet_mm.utils.checkpoint_loading import (CheckpointReadError,
                                                UnsafeCheckpointError)
from aclnet_mm.utils.safe_pickle import UnsafePickleError

__all__ = ['one_line_errors', 'user_error_message']

# Where our own checks live: a ValueError raised there is an input check;
# one raised inside numpy, torch or MMEngine may be a bug and keeps its
# traceback.
_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
_REPO_DIR = osp.dirname(_PACKAGE_DIR)
_OUR_DIRS = tuple(
    osp.join(root, '') for root in (_PACKAGE_DIR, osp.join(_REPO_DIR, 'tools'),
                                    osp.join(_REPO_DIR, 'demo')))


def _always_ours() -> Tuple[Type[BaseException], ...]:
    """Error types that always mean bad input, wherever raised."""
    return (UnsafePickleError, UnsafeCheckpointError, CheckpointReadError,
            DatasetValidationError, SampleLoadError, FileNotFoundError,
            IsADirectoryError, NotADirectoryError, PermissionError)


def _raised_by_us(err: BaseException) -> bool:
    """Whether the innermost frame of ``err`` is in this repository."""
    tb = err.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return osp.abspath(tb.tb_frame.f_code.co_filename).startswith(_OUR_DIRS)


def user_error_message(err: BaseException) -> Optional[str]:
    """The message to show for ``err`` if it is bad input, else None.

    Bad input: our refusals (unsafe pickles and checkpoints, dataset
    validation, unloadable samples), missing or unreadable files, a
    ``ValueError`` or ``FloatingPointError`` (the non-finite-loss stop)
    raised by our own checks, and a ``KeyError`` they raise with a sentence
    (an unknown name).

    Args:
        err (BaseException): The error.

    Returns:
        str | None: The message, one sentence where the error has one.
    """
    if isinstance(err, _always_ours()):
        if isinstance(err, OSError) and err.filename is not None and \
                err.strerror:
            return f'{err.strerror}: {os.fsdecode(err.filename)}'
        return str(err) or type(err).__name__
    if isinstance(err, (ValueError, FloatingPointError)) and \
            _raised_by_us(err):
        return str(err) or type(err).__name__
    # A lookup refused with a sentence (e.g. an unknown layout name), not a
    # bare missing key of a dict, which is a bug.
    if isinstance(err, KeyError) and _raised_by_us(err) and \
            len(err.args) == 1 and isinstance(err.args[0], str) and \
            ' ' in err.args[0].strip():
        return err.args[0]
    return None


@contextlib.contextmanager
def one_line_errors(tool: str) -> Iterator[None]:
    """Turn bad input into ``SystemExit('<tool>: <message>')``.

    Use around a tool's ``main()``, or as a decorator::

        if __name__ == '__main__':
            with one_line_errors('test.py'):
                main()

    Args:
        tool (str): The tool's name, the first word of the message.

    Raises:
        SystemExit: For the errors :func:`user_error_message` accepts;
            anything else propagates unchanged.
    """
    try:
        yield
    except Exception as err:
        message = user_error_message(err)
        if message is None:
            raise
        raise SystemExit(f'{tool}: {message}') from None
