# Copyright (c) aclnet-mm contributors. All rights reserved.
# CTR-GCN trained with ACLNet's losses on NTU RGB+D 60 (25 joints, 60
# classes). The contrastive features are the last block's learned topology
# (V * V values per sample). ACLNet's values, stated: 10 neighbours, overlap
# above 4, buckets 10 / 20, temperatures 0.1 / 0.5 / 1.0, queue 512.
# Inherits nothing.
from mmaction.models import RecognizerGCN

from aclnet_mm.models import (CTRGCN, ACLNetHead, AffinityContrastiveLoss,
                              MarginContrastiveLoss, StepTemperature)

model = dict(
    type=RecognizerGCN,
    backbone=dict(
        type=CTRGCN,
        in_channels=3,
        graph_cfg=dict(layout='nturgb+d', mode='spatial'),
        with_topology=True),
    cls_head=dict(
        type=ACLNetHead,
        num_classes=60,
        in_channels=256,
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
