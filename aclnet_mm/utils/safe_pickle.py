# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Restricted unpickling of annotation files and result dumps.

Annotation pickles (a dataset's ``ann_file``, per-sample skeleton files)
and the predictions ``tools/test.py --dump`` writes are plain data:
dicts, lists and tuples of strings, numbers, numpy arrays and, in dumps,
torch tensors. A pickle can also name any importable function and have
the unpickler call it, which is how a hostile ``.pkl`` runs code.
:func:`load_pickle` unpickles with a :class:`RestrictedUnpickler` that
admits only the globals such files hold:

* builtin containers and numbers (``set``, ``frozenset``, ``complex``,
  ``bytearray`` ... as protocol 2 names them), ``collections.OrderedDict``
  and ``collections.defaultdict``, and ``_codecs.encode`` restricted to
  the ``latin1`` codec (how protocol 2 stores ``bytes``);
* numpy arrays, dtypes and scalars (``numpy.ndarray``, ``numpy.dtype``
  and numpy's reconstruct functions, under numpy 1's ``numpy.core`` and
  numpy 2's ``numpy._core`` paths);
* with ``allow_tensors=True`` (result dumps: MMEngine's ``DumpResults``
  pickles the data samples' dicts, whose scores and labels are torch
  tensors): torch tensors. A pickled tensor stores its data as a legacy
  ``torch.save`` blob that torch reads back with full unpickling; here
  the blob is read with torch's own safe loader (``weights_only=True``)
  instead.

Any other global is refused with :class:`UnsafePickleError`, naming the
file and the global (``module.name``). Trusted legacy files holding other
objects load in full only when the user opts in, by the variable or the
flag of :mod:`aclnet_mm.utils.checkpoint_loading`
(``ACLNET_MM_ALLOW_UNSAFE_LOAD=1`` / ``--unsafe-load``); opting in warns.
"""
import builtins
import collections
import importlib
import io
import logging
import os
import pickle
import warnings
from typing import IO, Any, Dict, Optional, Tuple, Union

import _compat_pickle
import numpy as np
from mmengine.logging import print_log

from .checkpoint_loading import (UNSAFE_LOAD_ENV, UNSAFE_LOAD_FLAG,
                                 refusal_reason, unsafe_load_allowed)

__all__ = [
    'UnsafePickleError', 'RestrictedUnpickler', 'load_pickle',
    'allowed_globals'
]


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle naming a global that plain data never needs was refused."""


_LATIN1_NAMES = ('latin1', 'iso88591', 'l1')


def _latin1_encode(obj: Any,
                   encoding: str = 'utf-8',
                   errors: str = 'strict') -> bytes:
    """``_codecs.encode`` limited to what protocol 2 pickles of ``bytes``
    call: ``encode(text, 'latin1')``. Any other codec is refused, so the
    codec machinery (which imports codec modules by name) is not reached
    from a file."""
    # Compared by name: codecs.lookup would import a codec module named by
    # the file.
    name = encoding.lower().replace('-', '').replace('_', '') if isinstance(
        encoding, str) else None
    if (not isinstance(obj, str) or name not in _LATIN1_NAMES
            or errors != 'strict'):
        raise pickle.UnpicklingError(
            f'_codecs.encode called with {encoding!r} on '
            f'{type(obj).__name__}: only latin1 text is plain data')
    return obj.encode('latin1')


def _tensor_from_bytes(data: bytes) -> Any:
    """What ``torch.storage._load_from_bytes`` does, read safely: torch's
    own function unpickles the blob with ``weights_only=False``."""
    import torch
    if not isinstance(data, (bytes, bytearray)):
        raise pickle.UnpicklingError(
            f'a tensor storage must be bytes, got {type(data).__name__}')
    try:
        return torch.load(io.BytesIO(data), weights_only=True)
    except pickle.UnpicklingError as err:
        # The caller adds the file's name; torch's advice is dropped.
        raise UnsafePickleError(
            f'in a tensor storage, {refusal_reason(err)}') from err


_Key = Tuple[str, str]


def _numpy_globals() -> Dict[_Key, Any]:
    allowed: Dict[_Key, Any] = {
        ('numpy', 'ndarray'): np.ndarray,
        ('numpy', 'dtype'): np.dtype,
    }
    for name in ('numpy._core', 'numpy.core'):  # numpy 2, numpy 1
        try:
            multiarray = importlib.import_module(f'{name}.multiarray')
            numeric = importlib.import_module(f'{name}.numeric')
        except ImportError:
            continue
        functions = dict(
            _reconstruct=multiarray._reconstruct,
            scalar=multiarray.scalar,
            _frombuffer=getattr(numeric, '_frombuffer', None))
        break
    # Files written under either numpy major version name either path.
    for path in ('numpy._core', 'numpy.core'):
        for func_name, func in functions.items():
            if func is None:
                continue
            module = 'numeric' if func_name == '_frombuffer' else 'multiarray'
            allowed[(f'{path}.{module}', func_name)] = func
    return allowed


def _builtin_globals() -> Dict[_Key, Any]:
    allowed: Dict[_Key, Any] = {
        ('builtins', name): getattr(builtins, name)
        for name in ('set', 'frozenset', 'complex', 'bytearray', 'bytes',
                     'int', 'float', 'bool', 'str', 'list', 'tuple', 'dict',
                     'slice', 'range')
    }
    allowed[('collections', 'OrderedDict')] = collections.OrderedDict
    allowed[('collections', 'defaultdict')] = collections.defaultdict
    allowed[('_codecs', 'encode')] = _latin1_encode
    return allowed


def _tensor_globals() -> Dict[_Key, Any]:
    import torch
    allowed: Dict[_Key, Any] = {
        ('torch._utils', '_rebuild_tensor_v2'):
        torch._utils._rebuild_tensor_v2,
        ('torch._utils', '_rebuild_tensor'): torch._utils._rebuild_tensor,
        ('torch.storage', '_load_from_bytes'): _tensor_from_bytes,
        ('torch', 'Size'): torch.Size,
    }
    for name in dir(torch):  # dtypes pickle as torch.<name>
        value = getattr(torch, name, None)
        if isinstance(value, torch.dtype):
            allowed[('torch', name)] = value
    return allowed


def allowed_globals(allow_tensors: bool = False) -> Dict[_Key, Any]:
    """The globals :class:`RestrictedUnpickler` admits.

    Args:
        allow_tensors (bool): Also admit torch tensors (result dumps).

    Returns:
        dict: ``(module, name)`` -> the object returned for it.
    """
    allowed = {**_builtin_globals(), **_numpy_globals()}
    if allow_tensors:
        allowed.update(_tensor_globals())
    return allowed


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only plain-data globals.

    Args:
        file (IO[bytes]): The pickle stream.
        name (str): The file's name, for messages.
        allow_tensors (bool): Admit torch tensors too. Defaults to False.
    """

    def __init__(self,
                 file: IO[bytes],
                 name: str,
                 allow_tensors: bool = False) -> None:
        super().__init__(file)
        self.name = name
        self.allow_tensors = allow_tensors
        self._allowed = allowed_globals(allow_tensors)

    def find_class(self, module: str, name: str) -> Any:
        # Protocol 0-2 pickles use Python 2 names (``__builtin__.set``);
        # the base class maps them, but only in its own find_class. No
        # Python 3 module has a Python 2 name, so mapping always is exact.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        if (module, name) in self._allowed:
            return self._allowed[(module, name)]
        admitted = 'numpy arrays, numbers, strings, containers' + (
            ' and torch tensors' if self.allow_tensors else '')
        raise UnsafePickleError(
            f'it names the global {module}.{name}, which is not plain data '
            f'({admitted} are)')


PathOrFile = Union[str, 'os.PathLike[str]', IO[bytes]]


def load_pickle(file: PathOrFile,
                name: Optional[str] = None,
                allow_tensors: bool = False,
                allow_unsafe: Optional[bool] = None) -> Any:
    """Unpickle an annotation file or a result dump, plain data only.

    Args:
        file (str | PathLike | IO[bytes]): A local path, a URI of an
            MMEngine file backend (read with :func:`mmengine.fileio.get`),
            or an open binary file.
        name (str, optional): Name used in messages. Defaults to the path
            (or the file object's ``name``).
        allow_tensors (bool): Admit torch tensors (result dumps). Defaults
            to False.
        allow_unsafe (bool, optional): Unpickle in full if the restricted
            unpickler refuses the file (runs any code stored in it; warns).
            None defers to ``ACLNET_MM_ALLOW_UNSAFE_LOAD``.

    Returns:
        The unpickled object.

    Raises:
        UnsafePickleError: The file names a global outside the allow-list
            and full unpickling is not allowed.
    """
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        name = path if name is None else name
        if '://' in path:
            from mmengine import fileio
            data = fileio.get(path)
        else:
            with open(path, 'rb') as f:
                data = f.read()
    else:
        name = str(getattr(file, 'name', '<stream>')) if name is None else name
        data = file.read()
    try:
        return RestrictedUnpickler(
            io.BytesIO(data), name, allow_tensors=allow_tensors).load()
    except UnsafePickleError as err:
        if not unsafe_load_allowed(allow_unsafe):
            raise UnsafePickleError(
                f'{name}: refused: {err}. Unpickling it in full could run '
                'code stored in the file. If you trust the file, opt in with '
                f'{UNSAFE_LOAD_ENV}=1 (or {UNSAFE_LOAD_FLAG} of our tools).'
            ) from None
        message = (f'{name}: unpickling in full because {UNSAFE_LOAD_ENV}=1 '
                   f'or {UNSAFE_LOAD_FLAG} allows it; this runs any code '
                   f'stored in the file. Restricted unpickler said: {err}.')
        warnings.warn(message, stacklevel=2)
        print_log(message, logger='current', level=logging.WARNING)
    return pickle.loads(data)
