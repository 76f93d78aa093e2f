# Copyright (c) aclnet-mm contributors. All rights reserved.
# Runtime shared by every aclnet-mm config: MMAction2's default runtime plus
# the checked runner, atomic checkpoints, pre-emption, the stop on a
# non-finite loss, the schedule check on resume and the CPU thread count.
# Inherits nothing.
#
# `runner_type` is a class: resolving it imports aclnet_mm (module
# registration) before the Runner builds anything, whichever entry point
# reads the config (MMAction2's tools/train.py, `mim train mmaction`, ours).
from mmaction.visualization import ActionVisualizer
from mmengine.hooks import (CheckpointHook, DistSamplerSeedHook, IterTimerHook,
                            LoggerHook, ParamSchedulerHook, RuntimeInfoHook,
                            SyncBuffersHook)
from mmengine.runner import LogProcessor
from mmengine.visualization import LocalVisBackend

from aclnet_mm.engine import (CpuThreadsHook, NonFiniteLossHook,
                              PreemptionHook, ResumeScheduleHook,
                              SafeCheckpointRunner)

default_scope = 'mmaction'

# Checked auto-resume, safe checkpoint loading and plain-data checkpoints.
runner_type = SafeCheckpointRunner

default_hooks = dict(
    runtime_info=dict(type=RuntimeInfoHook),
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=20, ignore_last=False),
    param_scheduler=dict(type=ParamSchedulerHook),
    # Atomic, fsynced checkpoint files (the 'aclnet_atomic_local' backend).
    checkpoint=dict(
        type=CheckpointHook,
        interval=1,
        save_best='auto',
        max_keep_ckpts=3,
        backend_args=dict(backend='aclnet_atomic_local')),
    sampler_seed=dict(type=DistSamplerSeedHook),
    sync_buffers=dict(type=SyncBuffersHook),
    # SIGTERM / SIGUSR1 (scheduler pre-emption, time limit): save an
    # iteration checkpoint and exit with 75 to be requeued.
    preemption=dict(type=PreemptionHook),
    # Stop at the first NaN / inf loss, naming the batch's samples
    # (mode='skip' with FiniteLossOptimWrapper skips such steps instead).
    non_finite_loss=dict(type=NonFiniteLossHook, mode='raise'),
    # Resuming with a changed schedule (e.g. more epochs) rebuilds it
    # instead of silently keeping the checkpoint's; a no-op otherwise.
    resume_schedule=dict(type=ResumeScheduleHook, mode='rebuild'),
    # CPU runs: torch's intra-op threads = usable cores // processes on the
    # machine - dataloader workers (at least 1), unless OMP_NUM_THREADS is
    # set; GPU runs only log it.
    cpu_threads=dict(type=CpuThreadsHook, num_threads='auto'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type=LogProcessor, window_size=20, by_epoch=True)

vis_backends = [dict(type=LocalVisBackend)]
visualizer = dict(type=ActionVisualizer, vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
