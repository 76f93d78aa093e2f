# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet (ACLGCN), PKU-MMD (phase 1), cross-subject, K-bone motion stream;
# training augmentation: rotation + part drop.
_base_ = './aclnet_aclgcn_1xb16-joint-u50-150e_pkummd-xsub-keypoint-3d.py'

stream = 'km'
gen = [dict(type='GenSkeletonStreams', layout=_base_.layout, feats=(stream, ))]
train_pipeline = (
    _base_.train_head + _base_.augments[stream] + _base_.to_layout + gen +
    _base_.train_tail)
val_pipeline = _base_.val_head + _base_.to_layout + gen + _base_.val_tail
test_pipeline = _base_.test_head + _base_.to_layout + gen + _base_.test_tail
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
