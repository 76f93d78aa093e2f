# Copyright (c) aclnet-mm contributors. All rights reserved.
# NTU RGB+D 120, cross-subject, 3D skeletons (ntu120_3d.pkl): the NTU60
# X-Sub recipe (see ntu60_xsub_3d.py: preparation, carved validation split
# of 5 % of 'xsub_train' by whole performers, 'xsub_val' for testing only)
# with the reference's NTU120 X-Sub augmentations.
_base_ = './ntu60_xsub_3d.py'

ann_file = 'data/skeleton/ntu120_3d.pkl'
num_classes = 120
layout = 'nturgb+d'
stream = 'j'

rotate = dict(type='RandomSkeletonRotate', theta=0.2)
flip = dict(type='SkeletonFlip', layout=layout, flip_ratio=0.5)
part_drop = dict(type='SkeletonPartDrop', layout=layout, drop_ratio=0.2)
augments = dict(
    j=[rotate, flip],
    b=[rotate, flip],
    k=[rotate, part_drop],
    jm=[rotate, flip],
    bm=[rotate, flip],
    km=[rotate, part_drop],
)
gen = [dict(type='GenSkeletonStreams', layout=layout, feats=(stream, ))]
train_pipeline = (
    _base_.train_head + augments[stream] + _base_.to_layout + gen +
    _base_.train_tail)

train_dataloader = dict(
    dataset=dict(ann_file=ann_file, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(ann_file=ann_file))
test_dataloader = dict(dataset=dict(ann_file=ann_file))
