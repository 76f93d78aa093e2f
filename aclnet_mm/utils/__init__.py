# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import compat

__all__ = ['compat']
