# Copyright (c) aclnet-mm contributors. All rights reserved.
from .safe_checkpoint_runner import SafeCheckpointRunner

__all__ = ['SafeCheckpointRunner']
