# Copyright (c) aclnet-mm contributors. All rights reserved.
# NTU RGB+D 120, cross-subject, 3D skeletons (ntu120_3d.pkl): 120 classes,
# 25 joints. The NTU60 X-Sub recipe (preparation, carved validation split of
# 5 % of 'xsub_train' by whole performers, 'xsub_val' for testing only) with
# the authors' NTU120 X-Sub augmentations. Inherits ntu60_xsub_3d.py.
from mmengine.config import read_base

with read_base():
    from .ntu60_xsub_3d import *  # noqa: F401,F403

ann_file = data_root + 'ntu120_3d.pkl'
num_classes = 120
expect.update(num_classes=num_classes)
augments = dict(
    j=[rotate, flip],
    b=[rotate, flip],
    k=[rotate, part_drop],
    jm=[rotate, flip],
    bm=[rotate, flip],
    km=[rotate, part_drop],
)
train_pipeline = train_head + augments[stream] + to_layout + gen + train_tail

train_dataloader.dataset.update(
    ann_file=ann_file, pipeline=train_pipeline, **expect)
val_dataloader.dataset.update(ann_file=ann_file, **expect)
test_dataloader.dataset.update(ann_file=ann_file, **expect)
