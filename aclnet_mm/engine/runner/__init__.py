# Copyright (c) aclnet-mm contributors. All rights reserved.
from .resumable_loop import (EPOCH_ITER_KEY, RANK_STATES_KEY, SAMPLER_SEED_KEY,
                             ResumableEpochBasedTrainLoop, iters_done_in_epoch)
from .safe_checkpoint_runner import SafeCheckpointRunner

__all__ = [
    'SafeCheckpointRunner', 'ResumableEpochBasedTrainLoop',
    'iters_done_in_epoch', 'EPOCH_ITER_KEY', 'RANK_STATES_KEY',
    'SAMPLER_SEED_KEY'
]
