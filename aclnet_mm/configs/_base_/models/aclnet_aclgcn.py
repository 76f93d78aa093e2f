# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet's reference network (DG-STGCN-style GCN, 96 -> 384 channels,
# 8 learnable random-init subsets) with both contrastive losses on the last
# block's learned topology, for NTU RGB+D 60 (25 joints, 60 classes). The
# authors' values, stated: 10 neighbours, overlap above 4 (overlap_thr=5),
# temperature buckets at superclass sizes 10 / 20 with temperatures
# 0.1 / 0.5 / 1.0 (step function), queue 512, both weights 0.1.
# Inherits nothing; benchmark configs change classes, joints and queue.
from mmaction.models import RecognizerGCN

from aclnet_mm.models import (ACLGCN, ACLNetHead, AffinityContrastiveLoss,
                              MarginContrastiveLoss, StepTemperature)

model = dict(
    type=RecognizerGCN,
    backbone=dict(
        type=ACLGCN,
        in_channels=3,
        graph_cfg=dict(layout='nturgb+d'),
        num_subsets=8,
        with_topology=True),
    cls_head=dict(
        type=ACLNetHead,
        num_classes=60,
        in_channels=384,
        num_nodes=25,
        feature_source='topology',
        loss_inter=dict(
            type=AffinityContrastiveLoss,
            num_neighbors=10,
            overlap_thr=5,
            size_thresholds=(10, 20),
            temperatures=(0.1, 0.5, 1.0),
            temperature_policy=dict(type=StepTemperature)),
        loss_intra=dict(
            type=MarginContrastiveLoss,
            queue_size=512,
            temperature=0.1,
            margin=0.1),
        loss_inter_weight=0.1,
        loss_intra_weight=0.1))
