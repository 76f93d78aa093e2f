# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import hooks  # noqa: F401

__all__ = ['hooks']
