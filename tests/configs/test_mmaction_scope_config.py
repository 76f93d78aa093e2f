# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A config that inherits an MMAction2 fragment through ``mmaction::``."""
import os.path as osp

import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(
    REPO, 'configs', 'aclnet',
    'aclnet_stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py')


def test_mmaction_scope_config_loads_and_builds():
    cfg = Config.fromfile(CONFIG)
    # Inherited from MMAction2's recipe ...
    assert cfg.model.type == 'RecognizerGCN'
    assert cfg.model.backbone.type == 'STGCN'
    assert cfg.model.backbone.graph_cfg.layout == 'nturgb+d'
    assert cfg.train_cfg.max_epochs == 16
    assert cfg.train_dataloader.dataset.type == 'RepeatDataset'
    assert cfg.default_scope == 'mmaction'
    # ... with our head in place of GCNHead (no GCNHead key left over).
    assert cfg.model.cls_head.type == 'ACLNetHead'
    assert 'loss_cls' not in cfg.model.cls_head
    assert [h.type for h in cfg.custom_hooks
            ] == ['SuperclassRefreshHook', 'TemperatureScheduleHook']

    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    inputs = torch.randn(2, 1, 2, 20, 25, 3)
    feats, _ = model.extract_feat(inputs)
    assert feats.shape == (2, 2, 256, 5, 25)
    assert model.cls_head(feats).shape == (2, 60)
    assert model.cls_head.loss_inter.proj.in_features == 256
