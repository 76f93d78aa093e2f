# Copyright (c) aclnet-mm contributors. All rights reserved.
# Ablation on the embedded data (tools/ablation.py, docs/ablation.md):
# ACLNet with the continuous (piecewise-linear) temperature schedule instead
# of the reference step function; everything else is the demo's ACLNet.
_base_ = '../aclnet_aclgcn_1xb16-joint-u24-30e_body25-embedded-keypoint-2d.py'

custom_hooks = [
    dict(
        type='SuperclassRefreshHook',
        start_epoch=6,
        interval=1,
        class_names='data/embedded/body25_2d_classes.txt'),
    dict(
        type='TemperatureScheduleHook',
        policy='linear',
        size_thresholds=(4, 8)),
]
