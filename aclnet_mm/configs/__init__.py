# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Our configs: class-typed MMEngine configs, installed with the package.

``configs/`` at the top of the repository is a link to this folder. Train
one with ``mim train mmaction configs/aclnet_ctrgcn_ntu60.py``, MMAction2's
``tools/train.py`` or ours: the config is the whole experiment, so all
three run the same one. Inherit one from a config anywhere, after
``pip install -e .`` or a regular install::

    from mmengine.config import read_base

    with read_base():
        from aclnet_mm.configs.aclnet_ctrgcn_ntu60 import *

Layout: ``_base_/`` holds the fragments (``default_runtime``,
``aclnet_hooks``, ``paper_protocol``, ``schedules/``, ``models/``,
``datasets/``); ``aclnet/``, ``ascal/``, ``gait/`` and ``reid/`` the configs
to train. The modules are read by MMEngine's config parser, not imported.
"""
