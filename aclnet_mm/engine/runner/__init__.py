# Copyright (c) aclnet-mm contributors. All rights reserved.
from .launch import (build_runner, quiet_other_ranks, set_local_rank,
                     set_work_dir, setup_cpu_distributed, slurm_to_torch_env)
from .resumable_loop import (EPOCH_ITER_KEY, RANK_STATES_KEY, SAMPLER_SEED_KEY,
                             ResumableEpochBasedTrainLoop, iters_done_in_epoch)
from .safe_checkpoint_runner import SafeCheckpointRunner

__all__ = [
    'SafeCheckpointRunner', 'ResumableEpochBasedTrainLoop',
    'iters_done_in_epoch', 'EPOCH_ITER_KEY', 'RANK_STATES_KEY',
    'SAMPLER_SEED_KEY', 'build_runner', 'setup_cpu_distributed',
    'slurm_to_torch_env', 'set_local_rank', 'set_work_dir', 'quiet_other_ranks'
]
