# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import atomic_checkpoint, checkpoint_loading, compat

__all__ = ['atomic_checkpoint', 'checkpoint_loading', 'compat']
