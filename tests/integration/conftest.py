# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The tiny ACLNet run shared by the integration tests."""
import os.path as osp

import pytest
from mmengine.config import Config
from tool_scripts import TEXT_RUNTIME

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: Classes and frames of the synthetic set the tiny run trains on.
NUM_CLASSES = 4
CLIP_LEN = 16


def _tiny_aclnet_config(ann_file: str,
                        max_epochs: int,
                        start_epoch: int = 2) -> Config:
    """A tiny ``ACLGCN`` + ``ACLNetHead`` run on a synthetic 3D set.

    The pipeline samples the full clip in test mode, so the run is
    deterministic and an interrupted one can be compared bit for bit. The
    superclass statistics start at ``start_epoch`` and the losses one epoch
    later; the queue holds 8 entries. Train and val loaders, one
    checkpoint per epoch, seed 0.
    """
    pipeline = [
        dict(type='PreNormalize3D'),
        dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
        dict(
            type='UniformSampleFrames',
            clip_len=CLIP_LEN,
            num_clips=1,
            test_mode=True),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]

    def loader(split, shuffle):
        return dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=shuffle),
            dataset=dict(
                type='PoseDataset',
                ann_file=ann_file,
                pipeline=pipeline,
                split=split,
                test_mode=not shuffle))

    cfg = Config.fromstring(TEXT_RUNTIME, '.py')
    cfg.merge_from_dict(
        dict(
            model=dict(
                type='RecognizerGCN',
                backbone=dict(
                    type='ACLGCN',
                    graph_cfg=dict(layout='nturgb+d'),
                    base_channels=8,
                    num_stages=3,
                    inflate_stages=(2, ),
                    down_stages=(2, ),
                    num_person=1,
                    with_topology=True),
                cls_head=dict(
                    type='ACLNetHead',
                    num_classes=NUM_CLASSES,
                    in_channels=16,
                    feature_source='topology',
                    loss_inter=dict(
                        type='AffinityContrastiveLoss',
                        num_classes=NUM_CLASSES,
                        proj_channels=8,
                        num_neighbors=2,
                        overlap_thr=1,
                        size_thresholds=(2, 3)),
                    loss_intra=dict(
                        type='MarginContrastiveLoss',
                        proj_channels=8,
                        queue_size=8))),
            train_dataloader=loader('train', True),
            val_dataloader=loader('val', False),
            val_evaluator=dict(type='AccMetric'),
            train_cfg=dict(
                type='EpochBasedTrainLoop',
                max_epochs=max_epochs,
                val_interval=1),
            val_cfg=dict(type='ValLoop'),
            optim_wrapper=dict(
                optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
            param_scheduler=[],
            custom_hooks=[
                dict(type='SuperclassRefreshHook', start_epoch=start_epoch),
                dict(type='TemperatureScheduleHook'),
            ],
            default_hooks=dict(
                logger=dict(interval=1),
                checkpoint=dict(interval=1, save_best=None,
                                max_keep_ckpts=-1)),
            randomness=dict(seed=0),
            log_level='WARNING'))
    return cfg


@pytest.fixture(scope='session')
def tiny_aclnet_config():
    """``build(ann_file, max_epochs, start_epoch=2)``: the tiny ACLNet
    config (see :func:`_tiny_aclnet_config`), a new one per call."""
    return _tiny_aclnet_config
