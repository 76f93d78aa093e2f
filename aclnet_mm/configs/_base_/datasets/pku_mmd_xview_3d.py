# Copyright (c) aclnet-mm contributors. All rights reserved.
# PKU-MMD (phase 1), cross-view, 3D skeletons: 51 classes, 25 joints. The
# PKU-MMD X-Sub recipe with the validation split carved from 'xview_train'
# by whole recordings and 'xview_val' for testing only.
# Inherits pku_mmd_xsub_3d.py.
from mmengine.config import read_base

with read_base():
    from .pku_mmd_xsub_3d import *  # noqa: F401,F403

train_split = 'xview_train'
test_split = 'xview_val'
carve_cfg = dict(
    split=train_split, val_ratio=0.05, seed=0, group_by='pku_recording')

train_dataloader.dataset.update(**carve_cfg)
val_dataloader.dataset.update(**carve_cfg)
test_dataloader.dataset.update(split=test_split)
