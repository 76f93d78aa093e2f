# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import metrics  # noqa: F401

__all__ = ['metrics']
