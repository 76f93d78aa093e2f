# Copyright (c) aclnet-mm contributors. All rights reserved.
# AS-CAL 1 % semi-supervised fine-tuning on NTU RGB+D 120 X-Set (120 classes): the recipe of the NTU-60 X-Sub config
# it inherits (ascal_semi1p_lstm_1xb32_u150_35e_ntu60_xsub_keypoint_3d.py) on another split, from that split's pretraining.
from mmengine.config import read_base

with read_base():
    from .ascal_semi1p_lstm_1xb32_u150_35e_ntu60_xsub_keypoint_3d import *  # noqa: F401,F403,E501

ann_file = 'data/skeleton/ntu120_3d.pkl'
train_split = 'xset_train'
test_split = 'xset_val'
num_classes = 120
pretrained = 'work_dirs/ascal_lstm_1xb32_reverse_shear_u150_60e_ntu120_xset_keypoint_3d/epoch_60.pth'  # noqa: E501
expect.update(num_classes=num_classes)

model.backbone.update(
    init_cfg=dict(
        type='Pretrained', checkpoint=pretrained, prefix='backbone.'))
model.cls_head.update(num_classes=num_classes)
train_dataloader.dataset.update(ann_file=ann_file, split=train_split, **expect)
val_dataloader.dataset.update(ann_file=ann_file, split=train_split, **expect)
test_dataloader.dataset.update(ann_file=ann_file, split=test_split, **expect)
