# Copyright (c) aclnet-mm contributors. All rights reserved.
# AS-CAL linear evaluation on NTU RGB+D 60 X-Sub (60 classes, 25 joints): the
# pretrained query LSTM frozen (eval mode, no gradient), Linear(256, C) on
# its CAE (GCNHead: N(0, 0.01) init, no dropout), SGD lr 1.0 with Nesterov
# momentum 0.9, no weight decay, batch 32, 90 epochs, lr x0.5 at 15, 35, 60
# and 75; inputs only cut to 150 frames and centred. Unlike the authors,
# who report the best epoch on the test set, the kept classifier is the
# best on a validation slice carved from the training split (the last 5 %
# of each class, left out of training); the test split is evaluated once
# with `tools/test.py`. Point model.backbone.init_cfg.checkpoint at the
# pretraining checkpoint. Inherits _base_/default_runtime.py.
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *  # noqa: F401,F403

from mmaction.datasets import FormatGCNInput, PackActionInputs
from mmaction.evaluation import AccMetric
from mmaction.models import GCNHead, RecognizerGCN
from mmengine.dataset import DefaultSampler
from mmengine.optim import MultiStepLR
from mmengine.runner import TestLoop, ValLoop
from torch.optim import SGD

from aclnet_mm.datasets import (ResumableSampler, SkeletonCentre,
                                SkeletonFirstFrames, SkeletonPoseDataset)
from aclnet_mm.engine import ResumableEpochBasedTrainLoop
from aclnet_mm.models import SkeletonRNN

ann_file = 'data/skeleton/ntu60_3d.pkl'
train_split = 'xsub_train'
test_split = 'xsub_val'
num_classes = 60
clip_len = 150
num_person = 2
pretrained = 'work_dirs/ascal_lstm_1xb32_reverse_shear_u150_60e_ntu60_xsub_keypoint_3d/epoch_60.pth'  # noqa: E501
# What every data set checks its pickle against before training starts.
expect = dict(num_classes=num_classes, layout='nturgb+d', in_channels=3)

# PackActionInputs' default meta keys plus 'frame_dir', the sample's name in
# skeleton annotations, so errors and logs can name the sample.
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
pipeline = [
    dict(type=SkeletonFirstFrames, clip_len=clip_len),
    dict(type=SkeletonCentre, joint=1),
    dict(type=FormatGCNInput, num_person=num_person),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]

model = dict(
    type=RecognizerGCN,
    backbone=dict(
        type=SkeletonRNN,
        in_channels=3,
        num_joints=25,
        num_person=num_person,
        hidden_channels=256,
        frozen=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    cls_head=dict(
        type=GCNHead, num_classes=num_classes, in_channels=256, dropout=0.))

dataset_type = SkeletonPoseDataset
train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=ResumableSampler, shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split=train_split,
        class_range=(0., 0.95),
        pipeline=pipeline,
        **expect))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split=train_split,
        class_range=(0.95, 1.),
        pipeline=pipeline,
        test_mode=True,
        **expect))
test_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split=test_split,
        pipeline=pipeline,
        test_mode=True,
        **expect))
val_evaluator = dict(type=AccMetric)
test_evaluator = val_evaluator

train_cfg = dict(
    type=ResumableEpochBasedTrainLoop,
    max_epochs=90,
    val_begin=1,
    val_interval=1)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    optimizer=dict(
        type=SGD, lr=1.0, momentum=0.9, nesterov=True, weight_decay=0.))
param_scheduler = [
    dict(
        type=MultiStepLR,
        milestones=[15, 35, 60, 75],
        gamma=0.5,
        by_epoch=True)
]
default_hooks.logger.update(interval=100)
default_hooks.checkpoint.update(
    interval=1, save_best='acc/top1', rule='greater', max_keep_ckpts=1)
randomness = dict(seed=1)
