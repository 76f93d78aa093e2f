# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import atomic_checkpoint, compat, rng_state

__all__ = ['atomic_checkpoint', 'compat', 'rng_state']
