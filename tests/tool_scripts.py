# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Import the command-line scripts of ``tools/`` in tests.

The scripts are not a package (as in MMAction2); a test loads one by its
path, ``load_tool('train')`` or ``load_tool('deployment/export_onnx')``, and
calls its functions, or runs it as a subprocess (``tests/tools/conftest.py``
``run_tool``).
"""
import importlib.util
import os.path as osp
import sys
from types import ModuleType

__all__ = ['REPO_ROOT', 'load_tool']

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(name: str) -> ModuleType:
    """The module of ``tools/<name>.py``, loaded once per session.

    Args:
        name (str): The script's path under ``tools/`` without ``.py``.

    Returns:
        ModuleType: The script as a module (registered in ``sys.modules``
        under ``tools_<name>``, so that what it defines pickles).
    """
    module_name = 'tools_' + name.replace('/', '_')
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = osp.join(REPO_ROOT, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
