# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Compatibility shims for the pinned OpenMMLab stack.

Each shim fixes one known breakage of ``mmaction2==1.2.0`` /
``mmengine==0.10.7`` on a current Python stack (see
``reference/mmaction2_ecosystem.md`` §4). They are applied once, when
``aclnet_mm`` is imported, and each is idempotent and tested on its own.
"""
import importlib
import importlib.util
import os
import os.path as osp
import pickle
import sys
import types
from typing import Any, List, Optional

import numpy as np

__all__ = [
    'apply_all', 'stub_missing_drn', 'restore_numpy_aliases',
    'allow_mmengine_checkpoint_globals', 'install_checkpoint_loader',
    'load_local_checkpoint', 'register_config_scope'
]

#: Set to ``1`` to refuse any checkpoint that needs full unpickling.
STRICT_LOAD_ENV = 'ACLNET_MM_STRICT_CHECKPOINT_LOAD'


def stub_missing_drn() -> bool:
    """Stub ``mmaction.models.localizers.drn`` when the wheel lacks it.

    The PyPI wheel of mmaction2 1.2.0 ships ``localizers/__init__.py`` that
    imports ``.drn.drn`` although the folder is not packaged
    (open-mmlab/mmaction2#2714), so ``import mmaction.models`` fails. We
    insert a placeholder module whose ``DRN`` raises on use; DRN is a video
    grounding model that no skeleton pipeline needs.

    Returns:
        bool: Whether the stub was installed.
    """
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        return False
    drn_file = osp.join(
        osp.dirname(spec.origin), 'models', 'localizers', 'drn', 'drn.py')
    name = 'mmaction.models.localizers.drn'
    if osp.exists(drn_file) or name in sys.modules:
        return False

    class DRN:  # noqa: D401 - a placeholder with a clear error
        """Placeholder for the DRN localizer missing from the wheel."""

        def __init__(self, *args, **kwargs) -> None:
            raise ImportError(
                'DRN is not shipped in the mmaction2 1.2.0 wheel '
                '(open-mmlab/mmaction2#2714); aclnet_mm stubbed it out. '
                'Install mmaction2 from source to use DRN.')

    package = types.ModuleType(name)
    package.__path__ = []  # mark it as a package
    module = types.ModuleType(name + '.drn')
    module.DRN = DRN
    package.drn = module
    package.DRN = DRN
    sys.modules[name] = package
    sys.modules[name + '.drn'] = module
    return True


def restore_numpy_aliases() -> List[str]:
    """Restore numpy aliases that mmaction 1.2.0 still uses.

    ``PoseCompact`` and ``MMCompact`` use ``np.Inf``, removed in numpy 2.0.
    The alias points at the same float, so nothing else changes.

    Returns:
        list[str]: Names of the aliases that were added.
    """
    added = []
    if not hasattr(np, 'Inf'):
        np.Inf = np.inf
        added.append('Inf')
    return added


def _mmengine_checkpoint_globals() -> list:
    """Types that MMEngine puts into a checkpoint besides tensors."""
    from mmengine.logging.history_buffer import HistoryBuffer
    globals_ = [HistoryBuffer, np.ndarray, np.dtype]
    # numpy pickles arrays and scalars through these reconstructors; their
    # module moved from numpy.core to numpy._core in numpy 2.
    for module_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        globals_ += [module._reconstruct, module.scalar]
        break
    # Concrete dtype classes (``np.dtypes.Float64DType`` ...) of numpy >= 1.25.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        globals_ += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return globals_


def allow_mmengine_checkpoint_globals() -> int:
    """Let ``torch.load(weights_only=True)`` read MMEngine checkpoints.

    torch >= 2.6 loads with ``weights_only=True`` by default, and MMEngine
    0.10.7 checkpoints hold a ``HistoryBuffer`` and numpy scalars in their
    ``message_hub`` state, so ``--resume`` and ``tools/test.py CKPT`` fail
    (open-mmlab/mmengine#1655). Instead of switching the safe loader off for
    every file (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``), we allow exactly the
    plain-data types MMEngine writes, so the checkpoints the user points at
    load and arbitrary pickled code is still refused.

    Returns:
        int: Number of allow-listed globals (0 on torch without the API).
    """
    import torch
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:
        return 0
    globals_ = _mmengine_checkpoint_globals()
    add_safe_globals(globals_)
    return len(globals_)


def load_local_checkpoint(filename: str,
                          map_location: Optional[Any] = None) -> Any:
    """Load a checkpoint file that the user pointed at.

    The safe loader (``weights_only=True``) is tried first, with MMEngine's
    plain-data types allow-listed. A full MMEngine training checkpoint
    still needs the general unpickler, because its ``message_hub`` state
    pickles a ``HistoryBuffer`` whose statistics table holds bound methods
    (stored through ``builtins.getattr``, which no safe loader may allow).
    For those files, and only for files loaded through MMEngine's local
    checkpoint loader (``load_from``, ``--resume``, ``tools/test.py CKPT``,
    ``init_cfg=dict(type='Pretrained')``), we fall back to
    ``weights_only=False``: the user named the file, so it is trusted, as
    with ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` but without switching the
    safe loader off for the rest of the process. Set
    ``ACLNET_MM_STRICT_CHECKPOINT_LOAD=1`` to refuse such files instead.

    Args:
        filename (str): Path of the checkpoint.
        map_location (optional): As for :func:`torch.load`.

    Returns:
        The unpickled checkpoint.

    Raises:
        FileNotFoundError: No such file.
        RuntimeError: The file is empty, truncated, fails its CRC check
            or cannot be unpickled (see
            :func:`~aclnet_mm.utils.atomic_checkpoint.checkpoint_problem`).
    """
    import torch

    from .atomic_checkpoint import checkpoint_problem
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    # torch.load checks no CRC: a damaged byte would load silently, and a
    # truncated archive may fail deep inside unpickling. One read of the
    # file before loading refuses both with the file's name.
    problem = checkpoint_problem(filename)
    if problem is not None:
        raise RuntimeError(f'{filename} is not a readable PyTorch checkpoint:'
                           f' it {problem}')
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if os.environ.get(STRICT_LOAD_ENV, '0') == '1':
            raise pickle.UnpicklingError(
                f'{filename}: refused by the safe checkpoint loader '
                f'({STRICT_LOAD_ENV}=1): {err}') from err
    except (RuntimeError, EOFError, ValueError) as err:
        raise RuntimeError(
            f'{filename} is not a readable PyTorch checkpoint (truncated '
            f'or corrupted?): {err}') from err
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    except (RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as err:
        raise RuntimeError(
            f'{filename} is not a readable PyTorch checkpoint (truncated '
            f'or corrupted?): {err}') from err


def install_checkpoint_loader() -> bool:
    """Route MMEngine's local checkpoint loading through our loader.

    See :func:`load_local_checkpoint` for what it loads and why.

    Returns:
        bool: Whether the loader was (re)installed now.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    if CheckpointLoader._schemes.get('') is load_local_checkpoint:
        return False
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
    return True


def _installed_package_path(original):
    """Wrap ``get_installed_path`` so editable installs resolve to source.

    For a PEP 660 editable install the distribution's location is
    site-packages while the code lives in the source tree, so MMEngine's
    lookup returns a folder that does not exist.
    """

    def get_installed_path(package: str) -> str:
        if package == 'aclnet_mm':
            spec = importlib.util.find_spec('aclnet_mm')
            return osp.dirname(spec.origin)
        return original(package)

    get_installed_path._aclnet_mm_wrapped = True
    return get_installed_path


def register_config_scope() -> bool:
    """Let configs say ``_base_ = 'aclnet_mm::_base_/...'``.

    Three things stand in the way in MMEngine 0.10.7, and are fixed here:

    * ``pkg::path`` resolves only for packages in MMEngine's
      ``MODULE2PACKAGE`` table: we add ours (module and distribution share
      the name ``aclnet_mm``);
    * for a PEP 660 editable install the package path resolves to
      site-packages: see :func:`_installed_package_path`;
    * MMEngine tags every dict of an external base with ``_scope_=<pkg>``
      and later builds it from the registry of that scope. Our modules
      live in MMAction2's registries (there is no ``aclnet_mm`` registry
      scope), so a base from ``aclnet_mm::`` is given MMAction2's scope.

    Returns:
        bool: Whether the patch was installed now.
    """
    from mmengine.config import config as config_module
    from mmengine.config import utils as config_utils
    config = config_module.Config
    if getattr(config._get_cfg_path, '_aclnet_mm_wrapped', False):
        return False
    config_utils.MODULE2PACKAGE['aclnet_mm'] = 'aclnet_mm'
    config_module.get_installed_path = _installed_package_path(
        config_module.get_installed_path)
    original = config._get_cfg_path

    def _get_cfg_path(cfg_path: str, filename: str):
        path, scope = original(cfg_path, filename)
        if scope == 'aclnet_mm':
            scope = 'mmaction'
        return path, scope

    _get_cfg_path._aclnet_mm_wrapped = True
    config._get_cfg_path = staticmethod(_get_cfg_path)
    return True


def apply_all() -> None:
    """Apply every shim; safe to call more than once."""
    stub_missing_drn()
    restore_numpy_aliases()
    allow_mmengine_checkpoint_globals()
    install_checkpoint_loader()
    register_config_scope()
