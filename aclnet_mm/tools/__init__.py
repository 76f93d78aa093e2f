# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Command-line tools: ``python -m aclnet_mm.tools.{train,test,ensemble}``.

``tools/*.py`` at the repository root are thin wrappers around these.
"""
from .launch import build_runner, setup_cpu_distributed

__all__ = ['build_runner', 'setup_cpu_distributed']
