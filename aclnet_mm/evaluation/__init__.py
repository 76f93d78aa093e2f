# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import functional, metrics  # noqa: F401

__all__ = ['functional', 'metrics']
