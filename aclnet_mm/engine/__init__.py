# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import hooks, optim_wrappers, runner  # noqa: F401

__all__ = ['hooks', 'optim_wrappers', 'runner']
