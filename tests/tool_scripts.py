# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Import the scripts under ``tools/`` by path, for tests.

``tools/`` is not a package (as in MMAction2), so tests reach its scripts'
functions through :func:`load_tool`. Loading the root ``conftest.py``
puts this folder on ``sys.path`` (pytest's default ``prepend`` import
mode), so every test module can ``from tool_scripts import load_tool``.
"""
import importlib.util
import os.path as osp
import sys
from types import ModuleType

__all__ = ['REPO_ROOT', 'load_tool']

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(path: str) -> ModuleType:
    """The module of the script ``tools/<path>``, imported once.

    Args:
        path (str): Path under ``tools/``, e.g. ``'data/synthetic.py'``.

    Returns:
        ModuleType: The module; its ``if __name__ == '__main__'`` block
        does not run.
    """
    file = osp.join(REPO_ROOT, 'tools', path)
    name = 'aclnet_tools.' + osp.splitext(path)[0].replace('/', '.')
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None:
        raise FileNotFoundError(f'no tool script {file}')
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs, as an import would: pickling and
    # dataclasses look the module up by name.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
