# Copyright (c) aclnet-mm contributors. All rights reserved.
# Runtime shared by every aclnet-mm config (configs/_base_/default_runtime.py
# as a pure-Python module). `runner_type` is a class here: resolving it
# imports aclnet_mm before the Runner builds anything.
from aclnet_mm.engine.runner import SafeCheckpointRunner

default_scope = 'mmaction'

custom_imports = dict(imports=['aclnet_mm'], allow_failed_imports=False)

# Checked auto-resume, safe checkpoint loading and plain-data checkpoints.
runner_type = SafeCheckpointRunner

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Atomic, fsynced checkpoint files (aclnet_mm/utils/atomic_checkpoint).
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        save_best='auto',
        max_keep_ckpts=3,
        backend_args=dict(backend='aclnet_atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # The training entry points switch to gloo when launched with
    # ``--launcher pytorch`` on a machine without CUDA.
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
