# Copyright (c) aclnet-mm contributors. All rights reserved.
# CE-only baseline for the demo: ACLGCN (narrowed to run on a laptop CPU)
# with a plain GCNHead, same data and budget as the ACLNet config beside it.
# Pure-Python twin of configs/aclnet/aclgcn_1xb16-joint-u24-30e_body25-
# embedded-keypoint-2d.py.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.embedded_body25_2d_joint import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.schedules.sgd_nesterov_cosine_150e import *  # noqa: F401,F403,E501

max_epochs = 30
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='ACLGCN',
        graph_cfg=dict(layout='openpose_body25'),
        base_channels=16,
        num_person=1),
    cls_head=dict(type='GCNHead', num_classes=20, in_channels=64))

train_cfg.update(max_epochs=max_epochs, val_interval=5)  # noqa: F405
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0,
        T_max=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
optim_wrapper.update(optimizer=dict(lr=0.05))  # noqa: F405
default_hooks.update(  # noqa: F405
    logger=dict(interval=10),
    checkpoint=dict(interval=5, save_best=None, max_keep_ckpts=1))
# Deterministic algorithms: the same command prints the same figures.
randomness = dict(seed=0, deterministic=True)
