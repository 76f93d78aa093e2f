# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet on the embedded real dataset (20 classes): the demo's main job.
# Same backbone, data and budget as the CE baseline beside it, plus the two
# contrastive losses on the last block's learned topology. The reference
# values are scaled to 20 classes and 30 epochs: confusion statistics from
# epoch 6 (reference 30 of 150), 4 neighbours with overlap 2 (reference 10
# and 5 of 60 classes), temperature buckets at 4 / 8 classes, queue 256.
# Pure-Python twin of configs/aclnet/aclnet_aclgcn_1xb16-joint-u24-30e_
# body25-embedded-keypoint-2d.py.
from mmengine.config import read_base

with read_base():
    from .aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa: F401,F403,E501

num_classes = 20
model.backbone.update(with_topology=True)  # noqa: F405
model.cls_head = dict(  # noqa: F405
    type='ACLNetHead',
    num_classes=num_classes,
    in_channels=64,
    feature_source='topology',
    loss_inter=dict(
        type='AffinityContrastiveLoss',
        num_neighbors=4,
        overlap_thr=2,
        size_thresholds=(4, 8),
        temperature_policy=dict(type='StepTemperature')),
    loss_intra=dict(type='MarginContrastiveLoss', queue_size=256),
    loss_inter_weight=0.1,
    loss_intra_weight=0.1)

custom_hooks = [
    # Class names come from the pickle's "classes" (dataset metainfo).
    dict(type='SuperclassRefreshHook', start_epoch=6, interval=1),
    dict(type='TemperatureScheduleHook'),
]
