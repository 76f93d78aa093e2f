# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``_base_ = 'aclnet_mm::...'`` for our own tools.

MMEngine 0.10.7 resolves ``pkg::path`` only for the packages of its own
``MODULE2PACKAGE`` table, finds a package through its distribution's
location (which is site-packages, not the source tree, for a PEP 660
editable install), and gives every base of that package its own registry
scope, whereas our modules live in MMAction2's registries. It has no
extension point for any of the three. Importing ``aclnet_mm`` therefore
changes none of it; our tools load configs inside :func:`config_scope`,
which makes the three lookups work for ``aclnet_mm`` while the config is
read and restores MMEngine's own objects afterwards.

Configs meant for MMAction2's tools and ``mim train mmaction`` use the
pure-Python modules under ``aclnet_mm/configs`` instead
(``with read_base(): from aclnet_mm.configs... import *``), which MMEngine
reads without help from a regular install.
"""
import contextlib
import importlib.util
import os.path as osp
from typing import Iterator

from mmengine.config import Config
from mmengine.config import config as config_module
from mmengine.config import utils as config_utils

__all__ = ['config_scope', 'load_config']

_PACKAGE = 'aclnet_mm'


@contextlib.contextmanager
def config_scope() -> Iterator[None]:
    """Resolve ``aclnet_mm::`` bases and ``aclnet_mm.configs`` modules.

    Only inside the ``with`` block; nested use is fine.
    """
    original_path = config_module.get_installed_path
    original_cfg_path = Config.__dict__['_get_cfg_path']
    had_entry = _PACKAGE in config_utils.MODULE2PACKAGE

    def get_installed_path(package: str) -> str:
        if package == _PACKAGE:
            return osp.dirname(importlib.util.find_spec(_PACKAGE).origin)
        return original_path(package)

    def _get_cfg_path(cfg_path: str, filename: str):
        path, scope = original_cfg_path.__func__(cfg_path, filename)
        # Our modules are registered in MMAction2's registries.
        return path, 'mmaction' if scope == _PACKAGE else scope

    config_utils.MODULE2PACKAGE.setdefault(_PACKAGE, _PACKAGE)
    config_module.get_installed_path = get_installed_path
    Config._get_cfg_path = staticmethod(_get_cfg_path)
    try:
        yield
    finally:
        Config._get_cfg_path = original_cfg_path
        config_module.get_installed_path = original_path
        if not had_entry:
            config_utils.MODULE2PACKAGE.pop(_PACKAGE, None)


def load_config(filename: str) -> Config:
    """``Config.fromfile`` inside :func:`config_scope`."""
    with config_scope():
        return Config.fromfile(filename)
