# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import transforms  # noqa: F401

__all__ = ['transforms']
