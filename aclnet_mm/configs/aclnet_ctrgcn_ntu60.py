# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet on CTR-GCN, NTU RGB+D 60 cross-subject, joint stream: the entry
# config (pure-Python twin of configs/aclnet_ctrgcn_ntu60.py). Reference
# hyper-parameters (ACLNet code): SGD Nesterov lr 0.025 at batch 16, weight
# decay 5e-4, per-iteration cosine over 150 epochs, queue 512, confusion
# statistics from epoch 30 and the inter-class loss from 31.
from mmengine.config import read_base

with read_base():
    from ._base_.datasets.ntu60_xsub_3d import *  # noqa: F401,F403
    from ._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.models.aclnet_ctrgcn import *  # noqa: F401,F403
    from ._base_.schedules.sgd_nesterov_cosine_150e import *  # noqa: F401,F403

custom_hooks = [
    dict(type='SuperclassRefreshHook', start_epoch=30, interval=1),
    dict(type='TemperatureScheduleHook'),
]

# Inactive auxiliary losses return an in-graph zero, so DDP needs no
# unused-parameter search.
find_unused_parameters = False
