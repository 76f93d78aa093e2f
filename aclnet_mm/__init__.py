# Copyright (c) aclnet-mm contributors. All rights reserved.
"""aclnet-mm: contrastive skeleton action learning for MMAction2 1.x.

Importing the package applies the compatibility shims (they must run before
anything imports ``mmaction.models``), makes checkpoint writes atomic and
auto-resume checked (``utils/atomic_checkpoint.py``), and registers every
module of the plugin into MMAction2's registries.
"""
import warnings as _warnings


def _silence_mmcv_lite_warning() -> None:
    """mmcv-lite has no compiled ops, so importing mmcv.cnn (which MMAction2
    does) warns that MultiScaleDeformableAttention is missing on every run;
    no skeleton model uses it. Ignore that one warning, from that module."""
    _warnings.filterwarnings(
        'ignore',
        message='Fail to import ``MultiScaleDeformableAttention``',
        category=UserWarning,
        module=r'mmcv\.cnn\.bricks\.transformer')


_silence_mmcv_lite_warning()

from .utils import compat as _compat  # noqa: E402

_compat.apply_all()

from .utils import atomic_checkpoint as _atomic_checkpoint  # noqa: E402

_atomic_checkpoint.apply_all()

from .models.utils.graph import patch_mmaction_graph as _patch_graph  # noqa

_patch_graph()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__, version_info  # noqa: E402

__all__ = ['__version__', 'version_info']
