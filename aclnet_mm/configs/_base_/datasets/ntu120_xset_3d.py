# Copyright (c) aclnet-mm contributors. All rights reserved.
# NTU RGB+D 120, cross-setup, 3D skeletons (ntu120_3d.pkl): 120 classes, 25
# joints. The NTU60 X-Sub recipe (preparation, carved validation split of
# 5 % of 'xset_train' by whole performers, 'xset_val' for testing only) with
# its per-stream augmentations. Inherits ntu60_xsub_3d.py.
from mmengine.config import read_base

with read_base():
    from .ntu60_xsub_3d import *  # noqa: F401,F403

ann_file = data_root + 'ntu120_3d.pkl'
num_classes = 120
expect.update(num_classes=num_classes)
train_split = 'xset_train'
test_split = 'xset_val'
carve_cfg = dict(
    split=train_split, val_ratio=0.05, seed=0, group_by='ntu_performer')

train_dataloader.dataset.update(ann_file=ann_file, **carve_cfg, **expect)
val_dataloader.dataset.update(ann_file=ann_file, **carve_cfg, **expect)
test_dataloader.dataset.update(ann_file=ann_file, split=test_split, **expect)
