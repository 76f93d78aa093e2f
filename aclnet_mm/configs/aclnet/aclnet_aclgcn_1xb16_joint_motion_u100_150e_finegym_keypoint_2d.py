# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet (ACLGCN), FineGYM (HRNet 2D), joint motion stream; training
# augmentation: 2D flip.
# Inherits aclnet_aclgcn_1xb16_joint_u100_150e_finegym_keypoint_2d.py
# (same data set, model, schedule and hooks) and changes the stream.
from mmengine.config import read_base

with read_base():
    from .aclnet_aclgcn_1xb16_joint_u100_150e_finegym_keypoint_2d import *  # noqa: F401,F403,E501

from aclnet_mm.datasets import GenSkeletonStreams

stream = 'jm'
gen = [dict(type=GenSkeletonStreams, layout=layout, feats=(stream, ))]
train_pipeline = train_head + augments[stream] + to_layout + gen + train_tail
val_pipeline = val_head + to_layout + gen + val_tail
test_pipeline = test_head + to_layout + gen + test_tail
train_dataloader.dataset.pipeline = train_pipeline
val_dataloader.dataset.pipeline = val_pipeline
test_dataloader.dataset.pipeline = test_pipeline
