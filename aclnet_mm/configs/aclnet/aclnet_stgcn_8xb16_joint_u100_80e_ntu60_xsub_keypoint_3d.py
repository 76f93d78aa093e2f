# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet's losses on MMAction2's own ST-GCN recipe for NTU RGB+D 60 X-Sub
# (skeleton/stgcn/stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py),
# restated here: backbone, data pipeline and 80-epoch schedule (16 epochs x
# RepeatDataset 5) are MMAction2's; only the head changes. ST-GCN exposes
# no learned topology, so both losses take the pooled embedding. ACLNet's
# values: 10 neighbours, overlap above 4, buckets 10 / 20, queue 512;
# statistics start at epoch 4 of 16 (= pass 16-20 of 80, the authors' 30 of
# 150 scaled). Inherits _base_/default_runtime.py and _base_/aclnet_hooks.py.
from mmengine.config import read_base

with read_base():
    from .._base_.aclnet_hooks import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403

from mmaction.datasets import (FormatGCNInput, GenSkeFeat, PackActionInputs,
                               PoseDecode, PreNormalize3D, UniformSampleFrames)
from mmaction.evaluation import AccMetric
from mmaction.models import STGCN, RecognizerGCN
from mmengine.dataset import DefaultSampler, RepeatDataset
from mmengine.optim import CosineAnnealingLR
from mmengine.runner import EpochBasedTrainLoop, TestLoop, ValLoop
from torch.optim import SGD

from aclnet_mm.datasets import SkeletonPoseDataset
from aclnet_mm.models import (ACLNetHead, AffinityContrastiveLoss,
                              MarginContrastiveLoss, StepTemperature)

model = dict(
    type=RecognizerGCN,
    backbone=dict(
        type=STGCN,
        in_channels=3,
        graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial')),
    cls_head=dict(
        type=ACLNetHead,
        num_classes=60,
        in_channels=256,
        feature_source='embedding',
        loss_inter=dict(
            type=AffinityContrastiveLoss,
            num_neighbors=10,
            overlap_thr=5,
            size_thresholds=(10, 20),
            temperatures=(0.1, 0.5, 1.0),
            temperature_policy=dict(type=StepTemperature)),
        loss_intra=dict(
            type=MarginContrastiveLoss,
            queue_size=512,
            temperature=0.1,
            margin=0.1),
        loss_inter_weight=0.1,
        loss_intra_weight=0.1))
custom_hooks[1].update(start_epoch=4)  # SuperclassRefreshHook

dataset_type = SkeletonPoseDataset
ann_file = 'data/skeleton/ntu60_3d.pkl'
expect = dict(num_classes=60, layout='nturgb+d', in_channels=3)
# PackActionInputs' default meta keys plus 'frame_dir', the sample's name in
# skeleton annotations, so errors and logs can name the sample.
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
train_pipeline = [
    dict(type=PreNormalize3D),
    dict(type=GenSkeFeat, dataset='nturgb+d', feats=['j']),
    dict(type=UniformSampleFrames, clip_len=100),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=2),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
val_pipeline = [
    dict(type=PreNormalize3D),
    dict(type=GenSkeFeat, dataset='nturgb+d', feats=['j']),
    dict(type=UniformSampleFrames, clip_len=100, num_clips=1, test_mode=True),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=2),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
test_pipeline = [
    dict(type=PreNormalize3D),
    dict(type=GenSkeFeat, dataset='nturgb+d', feats=['j']),
    dict(type=UniformSampleFrames, clip_len=100, num_clips=10, test_mode=True),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=2),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=True),
    dataset=dict(
        type=RepeatDataset,
        times=5,
        dataset=dict(
            type=dataset_type,
            ann_file=ann_file,
            pipeline=train_pipeline,
            split='xsub_train',
            **expect)))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=val_pipeline,
        split='xsub_val',
        test_mode=True,
        **expect))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=test_pipeline,
        split='xsub_val',
        test_mode=True,
        **expect))

val_evaluator = [dict(type=AccMetric)]
test_evaluator = val_evaluator

train_cfg = dict(
    type=EpochBasedTrainLoop, max_epochs=16, val_begin=1, val_interval=1)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
param_scheduler = [
    dict(
        type=CosineAnnealingLR,
        eta_min=0,
        T_max=16,
        by_epoch=True,
        convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(
        type=SGD, lr=0.1, momentum=0.9, weight_decay=0.0005, nesterov=True))
default_hooks.checkpoint.update(interval=1)
default_hooks.logger.update(interval=100)
# `base_batch_size` = (8 GPUs) x (16 samples per GPU).
auto_scale_lr = dict(enable=False, base_batch_size=128)
