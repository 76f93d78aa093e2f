# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The one shim ``import aclnet_mm`` applies outside the package.

The PyPI wheel of ``mmaction2==1.2.0`` cannot import ``mmaction.models``
(its ``localizers/__init__.py`` imports a ``drn`` folder that is not
packaged, open-mmlab/mmaction2#2714), and every skeleton model lives
there. Nothing else is changed outside the package: checkpoint writes,
checked auto-resume, safe loading and config inheritance go through
MMEngine's extension points (see ``README.md``, "Shims").
"""
import importlib.util
import os.path as osp
import sys
import types

__all__ = ['DRN_SHIM_VERSIONS', 'needs_drn_stub', 'stub_missing_drn']

#: MMAction2 releases whose wheel lacks ``models/localizers/drn``.
DRN_SHIM_VERSIONS = ('1.2.0', )

_DRN = 'mmaction.models.localizers.drn'


def _mmaction_version() -> str:
    # From the distribution's metadata: no import of mmaction needed.
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version('mmaction2')
    except PackageNotFoundError:
        return ''


def needs_drn_stub() -> bool:
    """Whether this MMAction2 install needs the DRN stub.

    True only for a release listed in :data:`DRN_SHIM_VERSIONS` whose
    install really lacks ``models/localizers/drn/drn.py``, and only while
    nothing else has provided the module.
    """
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None or _DRN in sys.modules:
        return False
    drn_file = osp.join(
        osp.dirname(spec.origin), 'models', 'localizers', 'drn', 'drn.py')
    return (not osp.exists(drn_file)
            and _mmaction_version() in DRN_SHIM_VERSIONS)


def stub_missing_drn() -> bool:
    """Stub ``mmaction.models.localizers.drn`` when the wheel lacks it.

    A placeholder module whose ``DRN`` raises on use is put into
    ``sys.modules``; DRN is a video grounding model that no skeleton
    pipeline needs. Version-gated by :func:`needs_drn_stub`.

    Returns:
        bool: Whether the stub was installed now.
    """
    if not needs_drn_stub():
        return False

    class DRN:
        """Placeholder for the DRN localizer missing from the wheel."""

        def __init__(self, *args, **kwargs) -> None:
            raise ImportError(
                'DRN is not shipped in the mmaction2 1.2.0 wheel '
                '(open-mmlab/mmaction2#2714); aclnet_mm stubbed it out. '
                'Install mmaction2 from source to use DRN.')

    package = types.ModuleType(_DRN)
    package.__path__ = []  # a package, so that ``.drn.drn`` resolves
    module = types.ModuleType(_DRN + '.drn')
    module.DRN = DRN
    package.drn = module
    package.DRN = DRN
    sys.modules[_DRN] = package
    sys.modules[_DRN + '.drn'] = module
    return True
