# Copyright (c) aclnet-mm contributors. All rights reserved.
"""aclnet-mm: contrastive skeleton action learning for MMAction2 1.x.

Importing the package registers its modules into MMAction2's registries
(and its atomic file backend into MMEngine's backend table). The only
change outside the package is the version-gated stub of the DRN module
that the mmaction2 1.2.0 wheel lacks (``utils/compat.py``); it must be in
place before anything imports ``mmaction.models``.
"""
import warnings as _warnings

with _warnings.catch_warnings():
    # mmcv-lite has no compiled ops, so the first import of
    # mmcv.cnn.bricks.transformer (which MMAction2 makes) warns that
    # MultiScaleDeformableAttention is missing; no skeleton model uses it.
    # The filter lives only for this import: the process's warning filters
    # are as they were afterwards.
    _warnings.filterwarnings(
        'ignore',
        message='Fail to import ``MultiScaleDeformableAttention``',
        category=UserWarning)
    import mmcv.cnn.bricks.transformer  # noqa: F401

from .utils.compat import stub_missing_drn as _stub_missing_drn  # noqa: E402

_stub_missing_drn()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__, version_info  # noqa: E402

__all__ = ['__version__', 'version_info']
