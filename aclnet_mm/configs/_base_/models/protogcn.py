# Copyright (c) aclnet-mm contributors. All rights reserved.
# ProtoGCN (Liu et al., CVPR 2025) at the authors' settings, for NTU RGB+D 60
# (25 joints, 60 classes), joint stream: ACLGCN's trunk (width 96, 10
# stages, 8 learnable random-init subsets, gcn_ratio 0.125, so the last
# topology is 8 * 48 = 384 channels wide, the feature width), prototype
# reconstruction (dropout 0.1) and the class-prototype contrastive loss
# (projection 256, temperature 0.125, momentum 0.9, threshold 0).
# faithful=True keeps the authors' quirks (see
# docs/advanced_guides/protogcn_method.md). Inherits nothing; benchmark
# configs change classes, joints and channels, and each stream takes its
# row of `proto_settings`.
from mmaction.models import RecognizerGCN

from aclnet_mm.models import (ClassPrototypeContrastiveLoss, ProtoGCN,
                              ProtoGCNHead)

# The authors' per-stream values, the same in all six of their benchmarks:
# stream -> (num_prototype, loss_proto_weight). Configs read their row with
# `proto_settings[stream]`.
proto_settings = dict(
    j=(400, 0.2),
    jm=(400, 0.2),
    b=(100, 0.3),
    bm=(100, 0.3),
    k=(100, 0.1),
    km=(100, 0.1))
faithful = True

model = dict(
    type=RecognizerGCN,
    backbone=dict(
        type=ProtoGCN,
        in_channels=3,
        graph_cfg=dict(layout='nturgb+d'),
        base_channels=96,
        num_stages=10,
        num_subsets=8,
        gcn_ratio=0.125,
        num_prototype=proto_settings['j'][0],
        prn_dropout=0.1,
        faithful=faithful),
    cls_head=dict(
        type=ProtoGCNHead,
        num_classes=60,
        in_channels=384,
        num_nodes=25,
        faithful=faithful,
        loss_proto=dict(
            type=ClassPrototypeContrastiveLoss,
            proj_channels=256,
            temperature=0.125,
            momentum=0.9,
            pred_threshold=0.),
        loss_proto_weight=proto_settings['j'][1]))

# ProtoGCN trains without hooks of its own (no superclass statistics, no
# schedules); the list exists so that recipes can append to it, e.g. the
# paper protocol's `custom_hooks += paper_hooks`.
custom_hooks = []
