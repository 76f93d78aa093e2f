# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet (ACLGCN), FineGYM (HRNet 2D), bone stream; training augmentation: 2D
# flip. Reference top-1: 94.81.
_base_ = './aclnet_aclgcn_1xb16-joint-u100-150e_finegym-keypoint-2d.py'

stream = 'b'
gen = [dict(type='GenSkeletonStreams', layout=_base_.layout, feats=(stream, ))]
train_pipeline = (
    _base_.train_head + _base_.augments[stream] + _base_.to_layout + gen +
    _base_.train_tail)
val_pipeline = _base_.val_head + _base_.to_layout + gen + _base_.val_tail
test_pipeline = _base_.test_head + _base_.to_layout + gen + _base_.test_tail
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
