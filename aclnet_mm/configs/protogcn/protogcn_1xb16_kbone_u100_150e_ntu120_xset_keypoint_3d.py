# Copyright (c) aclnet-mm contributors. All rights reserved.
# ProtoGCN, NTU RGB+D 120, cross-setup, K-bone stream; training
# augmentation: rotation + flip; the authors' 100 prototypes and loss weight
# 0.1. Reference top-1: 89.65. Inherits
# protogcn_1xb16_joint_u100_150e_ntu120_xset_keypoint_3d.py (same data set,
# model and schedule) and changes the stream.
from mmengine.config import read_base

with read_base():
    from .protogcn_1xb16_joint_u100_150e_ntu120_xset_keypoint_3d import *  # noqa: F401,F403,E501

from aclnet_mm.datasets import GenSkeletonStreams

stream = 'k'
gen = [dict(type=GenSkeletonStreams, layout=layout, feats=(stream, ))]
train_pipeline = train_head + augments[stream] + to_layout + gen + train_tail
val_pipeline = val_head + to_layout + gen + val_tail
test_pipeline = test_head + to_layout + gen + test_tail
train_dataloader.dataset.pipeline = train_pipeline
val_dataloader.dataset.pipeline = val_pipeline
test_dataloader.dataset.pipeline = test_pipeline
model.backbone.update(num_prototype=proto_settings[stream][0])
model.cls_head.update(loss_proto_weight=proto_settings[stream][1])
