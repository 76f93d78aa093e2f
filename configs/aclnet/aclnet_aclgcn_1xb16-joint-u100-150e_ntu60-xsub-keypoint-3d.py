# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet on its reference network (ACLGCN), NTU RGB+D 60, cross-subject,
# joint stream, training augmentation: rotation. The recipe of every stream
# of this data set: the other streams inherit this file and change
# ``stream``. Reference (ACLNet README, 10-clip test, checkpoint picked on
# the test split): 91.44 top-1. See docs/benchmarks.md.
_base_ = [
    '../_base_/models/aclnet_aclgcn.py',
    '../_base_/datasets/ntu60_xsub_3d.py',
    '../_base_/schedules/sgd_nesterov_cosine_150e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(in_channels=3, graph_cfg=dict(layout='nturgb+d')),
    cls_head=dict(
        num_classes=60, num_nodes=25, loss_intra=dict(queue_size=512)))

# Confusion statistics from epoch 30, the inter-class loss from epoch 31,
# superclasses rebuilt at each epoch start; step temperature schedule.
custom_hooks = [
    dict(type='SuperclassRefreshHook', start_epoch=30, interval=1),
    dict(type='TemperatureScheduleHook'),
]
# Best top-1 on the carved validation split (not on the test split).
default_hooks = dict(
    checkpoint=dict(save_best='acc/top1', rule='greater', max_keep_ckpts=1))
find_unused_parameters = False
