# Copyright (c) aclnet-mm contributors. All rights reserved.
# ProtoGCN, NTU RGB+D 60, cross-view, joint motion stream; training
# augmentation: rotation; the authors' 400 prototypes and loss weight 0.2.
# Inherits protogcn_1xb16_joint_u100_150e_ntu60_xview_keypoint_3d.py (same
# data set, model and schedule) and changes the stream.
from mmengine.config import read_base

with read_base():
    from .protogcn_1xb16_joint_u100_150e_ntu60_xview_keypoint_3d import *  # noqa: F401,F403,E501

from aclnet_mm.datasets import GenSkeletonStreams

stream = 'jm'
gen = [dict(type=GenSkeletonStreams, layout=layout, feats=(stream, ))]
train_pipeline = train_head + augments[stream] + to_layout + gen + train_tail
val_pipeline = val_head + to_layout + gen + val_tail
test_pipeline = test_head + to_layout + gen + test_tail
train_dataloader.dataset.pipeline = train_pipeline
val_dataloader.dataset.pipeline = val_pipeline
test_dataloader.dataset.pipeline = test_pipeline
model.backbone.update(num_prototype=proto_settings[stream][0])
model.cls_head.update(loss_proto_weight=proto_settings[stream][1])
