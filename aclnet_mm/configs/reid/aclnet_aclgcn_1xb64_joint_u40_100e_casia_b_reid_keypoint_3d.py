# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet for skeleton person re-ID on CASIA-B (Rao et al.'s 14-joint 3D
# tracklets, f = 40; docs/advanced_guides/gait_reid.md). Classes are training subjects;
# the test-time output is the L2-normalised pooled feature, scored by
# ReIDMetric: rank-1/5/10 and mAP for N-N, B-B, C-C, C-N and B-N, each
# probe's own entry excluded in the single-condition settings.
#
# Protocol: CLEAN model selection. The last 10 training subjects are held
# out ('val', converted with val_subjects) and the checkpoint is selected
# on them; training uses the rest ('train_dev'), the test pools are scored
# once. The paper-compatible variant is
# ..._casia_b_reid_paper_compat_keypoint_3d.py.
#
# New data, so ACLNet's neighbourhood settings are 'auto': resolved from
# the training subjects before training by ResolveAutoSettingsHook
# (ceil(C / 6) neighbours, half of them as overlap, buckets k / 2k) and
# logged; statistics from epoch 20 of 100.
# Inherits: _base_/schedules/sgd_nesterov_cosine_150e.py (shortened),
# _base_/default_runtime.py, _base_/aclnet_hooks.py.
#
# Data: convert_rao_casia_b('CASIA_B_match', 40,
#   'data/casia-b/casia-b_reid_rao_f40.pkl', val_subjects=<last 10 train
#   subjects>), or convert_casia_b_tracklets(...) from named sequences
#   (train 001-062 / test 063-124 by default, the inferred 62/62 split).
from mmengine.config import read_base

with read_base():
    from .._base_.aclnet_hooks import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.schedules.sgd_nesterov_cosine_150e import *  # noqa: F401,F403,E501

from mmaction.datasets import (FormatGCNInput, GenSkeFeat, PackActionInputs,
                               PoseDecode, SampleFrames)
from mmengine.dataset import DefaultSampler
from mmengine.optim import CosineAnnealingLR

from aclnet_mm.datasets import RandomSkeletonRotate, SkeletonPoseDataset
from aclnet_mm.evaluation import ReIDMetric
from aclnet_mm.models import (ACLGCN, ACLNetRetrievalHead,
                              AffinityContrastiveLoss, MarginContrastiveLoss,
                              RetrievalRecognizerGCN, StepTemperature)

protocol = 'clean'
ann_file = 'data/casia-b/casia-b_reid_rao_f40.pkl'
train_split, val_split, test_split = 'train_dev', 'val', 'test'
num_classes = 52  # 62 training subjects minus 10 held out
layout = 'openpose14'
clip_len = 40
max_epochs = 100
meta_keys = ('subject', 'cond', 'seq', 'view', 'frame_dir')

model = dict(
    type=RetrievalRecognizerGCN,
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
        num_nodes=14,
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

# Tracklets are root-relative (joint 0) and exactly f frames long.
train_pipeline = [
    dict(type=RandomSkeletonRotate),
    dict(type=GenSkeFeat, dataset='openpose14', feats=['j']),
    dict(type=SampleFrames, clip_len=clip_len, num_clips=1),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=1),
    dict(type=PackActionInputs, meta_keys=meta_keys)
]
test_pipeline = [
    dict(type=GenSkeFeat, dataset='openpose14', feats=['j']),
    dict(type=SampleFrames, clip_len=clip_len, num_clips=1, test_mode=True),
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

# Held-out training subjects have no condition labels: one pool, each
# tracklet searched among the others.
val_evaluator = dict(type=ReIDMetric, settings=(('val', None, None), ))
test_evaluator = dict(type=ReIDMetric)

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
    interval=5, save_best='reid/val_rank1', rule='greater', max_keep_ckpts=1)
custom_hooks[1].update(start_epoch=20)  # SuperclassRefreshHook
