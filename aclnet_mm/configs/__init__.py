# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Our configs as pure-Python modules of the installed package.

Inherit them from a config anywhere, in MMEngine's ``read_base`` style::

    from mmengine.config import read_base

    with read_base():
        from aclnet_mm.configs.aclnet_ctrgcn_ntu60 import *

and train with ``mim train mmaction CONFIG`` or MMAction2's own
``tools/train.py``: no prior import and no ``PYTHONPATH`` are needed. The
runtime's ``runner_type`` imports aclnet_mm (module registration, the DRN
stub) before the Runner builds anything; ``custom_imports`` does that for
text configs, but MMEngine ignores it in pure-Python ones.

These modules mirror the text configs under ``configs/`` (same values;
``tests/configs/test_package_configs.py`` checks that they agree).
"""
