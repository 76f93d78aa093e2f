# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import atomic_checkpoint, compat

__all__ = ['atomic_checkpoint', 'compat']
