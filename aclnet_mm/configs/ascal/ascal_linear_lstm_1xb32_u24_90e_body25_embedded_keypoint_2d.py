# Copyright (c) aclnet-mm contributors. All rights reserved.
# AS-CAL linear evaluation on the embedded data set (20 classes, OpenPose
# BODY-25, 2D + confidence): the pretrained query LSTM frozen (eval mode, no
# gradient) and Linear(256, 20) on its CAE (GCNHead, N(0, 0.01) init, no
# dropout), SGD lr 1.0 with Nesterov momentum 0.9, no weight decay, 90
# epochs, lr x0.5 at epochs 15, 35, 60, 75; inputs only cut and centred.
# The kept checkpoint is the best on the 'val' split; the 'test' split is
# evaluated once, with it. Set the pretrained weights with
# `--cfg-options model.backbone.init_cfg.checkpoint=PATH`; with
# `model.backbone.init_cfg=None` this is the random-encoder baseline.
# Inherits ascal_linear_lstm_1xb32_u150_90e_ntu60_xsub_keypoint_3d.py (the NTU recipe) and changes the data.
from mmengine.config import read_base

with read_base():
    from .ascal_linear_lstm_1xb32_u150_90e_ntu60_xsub_keypoint_3d import *  # noqa: F401,F403,E501

from mmaction.datasets import FormatGCNInput, PackActionInputs

from aclnet_mm.datasets import SkeletonCentre, SkeletonFirstFrames

ann_file = 'data/embedded/body25_2d.pkl'
clip_len = 24
num_person = 1
num_classes = 20
pretrained = None
expect = dict(
    num_classes=num_classes, layout='openpose_body25', in_channels=3, dim=2)

pipeline = [
    dict(type=SkeletonFirstFrames, clip_len=clip_len),
    dict(type=SkeletonCentre, joint=1),
    dict(type=FormatGCNInput, num_person=num_person),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]

model.backbone.update(
    num_joints=25,
    num_person=num_person,
    init_cfg=dict(
        type='Pretrained', checkpoint=pretrained, prefix='backbone.'))
model.cls_head.update(num_classes=num_classes)

# The pipeline is a few array slices per clip: loading in the main process
# is faster than feeding worker processes on a 2-core machine.
train_dataloader.update(num_workers=0, persistent_workers=False)
val_dataloader.update(num_workers=0, persistent_workers=False)
test_dataloader.update(num_workers=0, persistent_workers=False)
train_dataloader.dataset.update(
    ann_file=ann_file,
    split='train',
    class_range=None,
    pipeline=pipeline,
    **expect)
val_dataloader.dataset.update(
    ann_file=ann_file,
    split='val',
    class_range=None,
    pipeline=pipeline,
    **expect)
test_dataloader.dataset.update(
    ann_file=ann_file, split='test', pipeline=pipeline, **expect)

default_hooks.logger.update(interval=10)
