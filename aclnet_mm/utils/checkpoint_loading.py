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

A remote checkpoint (``https://``, MMEngine's ``torchvision://``,
``open-mmlab://``, ``mmcls://`` names, ``s3://`` and other file-backend
URIs) is first made a local file (:func:`local_checkpoint_path`) and then
goes through the same three steps. MMEngine's own loaders would hand
``https://`` files to :func:`torch.hub.load_state_dict_from_url`, which
unpickles them fully by default.

Our own training checkpoints hold plain data only (see
:class:`~aclnet_mm.engine.hooks.PlainMessageHubHook`), so they load in
step 2, as they do with plain MMEngine under torch's default.
"""
import contextlib
import hashlib
import importlib
import logging
import os
import os.path as osp
import pickle
import re
import warnings
from typing import Any, Iterable, Iterator, List, Optional
from urllib.parse import urlparse
from urllib.request import url2pathname

import numpy as np
import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.fileio import get_local_path
from mmengine.logging import print_log
from mmengine.runner import checkpoint as mmengine_checkpoint

from .atomic_checkpoint import checkpoint_problem

__all__ = [
    'UNSAFE_LOAD_ENV', 'UnsafeCheckpointError', 'CheckpointReadError',
    'plain_data_globals', 'unsafe_load_allowed', 'refusal_reason',
    'cached_download_path', 'local_checkpoint_path', 'load_checkpoint_file'
]

#: Set to ``1`` to allow full unpickling of checkpoints (runs their code).
UNSAFE_LOAD_ENV = 'ACLNET_MM_ALLOW_UNSAFE_LOAD'

#: The command-line flag of our tools that does the same for one command.
UNSAFE_LOAD_FLAG = '--unsafe-load'

_HTTP = ('http://', 'https://')


class CheckpointReadError(RuntimeError):
    """A checkpoint file that is damaged or not a PyTorch checkpoint."""


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


_GLOBAL = re.compile(r'GLOBAL\s+([A-Za-z_][\w.]*)')
_ANSI = re.compile(r'\x1b\[[0-9;]*m')
# Lines of torch's message that give advice we do not repeat: allow-listing
# the global, or re-running with weights_only=False (our opt-in is named
# instead), and the generic pointer to torch's documentation.
_ADVICE = ('safe_globals', 'allowlist', 'weights_only', 'trust',
           'Check the documentation', 'two options')


def refusal_reason(err: BaseException) -> str:
    """Why torch's safe loader refused a file, without torch's advice.

    torch's message suggests ``torch.serialization.add_safe_globals([...])``
    for the very global a hostile file names; following it would let the
    payload run. The reason returned names the global and nothing else.

    Args:
        err (BaseException): What ``torch.load(weights_only=True)`` raised.

    Returns:
        str: E.g. ``'it needs the global io.open, which is not plain
        data'``, or, for another kind of refusal, torch's explanation with
        the advice lines dropped.
    """
    text = _ANSI.sub('', str(err))
    found = _GLOBAL.search(text)
    if found is not None:
        return f'it needs the global {found.group(1)}, which is not plain data'
    lines = [
        line.strip(' \t.') for line in text.splitlines()
        if line.strip() and not any(word in line for word in _ADVICE)
    ]
    lines = [line.replace('WeightsUnpickler error: ', '') for line in lines]
    return '; '.join(lines) or type(err).__name__


def _scoped_safe_globals(extra: Iterable[Any]):
    safe_globals = getattr(torch.serialization, 'safe_globals', None)
    if safe_globals is None:  # torch < 2.5: no allow-list API
        return contextlib.nullcontext()
    return safe_globals(plain_data_globals() + list(extra))


def _unreadable(name: str, err: BaseException) -> RuntimeError:
    return RuntimeError(f'{name} is not a readable PyTorch checkpoint '
                        f'(truncated or corrupted?): {err}')


def _model_zoo_location(source: str) -> Optional[str]:
    """The URL (or file under MMEngine's home) that one of MMEngine's
    model-zoo names stands for, as ``CheckpointLoader`` resolves it; None
    when ``source`` is no such name."""
    for prefix in ('torchvision://', 'modelzoo://'):
        if source.startswith(prefix):
            return mmengine_checkpoint.get_torchvision_models()[
                source[len(prefix):]]
    for prefix in ('open-mmlab://', 'openmmlab://'):
        if source.startswith(prefix):
            name = source[len(prefix):]
            name = mmengine_checkpoint.get_deprecated_model_names().get(
                name, name)
            location = mmengine_checkpoint.get_external_models()[name]
            if location.startswith(_HTTP):
                return location
            return osp.join(mmengine_checkpoint._get_mmengine_home(), location)
    if source.startswith('mmcls://'):
        return mmengine_checkpoint.get_mmcls_models()[source[len('mmcls://'):]]
    return None


#: A SHA-256 prefix in a file name, as torch.hub names published weights
#: (``resnet18-f37072fd.pth``) and OpenMMLab's ``publish_model`` does
#: (``..._20200130-c2398f9e.pth``). torch.hub's pattern also matches an empty
#: or one-letter group; 8 hex digits is the shortest prefix either writes.
HASH_IN_NAME = re.compile(r'-([a-f0-9]{8,64})\.')


def cached_download_path(url: str) -> str:
    """Where :func:`local_checkpoint_path` keeps a download of ``url``.

    ``<torch hub dir>/checkpoints/aclnet_mm/<sha256(url)[:16]>/<name>``:
    keyed on the full URL, so ``http://host/a/model.pth`` and
    ``http://host/b/model.pth`` are two files. torch.hub's (and MMEngine's)
    cache is keyed on the file name alone and is not shared with it.

    Args:
        url (str): The URL.

    Returns:
        str: The cache path (which may not exist yet).
    """
    name = osp.basename(urlparse(url).path) or 'checkpoint.pth'
    key = hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]
    return osp.join(torch.hub.get_dir(), 'checkpoints', 'aclnet_mm', key, name)


def _download(url: str) -> str:
    """``url`` in our download cache, downloaded if not there.

    ``download_url_to_file`` writes to a temporary file and renames it,
    so an interrupted download leaves no partial file behind; when the
    file name carries a SHA-256 prefix (:data:`HASH_IN_NAME`) the download
    is checked against it and not kept if it differs.
    """
    cached = cached_download_path(url)
    if not osp.isfile(cached):
        os.makedirs(osp.dirname(cached), exist_ok=True)
        found = HASH_IN_NAME.search(osp.basename(cached))
        prefix = found.group(1) if found else None
        print_log(f'Downloading {url} to {cached}', logger='current')
        try:
            torch.hub.download_url_to_file(
                url, cached, hash_prefix=prefix, progress=os.isatty(0))
        except RuntimeError as err:
            got = re.search(r'got "([0-9a-f]+)"', str(err))
            if prefix is None or got is None:
                raise
            raise RuntimeError(
                f'{url}: refused. Its file name says the SHA-256 starts with '
                f'{prefix}; the downloaded file has {got.group(1)} and was '
                'not kept (a damaged download, or not the published file).'
            ) from None
    return cached


def _file_url_path(url: str) -> str:
    """The local path of a ``file://`` URL (``file:///abs/path``,
    ``file://localhost/abs/path``); another host is refused."""
    parsed = urlparse(url)
    if parsed.netloc not in ('', 'localhost'):
        raise ValueError(
            f'{url}: file:// URLs must name a local file (file:///path); '
            f'host {parsed.netloc!r} is not supported')
    return url2pathname(parsed.path)


@contextlib.contextmanager
def local_checkpoint_path(source: str) -> Iterator[str]:
    """A local file holding the checkpoint ``source`` names.

    * a local path is itself, and so is a ``file://`` URL's path;
    * ``http://`` / ``https://`` URLs and MMEngine's model-zoo names
      (``torchvision://``, ``modelzoo://``, ``open-mmlab://``,
      ``openmmlab://``, ``mmcls://``) are downloaded into torch hub's
      cache (:func:`cached_download_path`, keyed on the full URL), rank 0
      first when distributed, and kept there; a SHA-256 prefix in the
      file name is checked, as torch.hub does;
    * any other URI (``s3://``, ``petrel://`` ...) is copied by its MMEngine
      file backend (:func:`mmengine.fileio.get_local_path`) to a temporary
      file that lives as long as the ``with`` block.

    Nothing is unpickled here.

    Args:
        source (str): A local path or URL.

    Yields:
        str: The local path.
    """
    source = os.fspath(source)
    if '://' not in source:
        yield source
        return
    location = _model_zoo_location(source) or source
    if location.startswith('file://'):
        location = _file_url_path(location)
    if '://' not in location:  # a file:// URL or open-mmlab:// local name
        yield location
    elif location.startswith(_HTTP):
        rank, world_size = get_dist_info()
        if rank == 0:
            path = _download(location)
        if world_size > 1:
            # The others find rank 0's copy when the cache is shared.
            barrier()
            if rank > 0:
                path = _download(location)
        yield path
    else:
        with get_local_path(location) as path:
            yield str(path)


def load_checkpoint_file(
    filename: str,
    map_location: Optional[Any] = None,
    allow_unsafe: Optional[bool] = None,
    extra_safe_globals: Iterable[Any] = ()
) -> Any:
    """Load a checkpoint under the policy of this module.

    Args:
        filename (str): Path or URL of the checkpoint; a URL is made a
            local file first (:func:`local_checkpoint_path`), and loaded
            from there under the same policy.
        map_location (optional): As for :func:`torch.load`.
        allow_unsafe (bool, optional): Allow full unpickling (prints a
            warning). None defers to ``ACLNET_MM_ALLOW_UNSAFE_LOAD``.
        extra_safe_globals (Iterable): More plain-data globals allowed for
            this load only, as for :func:`torch.serialization.safe_globals`.

    Returns:
        The unpickled checkpoint (for ``mmcls://`` names converted as
        MMEngine converts them).

    Raises:
        FileNotFoundError: No such file.
        RuntimeError: The file is empty, truncated, fails its CRC check or
            cannot be unpickled.
        UnsafeCheckpointError: Only full unpickling could read it and that
            is not allowed; the message names the file (and the URL it
            came from) and the opt-in.
    """
    source = os.fspath(filename)
    if '://' not in source:
        path = osp.expanduser(source)
        return _load_local(path, path, map_location, allow_unsafe,
                           extra_safe_globals)
    with local_checkpoint_path(source) as path:
        name = source if source.startswith('file://') \
            else f'{source} (local copy {path})'
        checkpoint = _load_local(path, name, map_location, allow_unsafe,
                                 extra_safe_globals)
    if source.startswith('mmcls://'):
        checkpoint = mmengine_checkpoint._process_mmcls_checkpoint(checkpoint)
    return checkpoint


def _load_local(filename: str, name: str, map_location: Optional[Any],
                allow_unsafe: Optional[bool],
                extra_safe_globals: Iterable[Any]) -> Any:
    """:func:`load_checkpoint_file` of a local file; messages say
    ``name``."""
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{name} can not be found.')
    problem = checkpoint_problem(filename)
    if problem is not None:
        raise CheckpointReadError(
            f'{name} is not a readable PyTorch checkpoint: it {problem}')
    try:
        with _scoped_safe_globals(extra_safe_globals), \
                warnings.catch_warnings():
            # torch's note on a pickle protocol other than its own would
            # stand above our refusal of a plain pickle, which says more.
            warnings.filterwarnings(
                'ignore', message='Detected pickle protocol')
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        reason = refusal_reason(err)
        if not unsafe_load_allowed(allow_unsafe):
            raise UnsafeCheckpointError(
                f'{name}: refused. The safe loader (weights_only=True) '
                f'cannot read it: {reason}. Full unpickling can run '
                'code stored in the file. If you trust the file, opt in with '
                f'{UNSAFE_LOAD_ENV}=1 (or {UNSAFE_LOAD_FLAG} of our tools).'
            ) from err
        message = (f'{name}: loading with full unpickling '
                   f'(weights_only=False) because {UNSAFE_LOAD_ENV}=1 or '
                   f'{UNSAFE_LOAD_FLAG} allows it; this runs any code '
                   f'stored in the file. Safe loader said: {reason}.')
        warnings.warn(message, stacklevel=3)
        print_log(message, logger='current', level=logging.WARNING)
    except (RuntimeError, EOFError, ValueError) as err:
        raise _unreadable(name, err) from err
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    except (RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as err:
        raise _unreadable(name, err) from err
