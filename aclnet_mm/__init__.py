# Copyright (c) aclnet-mm contributors. All rights reserved.
"""aclnet-mm: contrastive skeleton action learning for MMAction2 1.x.

Importing the package registers its modules into MMAction2's registries
(and its atomic file backend into MMEngine's backend table). The only
change outside the package is the version-gated stub of the DRN module
that the mmaction2 1.2.0 wheel lacks (``utils/compat.py``); it must be in
place before anything imports ``mmaction.models``.
"""
from .utils.compat import stub_missing_drn as _stub_missing_drn

_stub_missing_drn()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__, version_info  # noqa: E402

__all__ = ['__version__', 'version_info']
