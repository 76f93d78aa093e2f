# Copyright (c) aclnet-mm contributors. All rights reserved.
# AS-CAL pretraining, faithful to the authors' code (LZU-SIAT/AS-CAL): NTU
# RGB+D 60 X-Sub (60 classes, 25 joints, 3 channels), first 150 frames,
# per-frame centring on joint 1, Reverse + Shear drawn independently for the
# query and the key, a 1-layer LSTM(150 -> 256) whose time-averaged hidden
# states are the CAE, a momentum LSTM (m = 0.999), a queue of 16384 keys,
# InfoNCE on unnormalised dot products with tau = 0.06; one epoch that only
# fills the queue, then 60 epochs of SGD 0.01 (x0.1 after the authors'
# epoch 30, i.e. after 29 training epochs). Pretraining reads the whole
# training split, as the authors.
# Validation (our addition; the authors have none): k-NN accuracy of the
# CAE, the last 5 % of each class of the training split as queries and the
# rest as the bank (labels only there; pretraining uses none); the test
# split is never looked at. The kept model is the last one (as the
# authors). `tools/test.py` on this config gives the k-NN accuracy on the
# test split (bank: the first 95 % of the training split).
# Inherits _base_/default_runtime.py.
from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *  # noqa: F401,F403

from mmaction.datasets import FormatGCNInput, PackActionInputs
from mmengine.dataset import ConcatDataset, DefaultSampler
from mmengine.optim import MultiStepLR
from mmengine.runner import TestLoop, ValLoop
from torch.optim import SGD

from aclnet_mm.datasets import (ResumableSampler, SkeletonCentre,
                                SkeletonFirstFrames, SkeletonPoseDataset,
                                SkeletonReverse, SkeletonShear,
                                SkeletonTwoView)
from aclnet_mm.engine import (MomentumEncoderHook, QueueWarmupHook,
                              ResumableEpochBasedTrainLoop)
from aclnet_mm.evaluation import KNNAccuracy
from aclnet_mm.models import ASCALRecognizer, InfoNCELoss, SkeletonRNN

ann_file = 'data/skeleton/ntu60_3d.pkl'
train_split = 'xsub_train'
test_split = 'xsub_val'
num_classes = 60
clip_len = 150
num_person = 2
pretrain_range = (0., 1.)
bank_range = (0., 0.95)
val_range = (0.95, 1.)
# What every data set checks its pickle against before training starts.
expect = dict(num_classes=num_classes, layout='nturgb+d', in_channels=3)

view_pipeline = [
    dict(type=SkeletonFirstFrames, clip_len=clip_len),
    dict(type=SkeletonCentre, joint=1),
    dict(type=SkeletonReverse, prob=0.5),
    dict(type=SkeletonShear, magnitude=1.0),
]
# PackActionInputs' default meta keys plus 'frame_dir', the sample's name in
# skeleton annotations, so errors and logs can name the sample.
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
train_pipeline = [
    dict(type=SkeletonTwoView, transforms=view_pipeline),
    dict(type=FormatGCNInput, num_person=num_person),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
feature_pipeline = [
    dict(type=SkeletonFirstFrames, clip_len=clip_len),
    dict(type=SkeletonCentre, joint=1),
    dict(type=FormatGCNInput, num_person=num_person),
    dict(type=PackActionInputs, meta_keys=('knn_bank', 'frame_dir'))
]

model = dict(
    type=ASCALRecognizer,
    backbone=dict(
        type=SkeletonRNN,
        in_channels=3,
        num_joints=25,
        num_person=num_person,
        hidden_channels=256,
        num_layers=1,
        rnn_type='LSTM',
        temporal_pool='mean'),
    feat_dim=256,
    queue_size=16384,
    momentum=0.999,
    loss=dict(type=InfoNCELoss, temperature=0.06, normalize=False))

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
        class_range=pretrain_range,
        pipeline=train_pipeline,
        **expect))

# k-NN evaluation sets: the training slice as the bank, then the queries.
knn_bank = dict(
    type=dataset_type,
    ann_file=ann_file,
    split=train_split,
    class_range=bank_range,
    extra_info=dict(knn_bank=True),
    pipeline=feature_pipeline,
    test_mode=True,
    **expect)
val_queries = dict(
    knn_bank, class_range=val_range, extra_info=dict(knn_bank=False))
test_queries = dict(
    knn_bank,
    split=test_split,
    class_range=(0., 1.),
    extra_info=dict(knn_bank=False))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(type=ConcatDataset, datasets=[knn_bank, val_queries]))
test_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(type=ConcatDataset, datasets=[knn_bank, test_queries]))
val_evaluator = dict(type=KNNAccuracy, topk=(1, 20))
test_evaluator = val_evaluator

train_cfg = dict(
    type=ResumableEpochBasedTrainLoop,
    max_epochs=60,
    val_begin=10,
    val_interval=10)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    optimizer=dict(type=SGD, lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type=MultiStepLR, milestones=[29], gamma=0.1, by_epoch=True)
]
custom_hooks = [
    dict(type=QueueWarmupHook, num_epochs=1),
    dict(type=MomentumEncoderHook),
]
default_hooks.logger.update(interval=100)
default_hooks.checkpoint.update(interval=10, save_best=None, max_keep_ckpts=2)
randomness = dict(seed=1)
auto_scale_lr = dict(enable=False, base_batch_size=32)
