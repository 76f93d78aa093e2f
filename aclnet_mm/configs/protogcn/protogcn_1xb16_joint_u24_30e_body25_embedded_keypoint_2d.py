# Copyright (c) aclnet-mm contributors. All rights reserved.
# ProtoGCN on the embedded real dataset (20 classes, 25 joints). Same
# narrowed trunk, data and budget as the CE baseline it inherits
# (../aclnet/aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py), so
# CE, ACLNet and ProtoGCN compare under one recipe. Added, taken from
# _base_/models/protogcn.py: the prototype reconstruction on the last
# block's topology and the class-prototype contrastive loss, at the
# authors' values for a joint stream: 400 prototypes, loss weight 0.2 (their
# bone streams use 100 / 0.3, K-bone streams 100 / 0.1: `proto_settings`),
# dropout 0.1, projection 256, temperature 0.125, momentum 0.9, threshold 0.
# faithful=True: the authors' behaviour, incl. the prototype memory's random
# start (see docs/advanced_guides/protogcn_method.md).
from mmengine.config import read_base

with read_base():
    from .._base_.models.protogcn import model as protogcn_model
    from .._base_.models.protogcn import proto_settings
    from ..aclnet.aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa: F401,F403,E501

# The fragment's ProtoGCN parts on the CE baseline's narrowed trunk, at the
# joint stream's row of `proto_settings`.
model.backbone.update(
    type=protogcn_model.backbone.type,
    num_prototype=proto_settings['j'][0],
    prn_dropout=protogcn_model.backbone.prn_dropout,
    faithful=protogcn_model.backbone.faithful)
model.cls_head = protogcn_model.cls_head
model.cls_head.update(
    num_classes=20,
    in_channels=64,
    num_nodes=25,
    loss_proto_weight=proto_settings['j'][1])
del protogcn_model
