# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import atomic_checkpoint, checkpoint_loading, compat
from .host_read_counter import HostReadCounter

__all__ = [
    'atomic_checkpoint', 'checkpoint_loading', 'compat', 'HostReadCounter'
]
