# Copyright (c) aclnet-mm contributors. All rights reserved.
# NTU RGB+D 60, cross-view, 3D skeletons (ntu60_3d.pkl): the NTU60 X-Sub
# recipe (see ntu60_xsub_3d.py: preparation, carved validation split of 5 %
# of 'xview_train' by whole performers, 'xview_val' for testing only) with
# the reference's X-View augmentations.
_base_ = './ntu60_xsub_3d.py'

train_split = 'xview_train'
test_split = 'xview_val'
carve_cfg = dict(
    split=train_split, val_ratio=0.05, seed=0, group_by='ntu_performer')
layout = 'nturgb+d'
stream = 'j'

rotate = dict(type='RandomSkeletonRotate', theta=0.2)
part_drop = dict(type='SkeletonPartDrop', layout=layout, drop_ratio=0.2)
augments = dict(
    j=[rotate],
    b=[rotate],
    k=[rotate, part_drop],
    jm=[rotate],
    bm=[rotate],
    km=[rotate, part_drop],
)
gen = [dict(type='GenSkeletonStreams', layout=layout, feats=(stream, ))]
train_pipeline = (
    _base_.train_head + augments[stream] + _base_.to_layout + gen +
    _base_.train_tail)

train_dataloader = dict(dataset=dict(pipeline=train_pipeline, **carve_cfg))
val_dataloader = dict(dataset=dict(**carve_cfg))
test_dataloader = dict(dataset=dict(split=test_split))
