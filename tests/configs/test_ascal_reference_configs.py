# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The AS-CAL linear and semi-supervised configs read against the values of
the reference (LZU-SIAT/AS-CAL ``linEval.py``): optimiser, learning-rate
schedule, classifier initialisation and labelled subset."""
import glob
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.optim import MultiStepLR
from torch import nn

import aclnet_mm  # noqa: F401

CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'aclnet_mm',
    'configs', 'ascal')
DATASETS = ('ntu60_xsub', 'ntu60_xview', 'ntu120_xsub', 'ntu120_xset')

# linEval.py: parse_option defaults, then the per-mode overrides.
REFERENCE = {
    'linear':
    dict(
        lr=1.,
        momentum=0.9,
        nesterov=True,
        weight_decay=0.,
        epochs=90,
        milestones=(15, 35, 60, 75),
        rate=0.5,
        init='normal',
        frozen=True),
    'semi1p':
    dict(
        lr=0.01,
        momentum=0.9,
        nesterov=True,
        weight_decay=0.,
        epochs=35,
        milestones=(15, 30),
        rate=0.5,
        init='default',
        frozen=False,
        label_rate=0.01),
    'semi10p':
    dict(
        lr=0.01,
        momentum=0.9,
        nesterov=True,
        weight_decay=0.,
        epochs=15,
        milestones=(8, ),
        rate=0.5,
        init='default',
        frozen=False,
        label_rate=0.1),
}


def _config(mode, dataset):
    (path, ) = glob.glob(
        osp.join(CONFIGS, f'ascal_{mode}_lstm_*_{dataset}_keypoint_3d.py'))
    return Config.fromfile(path)


def _reference_lr(ref, epoch):
    """``util.adjust_learning_rate`` at the reference's 1-based epoch."""
    return ref['lr'] * ref['rate']**sum(epoch > m for m in ref['milestones'])


@pytest.mark.parametrize('dataset', DATASETS)
@pytest.mark.parametrize('mode', list(REFERENCE))
def test_config_equals_reference(mode, dataset):
    ref = REFERENCE[mode]
    cfg = _config(mode, dataset)
    num_classes = 120 if dataset.startswith('ntu120') else 60

    opt = cfg.optim_wrapper.optimizer
    assert opt.type is torch.optim.SGD
    assert (opt.lr, opt.momentum, opt.nesterov,
            opt.weight_decay) == (ref['lr'], ref['momentum'], ref['nesterov'],
                                  ref['weight_decay'])
    assert cfg.train_dataloader.batch_size == 32
    assert cfg.train_cfg.max_epochs == ref['epochs']
    assert cfg.model.backbone.frozen == ref['frozen']
    assert cfg.model.backbone.hidden_channels == 256

    # The schedule, epoch by epoch (the Runner's epoch i is the
    # reference's epoch i + 1).
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=opt.lr)
    (sched, ) = cfg.param_scheduler
    assert sched['type'] is MultiStepLR
    scheduler = MultiStepLR(optimizer, **{
        k: v
        for k, v in sched.items() if k != 'type'
    })
    for i in range(ref['epochs']):
        lr = optimizer.param_groups[0]['lr']
        assert lr == pytest.approx(_reference_lr(ref, i + 1), rel=1e-12), i
        optimizer.step()
        scheduler.step()

    # The classifier: linear probe N(0, 0.01) with zero bias
    # (LinearClassifier); semi nn.Linear's default (Bi_lstm_linear).
    head_cfg = cfg.model.cls_head
    assert head_cfg.num_classes == num_classes
    assert head_cfg.in_channels == 256 and head_cfg.dropout == 0
    torch.manual_seed(0)
    head = MODELS.build(head_cfg)
    head.init_weights()
    if ref['init'] == 'default':
        torch.manual_seed(0)
        default = nn.Linear(256, num_classes)
        assert torch.equal(head.fc.weight, default.weight)
        assert torch.equal(head.fc.bias, default.bias)
    else:
        assert head.fc.bias.eq(0).all()
        assert head.fc.weight.std().item() == pytest.approx(0.01, rel=0.05)
        assert abs(head.fc.weight.mean().item()) < 1e-3

    # The labelled subset: int(r * N / C) per class of the whole split.
    data = cfg.train_dataloader.dataset
    if 'label_rate' in ref:
        assert data.type.__name__ == 'SkeletonPoseDataset'
        assert data.label_rate == ref['label_rate']
        assert data.num_classes == num_classes
        assert tuple(data.class_range) == (0., 1.)
        assert data.split == dataset.split('_')[1] + '_train'
