# Copyright (c) aclnet-mm contributors. All rights reserved.
# PKU-MMD (phase 1), cross-view, 3D skeletons: the PKU-MMD X-Sub recipe
# (see pku_mmd_xsub_3d.py) with the validation split carved from
# 'xview_train' by whole recordings and 'xview_val' for testing only.
_base_ = './pku_mmd_xsub_3d.py'

train_split = 'xview_train'
test_split = 'xview_val'
carve_cfg = dict(
    split=train_split, val_ratio=0.05, seed=0, group_by='pku_recording')

train_dataloader = dict(dataset=dict(**carve_cfg))
val_dataloader = dict(dataset=dict(**carve_cfg))
test_dataloader = dict(dataset=dict(split=test_split))
