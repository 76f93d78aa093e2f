# Copyright (c) aclnet-mm contributors. All rights reserved.
# NTU RGB+D 120, cross-setup, 3D skeletons (ntu120_3d.pkl): the NTU60
# X-Sub recipe (see ntu60_xsub_3d.py: preparation, carved validation split
# of 5 % of 'xset_train' by whole performers, 'xset_val' for testing only)
# with the same per-stream augmentations.
_base_ = './ntu60_xsub_3d.py'

ann_file = 'data/skeleton/ntu120_3d.pkl'
num_classes = 120
train_split = 'xset_train'
test_split = 'xset_val'
carve_cfg = dict(
    split=train_split, val_ratio=0.05, seed=0, group_by='ntu_performer')

train_dataloader = dict(dataset=dict(ann_file=ann_file, **carve_cfg))
val_dataloader = dict(dataset=dict(ann_file=ann_file, **carve_cfg))
test_dataloader = dict(dataset=dict(ann_file=ann_file, split=test_split))
