# Copyright (c) aclnet-mm contributors. All rights reserved.
# AS-CAL pretraining on the embedded real data set (OpenPose BODY-25, 2D +
# confidence, one performer, 20 classes, 24-frame windows split by time into
# train / val / test). The LSTM reads 25 joints x (x, y, score) = 75
# features; centring on joint 1 (the neck) and a queue of 200 keys (the
# authors' SBU size, below the 303 training clips) as the authors.
# Changed from the authors' recipe, which on this data learns a worse
# encoder than a random one (docs/advanced_guides/ascal.md): a shear of 1.0 turns a 2D pose
# into another pose, so it is 0.3 here, with an in-plane rotation of at
# most 20 degrees and Gaussian noise (sd 0.02) besides Reverse; InfoNCE on
# L2-normalised encodings with tau = 0.1 (MoCo's form) instead of raw dot
# products with tau = 0.06. Chosen on the 'val' split's k-NN accuracy.
# Inherits ascal_lstm_1xb32_reverse_shear_u150_60e_ntu60_xsub_keypoint_3d.py.
from mmengine.config import read_base

with read_base():
    from .ascal_lstm_1xb32_reverse_shear_u150_60e_ntu60_xsub_keypoint_3d import *  # noqa: F401,F403,E501

from mmaction.datasets import FormatGCNInput, PackActionInputs
from mmengine.optim import MultiStepLR

from aclnet_mm.datasets import (SkeletonAxisRotate, SkeletonCentre,
                                SkeletonFirstFrames, SkeletonGaussianNoise,
                                SkeletonReverse, SkeletonShear,
                                SkeletonTwoView)
from aclnet_mm.models import InfoNCELoss

ann_file = 'data/embedded/body25_2d.pkl'
clip_len = 24
num_person = 1
expect = dict(num_classes=20, layout='openpose_body25', in_channels=3, dim=2)

view_pipeline = [
    dict(type=SkeletonFirstFrames, clip_len=clip_len),
    dict(type=SkeletonCentre, joint=1),
    dict(type=SkeletonReverse, prob=0.5),
    dict(type=SkeletonShear, magnitude=0.3),
    dict(type=SkeletonAxisRotate, axes=(2, ), angle_range=(-20., 20.)),
    dict(type=SkeletonGaussianNoise, std=0.02),
]
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

model.backbone.update(in_channels=3, num_joints=25, num_person=num_person)
model.update(
    queue_size=200,
    loss=dict(type=InfoNCELoss, temperature=0.1, normalize=True))

# The pipeline is a few array slices per clip: loading in the main process
# is faster than feeding worker processes on a 2-core machine.
train_dataloader.update(num_workers=0, persistent_workers=False)
train_dataloader.dataset.update(
    ann_file=ann_file,
    split='train',
    class_range=(0., 1.),
    pipeline=train_pipeline,
    **expect)
knn_bank = dict(
    type=dataset_type,
    ann_file=ann_file,
    split='train',
    extra_info=dict(knn_bank=True),
    pipeline=feature_pipeline,
    test_mode=True,
    **expect)
val_queries = dict(knn_bank, split='val', extra_info=dict(knn_bank=False))
test_queries = dict(knn_bank, split='test', extra_info=dict(knn_bank=False))
val_dataloader.update(num_workers=0, persistent_workers=False)
val_dataloader.dataset.datasets = [knn_bank, val_queries]
test_dataloader.update(num_workers=0, persistent_workers=False)
test_dataloader.dataset.datasets = [knn_bank, test_queries]

train_cfg.update(max_epochs=100, val_begin=10, val_interval=10)
param_scheduler = [
    dict(type=MultiStepLR, milestones=[50], gamma=0.1, by_epoch=True)
]
default_hooks.logger.update(interval=10)
default_hooks.checkpoint.update(interval=10, save_best=None, max_keep_ckpts=1)
