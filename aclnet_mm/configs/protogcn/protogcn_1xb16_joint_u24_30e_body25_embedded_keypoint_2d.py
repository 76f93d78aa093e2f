# Copyright (c) aclnet-mm contributors. All rights reserved.
# ProtoGCN on the embedded real dataset (20 classes, 25 joints). Same
# narrowed trunk, data and budget as the CE baseline it inherits
# (../aclnet/aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py), so
# CE, ACLNet and ProtoGCN compare under one recipe. Added: the prototype
# reconstruction on the last block's topology and the class-prototype
# contrastive loss, at the authors' values for a joint stream: 400
# prototypes, loss weight 0.2 (their bone streams use 100 / 0.3, K-bone
# streams 100 / 0.1: `proto_settings` in _base_/models/protogcn.py), dropout
# 0.1, projection 256, temperature 0.125, momentum 0.9, threshold 0.
# faithful=True: the authors' behaviour, incl. the prototype memory's random
# start (see docs/advanced_guides/protogcn_method.md).
from mmengine.config import read_base

with read_base():
    from ..aclnet.aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa: F401,F403,E501

from aclnet_mm.models import (ClassPrototypeContrastiveLoss, ProtoGCN,
                              ProtoGCNHead)

faithful = True
model.backbone.update(
    type=ProtoGCN, num_prototype=400, prn_dropout=0.1, faithful=faithful)
model.cls_head = dict(
    type=ProtoGCNHead,
    num_classes=20,
    in_channels=64,
    num_nodes=25,
    faithful=faithful,
    loss_proto=dict(
        type=ClassPrototypeContrastiveLoss,
        proj_channels=256,
        temperature=0.125,
        momentum=0.9,
        pred_threshold=0.),
    loss_proto_weight=0.2)
