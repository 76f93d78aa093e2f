# Copyright (c) aclnet-mm contributors. All rights reserved.
# AS-CAL 10 % semi-supervised fine-tuning on NTU RGB+D 60 X-View (60 classes): the recipe of the NTU-60 X-Sub config
# it inherits (ascal_semi10p_lstm_1xb32_u150_15e_ntu60_xsub_keypoint_3d.py) on another split, from that split's pretraining.
from mmengine.config import read_base

with read_base():
    from .ascal_semi10p_lstm_1xb32_u150_15e_ntu60_xsub_keypoint_3d import *  # noqa: F401,F403,E501

ann_file = 'data/skeleton/ntu60_3d.pkl'
train_split = 'xview_train'
test_split = 'xview_val'
num_classes = 60
pretrained = 'work_dirs/ascal_lstm_1xb32_reverse_shear_u150_60e_ntu60_xview_keypoint_3d/epoch_60.pth'  # noqa: E501
expect.update(num_classes=num_classes)

model.backbone.update(
    init_cfg=dict(
        type='Pretrained', checkpoint=pretrained, prefix='backbone.'))
model.cls_head.update(num_classes=num_classes)
train_dataloader.dataset.update(ann_file=ann_file, split=train_split, **expect)
val_dataloader.dataset.update(ann_file=ann_file, split=train_split, **expect)
test_dataloader.dataset.update(ann_file=ann_file, split=test_split, **expect)
