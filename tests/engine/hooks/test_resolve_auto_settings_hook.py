# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ResolveAutoSettingsHook: the scaling rule, the loss's 'auto' contract and
a real Runner run that resolves the settings from the training set."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from aclnet_mm.engine.hooks import (ResolveAutoSettingsHook,
                                    SuperclassRefreshHook, auto_settings)
from aclnet_mm.models import AffinityContrastiveLoss

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
DATA = osp.join(REPO, 'data', 'embedded', 'body25_2d.pkl')
CONFIG = osp.join(
    REPO, 'aclnet_mm', 'configs', 'aclnet',
    'aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py')


@pytest.mark.parametrize(
    'num_classes, max_epochs, expected',
    [
        # The authors' NTU60 recipe: 60 classes, 150 epochs.
        (60, 150, (10, 5, (10, 20), 30)),
        # The embedded data: 20 classes, 30 epochs (the demo's values).
        (20, 30, (4, 2, (4, 8), 6)),
        # ceil(120 / 6) = 20, ceil(20 / 2) = 10; 100 / 5 = 20.
        (120, 100, (20, 10, (20, 40), 20)),
        # ceil(51 / 6) = 9, ceil(9 / 2) = 5; round(2 / 5) = 0 -> at least 1.
        (51, 2, (9, 5, (9, 18), 1)),
        # ceil(400 / 6) = 67, ceil(67 / 2) = 34; round(12 / 5) = 2.
        (400, 12, (67, 34, (67, 134), 2)),
        # Two classes: one neighbour, overlap 1.
        (2, 1, (1, 1, (1, 2), 1)),
    ])
def test_auto_settings_hand_computed(num_classes, max_epochs, expected):
    got = auto_settings(num_classes, max_epochs)
    assert (got['num_neighbors'], got['overlap_thr'], got['size_thresholds'],
            got['start_epoch']) == expected


def test_auto_settings_refuses_nonsense():
    with pytest.raises(ValueError):
        auto_settings(1, 10)
    with pytest.raises(ValueError):
        auto_settings(10, 0)


def _auto_loss(**kwargs):
    return AffinityContrastiveLoss(
        num_classes=20,
        in_channels=8,
        num_neighbors='auto',
        overlap_thr='auto',
        size_thresholds='auto',
        **kwargs)


def test_loss_accepts_auto_and_refuses_to_run_unresolved():
    loss = _auto_loss()
    assert loss.unresolved_settings() == ('num_neighbors', 'overlap_thr',
                                          'size_thresholds')
    feats, labels = torch.randn(4, 8), torch.tensor([0, 1, 2, 3])
    with pytest.raises(RuntimeError, match='ResolveAutoSettingsHook'):
        loss(feats, labels, torch.randn(4, 20))
    with pytest.raises(RuntimeError, match='ResolveAutoSettingsHook'):
        loss.refresh_superclasses()


def test_loss_resolves_like_an_explicit_one():
    loss = _auto_loss()
    loss.resolve_settings(
        num_neighbors=4, overlap_thr=2, size_thresholds=(4, 8))
    assert loss.unresolved_settings() == ()
    explicit = AffinityContrastiveLoss(
        num_classes=20,
        in_channels=8,
        num_neighbors=4,
        overlap_thr=2,
        size_thresholds=(4, 8))
    assert loss.extra_repr() == explicit.extra_repr()
    assert torch.equal(loss.class_tau, explicit.class_tau)
    sizes = torch.tensor([0., 4., 5., 8., 9.])
    assert torch.equal(
        loss.temperature_policy(sizes), explicit.temperature_policy(sizes))
    # Only 'auto' settings are resolved, and they must fit the classes.
    with pytest.raises(ValueError):
        loss.resolve_settings(num_neighbors=3)
    with pytest.raises(ValueError):
        _auto_loss().resolve_settings(num_neighbors=20)


def test_auto_thresholds_need_three_temperatures():
    with pytest.raises(ValueError, match='3 values'):
        _auto_loss(temperatures=(0.1, 1.0))


def test_refresh_hook_auto_start_epoch():
    hook = SuperclassRefreshHook(start_epoch='auto')
    with pytest.raises(RuntimeError, match='ResolveAutoSettingsHook'):
        hook.phase(1)
    with pytest.raises(ValueError):
        SuperclassRefreshHook(start_epoch=0)


@pytest.mark.skipif(not osp.isfile(DATA), reason='run `make data` first')
def test_real_run_resolves_from_the_training_set(tmp_path):
    """The demo's ACLNet config with every data-derived setting 'auto',
    one epoch on the embedded data (20 classes): the hook resolves the
    demo's explicit values (4, 2, (4, 8)) and start epoch 1, and logs
    them once."""
    cfg = Config.fromfile(CONFIG)
    cfg.model.cls_head.loss_inter.update(
        num_neighbors='auto', overlap_thr='auto', size_thresholds='auto')
    refresh = [
        h for h in cfg.custom_hooks if h['type'] is SuperclassRefreshHook
    ]
    refresh[0]['start_epoch'] = 'auto'
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.param_scheduler[0].T_max = 1
    cfg.train_dataloader.batch_size = 32
    cfg.default_hooks.checkpoint.interval = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    loss = runner.model.cls_head.loss_inter
    assert (loss.num_neighbors, loss.overlap_thr,
            loss.size_thresholds) == (4, 2, (4, 8))
    (hook, ) = [
        h for h in runner.hooks if isinstance(h, SuperclassRefreshHook)
    ]
    assert hook.start_epoch == 1
    (resolver, ) = [
        h for h in runner.hooks if isinstance(h, ResolveAutoSettingsHook)
    ]
    assert resolver.resolved['cls_head.loss_inter'] == dict(
        num_neighbors=4, overlap_thr=2, size_thresholds=(4, 8))
    with open(osp.join(runner.log_dir, f'{runner.timestamp}.log')) as f:
        assert f.read().count('ResolveAutoSettingsHook: from 20 classes') == 1
    # Statistics were on in epoch 1: the resolved loss ran.
    assert loss.confusion.sum() > 0
