# Copyright (c) aclnet-mm contributors. All rights reserved.
"""What tools/train.py fills into a config, and the ACLNet settings rule."""
import pickle

import pytest
from mmengine.config import Config

from aclnet_mm.tools.config_defaults import (aclnet_settings,
                                             add_non_finite_loss_hook,
                                             fill_aclnet_settings,
                                             fill_dataset_expectations,
                                             fill_head_num_nodes)


@pytest.mark.parametrize(
    'classes, clips, epochs, expected',
    [
        # The reference on NTU60 X-Sub (40,091 training clips, 150 epochs).
        (60, 40091, 150, (10, 5, (10, 20), 512, 30)),
        # The embedded 20-class set: its config's hand-scaled values.
        (20, 303, 30, (4, 2, (4, 8), 256, 6)),
        # NTU120, and tiny sets (queue at least 16, statistics from epoch 1).
        (120, 63026, 150, (20, 10, (20, 40), 512, 30)),
        (4, 10, 2, (1, 1, (1, 2), 16, 1)),
    ])
def test_rule_by_hand(classes, clips, epochs, expected):
    got = aclnet_settings(classes, clips, epochs)
    assert (got['num_neighbors'], got['overlap_thr'], got['size_thresholds'],
            got['queue_size'], got['start_epoch']) == expected


def test_rule_refuses_nonsense():
    with pytest.raises(ValueError, match='num_classes >= 2'):
        aclnet_settings(1, 10, 10)


def _cfg(ann_file, **inter):
    return Config(
        dict(
            model=dict(
                type='RecognizerGCN',
                backbone=dict(
                    type='ACLGCN',
                    graph_cfg=dict(layout=dict(parents=[-1, 0, 1, 1])),
                    in_channels=3),
                cls_head=dict(
                    type='ACLNetHead',
                    num_classes=3,
                    in_channels=8,
                    loss_inter=dict(type='AffinityContrastiveLoss', **inter),
                    loss_intra=dict(type='MarginContrastiveLoss'))),
            train_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset',
                    times=2,
                    dataset=dict(
                        type='SkeletonPoseDataset',
                        ann_file=ann_file,
                        split='train',
                        pipeline=[
                            dict(
                                type='GenSkeletonStreams',
                                layout=dict(parents=[-1, 0, 1, 1]),
                                feats=('j', 'b'))
                        ]))),
            val_dataloader=dict(
                dataset=dict(
                    type='PoseDataset', ann_file=ann_file, pipeline=[])),
            train_cfg=dict(max_epochs=10),
            custom_hooks=[
                dict(type='SuperclassRefreshHook'),
                dict(type='TemperatureScheduleHook')
            ]))


def test_fills_only_what_is_missing(tmp_path):
    ann_file = str(tmp_path / 'd.pkl')
    with open(ann_file, 'wb') as f:
        pickle.dump(
            dict(
                split=dict(train=[f'c{i}' for i in range(40)]),
                annotations=[]), f)
    cfg = _cfg(ann_file, num_neighbors=2)
    fill_dataset_expectations(cfg)
    inner = cfg.train_dataloader.dataset.dataset
    # Through the RepeatDataset; two streams share in_channels 3 x 2.
    assert inner.num_classes == 3 and inner.layout.parents == [-1, 0, 1, 1]
    assert 'num_classes' not in cfg.val_dataloader.dataset  # MMAction2's
    fill_head_num_nodes(cfg)
    assert cfg.model.cls_head.num_nodes == 4
    filled = fill_aclnet_settings(cfg)
    rule = aclnet_settings(3, 40, 10)
    assert filled == dict(
        overlap_thr=rule['overlap_thr'],
        size_thresholds=rule['size_thresholds'],
        queue_size=32,
        start_epoch=2)
    assert cfg.model.cls_head.loss_inter.num_neighbors == 2  # given: kept
    # Thresholds live on the loss only; the hook gets none.
    assert 'size_thresholds' not in cfg.custom_hooks[1]
    assert cfg.custom_hooks[0].start_epoch == 2
    # Nothing left to fill: the pickle is not read again.
    assert fill_aclnet_settings(cfg) == {}


def test_in_channels_per_stream(tmp_path):
    cfg = _cfg('x.pkl')
    cfg.model.backbone.in_channels = 6
    fill_dataset_expectations(cfg)
    assert cfg.train_dataloader.dataset.dataset.in_channels == 3


def test_non_finite_hook_added_once():
    cfg = Config(dict(custom_hooks=[]))
    assert add_non_finite_loss_hook(cfg)
    assert cfg.custom_hooks == [dict(type='NonFiniteLossHook', mode='raise')]
    assert not add_non_finite_loss_hook(cfg)
    skip = Config(
        dict(custom_hooks=[dict(type='NonFiniteLossHook', mode='skip')]))
    assert not add_non_finite_loss_hook(skip)
    assert len(skip.custom_hooks) == 1
