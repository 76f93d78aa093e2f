# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The one checkpoint-loading policy of aclnet-mm.

Every load site of ours (the runner's ``load_from`` / ``--resume``,
``tools/test.py CKPT``, the converter, the inference API, the figures)
reads checkpoint files through :func:`load_checkpoint_file`:

1. the file is checked first (:func:`~aclnet_mm.utils.atomic_checkpoint.
   checkpoint_problem`): an empty, truncated or CRC-damaged file is refused
   by name (``torch.load`` checks no CRC and would return damaged weights);
2. it is unpickled with ``weights_only=True``, with a narrow allow-list of
   plain-data types (numpy arrays, scalars and dtypes, which mmcv-1.x and
   MMEngine metas hold) active only during this call, through
   :func:`torch.serialization.safe_globals`; torch's process-wide list is
   never extended;
3. a file that needs full unpickling, which can run code stored in it, is
   refused with an :class:`UnsafeCheckpointError` naming the file and the
   opt-in: ``ACLNET_MM_ALLOW_UNSAFE_LOAD=1`` (:data:`UNSAFE_LOAD_ENV`) or
   the ``--unsafe-load`` flag of our tools. Opting in loads it with
   ``weights_only=False`` and prints a warning. There is no silent
   fallback.

Our own training checkpoints hold plain data only (see
:class:`~aclnet_mm.engine.hooks.PlainMessageHubHook`), so they load in
step 2, as they do with plain MMEngine under torch's default.
"""
import contextlib
import importlib
import logging
import os
import os.path as osp
import pickle
import warnings
from typing import Any, Iterable, List, Optional

import numpy as np
import torch
from mmengine.logging import print_log

from .atomic_checkpoint import checkpoint_problem

__all__ = [
    'UNSAFE_LOAD_ENV', 'UnsafeCheckpointError', 'plain_data_globals',
    'unsafe_load_allowed', 'load_checkpoint_file'
]

#: Set to ``1`` to allow full unpickling of checkpoints (runs their code).
UNSAFE_LOAD_ENV = 'ACLNET_MM_ALLOW_UNSAFE_LOAD'

#: The command-line flag of our tools that does the same for one command.
UNSAFE_LOAD_FLAG = '--unsafe-load'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint that only full unpickling could read was refused."""


def plain_data_globals() -> List[Any]:
    """The plain-data types a safe load may meet besides tensors.

    numpy arrays, scalars and dtypes, under both module paths numpy has
    pickled them with (``numpy.core`` in numpy 1, ``numpy._core`` in 2).
    None of them can run code on unpickling.

    Returns:
        list: Globals for :func:`torch.serialization.safe_globals`, some as
        ``(object, 'pickled.name')`` pairs.
    """
    allowed: List[Any] = [np.ndarray, np.dtype]
    for name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for func in (module._reconstruct, module.scalar):
            allowed += [(func, f'numpy.core.multiarray.{func.__name__}'),
                        (func, f'numpy._core.multiarray.{func.__name__}')]
        break
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25
    if dtypes is not None:
        allowed += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return allowed


def unsafe_load_allowed(allow_unsafe: Optional[bool] = None) -> bool:
    """Whether full unpickling is allowed.

    Args:
        allow_unsafe (bool, optional): An explicit choice (a tool's flag);
            None defers to the ``ACLNET_MM_ALLOW_UNSAFE_LOAD`` variable.

    Returns:
        bool: The decision.
    """
    if allow_unsafe is not None:
        return bool(allow_unsafe)
    return os.environ.get(UNSAFE_LOAD_ENV, '0') == '1'


def _scoped_safe_globals(extra: Iterable[Any]):
    safe_globals = getattr(torch.serialization, 'safe_globals', None)
    if safe_globals is None:  # torch < 2.5: no allow-list API
        return contextlib.nullcontext()
    return safe_globals(plain_data_globals() + list(extra))


def _unreadable(filename: str, err: BaseException) -> RuntimeError:
    return RuntimeError(f'{filename} is not a readable PyTorch checkpoint '
                        f'(truncated or corrupted?): {err}')


def load_checkpoint_file(
    filename: str,
    map_location: Optional[Any] = None,
    allow_unsafe: Optional[bool] = None,
    extra_safe_globals: Iterable[Any] = ()
) -> Any:
    """Load a local checkpoint file under the policy of this module.

    Args:
        filename (str): Path of the checkpoint.
        map_location (optional): As for :func:`torch.load`.
        allow_unsafe (bool, optional): Allow full unpickling (prints a
            warning). None defers to ``ACLNET_MM_ALLOW_UNSAFE_LOAD``.
        extra_safe_globals (Iterable): More plain-data globals allowed for
            this load only, as for :func:`torch.serialization.safe_globals`.

    Returns:
        The unpickled checkpoint.

    Raises:
        FileNotFoundError: No such file.
        RuntimeError: The file is empty, truncated, fails its CRC check or
            cannot be unpickled.
        UnsafeCheckpointError: Only full unpickling could read it and that
            is not allowed; the message names the file and the opt-in.
    """
    filename = osp.expanduser(os.fspath(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    problem = checkpoint_problem(filename)
    if problem is not None:
        raise RuntimeError(f'{filename} is not a readable PyTorch checkpoint:'
                           f' it {problem}')
    try:
        with _scoped_safe_globals(extra_safe_globals):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        reason = str(err).strip().splitlines()
        reason = next((line for line in reason if 'Unsupported' in line),
                      reason[-1] if reason else '')
        if not unsafe_load_allowed(allow_unsafe):
            raise UnsafeCheckpointError(
                f'{filename}: refused. The safe loader (weights_only=True) '
                f'cannot read it: {reason.strip()} Full unpickling can run '
                'code stored in the file. If you trust the file, opt in with '
                f'{UNSAFE_LOAD_ENV}=1 (or {UNSAFE_LOAD_FLAG} of our tools).'
            ) from err
        message = (f'{filename}: loading with full unpickling '
                   f'(weights_only=False) because {UNSAFE_LOAD_ENV}=1 or '
                   f'{UNSAFE_LOAD_FLAG} allows it; this runs any code '
                   f'stored in the file. Safe loader said: {reason.strip()}')
        warnings.warn(message, stacklevel=2)
        print_log(message, logger='current', level=logging.WARNING)
    except (RuntimeError, EOFError, ValueError) as err:
        raise _unreadable(filename, err) from err
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    except (RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as err:
        raise _unreadable(filename, err) from err
