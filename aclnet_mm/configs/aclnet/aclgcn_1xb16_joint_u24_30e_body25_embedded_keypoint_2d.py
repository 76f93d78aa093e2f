# Copyright (c) aclnet-mm contributors. All rights reserved.
# CE-only baseline for the demo: ACLGCN (narrowed to run on a laptop CPU)
# with a plain GCNHead on the embedded data (20 classes, 24-frame clips),
# 30 epochs, same data and budget as the ACLNet config beside it.
# Inherits: _base_/datasets/embedded_body25_2d_joint.py, _base_/default_
# runtime.py, _base_/schedules/sgd_nesterov_cosine_150e.py (shortened here).
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.embedded_body25_2d_joint import *  # noqa: F401,F403,E501
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.schedules.sgd_nesterov_cosine_150e import *  # noqa: F401,F403,E501

from mmaction.models import GCNHead, RecognizerGCN
from mmengine.optim import CosineAnnealingLR

from aclnet_mm.models import ACLGCN

max_epochs = 30
model = dict(
    type=RecognizerGCN,
    backbone=dict(
        type=ACLGCN,
        in_channels=3,
        graph_cfg=dict(layout='openpose_body25'),
        base_channels=16,
        num_person=1),
    cls_head=dict(type=GCNHead, num_classes=20, in_channels=64))

train_cfg.update(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(
        type=CosineAnnealingLR,
        eta_min=0,
        T_max=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
optim_wrapper.optimizer.update(lr=0.05)
default_hooks.logger.update(interval=10)
default_hooks.checkpoint.update(interval=5, save_best=None, max_keep_ckpts=1)
# Deterministic algorithms: the same command prints the same figures.
randomness = dict(seed=0, deterministic=True)
