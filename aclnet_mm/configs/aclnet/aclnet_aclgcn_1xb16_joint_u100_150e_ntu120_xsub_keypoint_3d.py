# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet on its reference network (ACLGCN), NTU RGB+D 120, cross-subject,
# joint stream, training augmentation: rotation + flip. The recipe of every
# stream of this data set: the other streams inherit this file and change
# ``stream``. Reference (ACLNet README, 10-clip test, checkpoint picked on
# the test split): 85.39 top-1. See docs/advanced_guides/benchmark.md.
# Inherits: _base_/models/aclnet_aclgcn.py, _base_/datasets/ntu120_xsub_3d.py,
# _base_/schedules/sgd_nesterov_cosine_150e.py, _base_/default_runtime.py,
# _base_/aclnet_hooks.py; states the authors' ACLNet values for this
# data set below.
from mmengine.config import read_base

with read_base():
    from .._base_.aclnet_hooks import *  # noqa: F401,F403
    from .._base_.datasets.ntu120_xsub_3d import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.aclnet_aclgcn import *  # noqa: F401,F403
    from .._base_.schedules.sgd_nesterov_cosine_150e import *  # noqa: F401,F403,E501

# The data set's classes, layout (25 joints) and channels; the authors'
# ACLNet values: 10 neighbours, overlap above 4, temperature buckets
# 10 / 20 with 0.1 / 0.5 / 1.0, queue 1024, statistics from epoch 30.
model.backbone.update(in_channels=in_channels, graph_cfg=dict(layout=layout))
model.cls_head.update(num_classes=num_classes, num_nodes=25)
model.cls_head.loss_inter.update(
    num_neighbors=10,
    overlap_thr=5,
    size_thresholds=(10, 20),
    temperatures=(0.1, 0.5, 1.0))
model.cls_head.loss_intra.update(queue_size=1024)
custom_hooks[1].update(start_epoch=30)  # SuperclassRefreshHook

# Best top-1 on the carved validation split (not on the test split).
default_hooks.checkpoint.update(
    save_best='acc/top1', rule='greater', max_keep_ckpts=1)
