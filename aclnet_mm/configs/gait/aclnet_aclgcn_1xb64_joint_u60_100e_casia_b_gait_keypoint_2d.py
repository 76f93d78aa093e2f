# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet for CASIA-B gait recognition on GaitGraph's HRNet COCO-17 2D poses
# (docs/advanced_guides/gait_reid.md). Classes are training subjects; the test-time output
# is the L2-normalised pooled feature, compared across the 50 test subjects
# by GaitRank1Metric (NM #1-4 gallery, NM/BG/CL probes, identical views
# excluded).
#
# Protocol: CLEAN model selection. Trains on subjects 001-059 (split
# 'train_dev'), selects the checkpoint on the held-out training subjects
# 060-074 ('val'), tests once on 075-124 ('test'). The paper-compatible
# variant (train 001-074, select on the test subjects as GaitGraph does) is
# ..._casia_b_gait_paper_compat_keypoint_2d.py.
#
# New data, so ACLNet's neighbourhood settings are 'auto': resolved from
# the training subjects before training by ResolveAutoSettingsHook
# (ceil(C / 6) neighbours, half of them as overlap, buckets k / 2k) and
# logged; statistics from epoch 20 of 100.
# Inherits: _base_/schedules/sgd_nesterov_cosine_150e.py (shortened),
# _base_/default_runtime.py, _base_/aclnet_hooks.py.
#
# Data: see tools/data/casia_b/ (convert_casia_b_gait to
#   data/casia-b/casia-b_gait_coco17.pkl).
from mmengine.config import read_base

with read_base():
    from .._base_.aclnet_hooks import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.schedules.sgd_nesterov_cosine_150e import *  # noqa: F401,F403,E501

from mmaction.datasets import (FormatGCNInput, GenSkeFeat, PackActionInputs,
                               PoseDecode, PreNormalize2D, SampleFrames)
from mmengine.dataset import DefaultSampler
from mmengine.optim import CosineAnnealingLR

from aclnet_mm.datasets import SkeletonFlip, SkeletonPoseDataset
from aclnet_mm.evaluation import GaitRank1Metric
from aclnet_mm.models import (ACLGCN, ACLNetRetrievalHead,
                              AffinityContrastiveLoss, MarginContrastiveLoss,
                              RetrievalRecognizerGCN, StepTemperature)

protocol = 'clean'
ann_file = 'data/casia-b/casia-b_gait_coco17.pkl'
train_split, val_split, test_split = 'train_dev', 'val', 'test'
num_classes = 59  # subjects in train_split (labels are subject - 1)
layout = 'coco'
clip_len = 60
max_epochs = 100
meta_keys = ('subject', 'cond', 'seq', 'view', 'frame_dir')

model = dict(
    type=RetrievalRecognizerGCN,
    # GaitGraph2's test-time augmentation: original, time-reversed and
    # left/right-swapped inputs, embeddings concatenated.
    tta_time_reverse=True,
    tta_swap_layout='coco',
    tta_combine='concat',
    backbone=dict(
        type=ACLGCN,
        in_channels=3,
        graph_cfg=dict(layout=layout),
        num_person=1,
        with_topology=True),
    cls_head=dict(
        type=ACLNetRetrievalHead,
        num_classes=num_classes,
        in_channels=384,
        feature_source='topology',
        num_nodes=17,
        loss_inter=dict(
            type=AffinityContrastiveLoss,
            num_neighbors='auto',
            overlap_thr='auto',
            size_thresholds='auto',
            temperatures=(0.1, 0.5, 1.0),
            temperature_policy=dict(type=StepTemperature)),
        loss_intra=dict(
            type=MarginContrastiveLoss,
            queue_size=512,
            temperature=0.1,
            margin=0.1),
        loss_inter_weight=0.1,
        loss_intra_weight=0.1,
        embedding='pooled',
        normalize=True))

train_pipeline = [
    dict(type=SkeletonFlip, layout='coco', flip_ratio=0.5, reflect='image'),
    dict(type=PreNormalize2D),
    dict(type=GenSkeFeat, dataset='coco', feats=['j']),
    # A random 60-frame window; short walks were mirror-padded to 60 frames
    # by the converter, 'loop' only guards data converted with short='keep'.
    dict(
        type=SampleFrames,
        clip_len=clip_len,
        num_clips=1,
        out_of_bound_opt='loop'),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=1),
    dict(type=PackActionInputs, meta_keys=meta_keys)
]
test_pipeline = [
    dict(type=PreNormalize2D),
    dict(type=GenSkeFeat, dataset='coco', feats=['j']),
    # The centre window; num_clips=3 averages three windows (GaitMixer).
    dict(
        type=SampleFrames,
        clip_len=clip_len,
        num_clips=1,
        test_mode=True,
        out_of_bound_opt='loop'),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=1),
    dict(type=PackActionInputs, meta_keys=meta_keys)
]

# What every data set checks its pickle against before training starts
# (held-out and test subjects are other classes: no class count there).
expect = dict(layout=layout, in_channels=3)
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=True),
    dataset=dict(
        type=SkeletonPoseDataset,
        ann_file=ann_file,
        split=train_split,
        pipeline=train_pipeline,
        num_classes=num_classes,
        **expect))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=SkeletonPoseDataset,
        ann_file=ann_file,
        split=val_split,
        pipeline=test_pipeline,
        test_mode=True,
        **expect))
test_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=SkeletonPoseDataset,
        ann_file=ann_file,
        split=test_split,
        pipeline=test_pipeline,
        test_mode=True,
        **expect))

val_evaluator = dict(type=GaitRank1Metric)
test_evaluator = dict(type=GaitRank1Metric, per_view_keys=True)

train_cfg.update(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(
        type=CosineAnnealingLR,
        eta_min=0,
        T_max=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
optim_wrapper.optimizer.update(lr=0.1)
default_hooks.checkpoint.update(
    interval=5, save_best='gait/NM', rule='greater', max_keep_ckpts=1)
custom_hooks[1].update(start_epoch=20)  # SuperclassRefreshHook
