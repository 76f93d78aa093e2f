# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import atomic_checkpoint, checkpoint_loading, compat, rng_state
from .config_types import is_config_of, resolve_type
from .host_read_counter import HostReadCounter

__all__ = [
    'atomic_checkpoint', 'checkpoint_loading', 'compat', 'rng_state',
    'HostReadCounter', 'is_config_of', 'resolve_type'
]
