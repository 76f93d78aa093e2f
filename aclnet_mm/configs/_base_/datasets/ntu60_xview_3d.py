# Copyright (c) aclnet-mm contributors. All rights reserved.
# NTU RGB+D 60, cross-view, 3D skeletons (ntu60_3d.pkl): 60 classes, 25
# joints. The NTU60 X-Sub recipe (preparation, carved validation split of
# 5 % of 'xview_train' by whole performers, 'xview_val' for testing only)
# with the authors' X-View augmentations. Inherits ntu60_xsub_3d.py.
from mmengine.config import read_base

with read_base():
    from .ntu60_xsub_3d import *  # noqa: F401,F403

train_split = 'xview_train'
test_split = 'xview_val'
carve_cfg = dict(
    split=train_split, val_ratio=0.05, seed=0, group_by='ntu_performer')
augments = dict(
    j=[rotate],
    b=[rotate],
    k=[rotate, part_drop],
    jm=[rotate],
    bm=[rotate],
    km=[rotate, part_drop],
)
train_pipeline = train_head + augments[stream] + to_layout + gen + train_tail

train_dataloader.dataset.update(pipeline=train_pipeline, **carve_cfg)
val_dataloader.dataset.update(**carve_cfg)
test_dataloader.dataset.update(split=test_split)
