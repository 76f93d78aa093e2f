# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The embedded ProtoGCN config, run by the real Runner on the real
pose-classification-kit recordings for one short epoch."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from tool_scripts import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(
    REPO, 'configs', 'protogcn',
    'protogcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py')


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    kit = load_tool('data/embedded/prepare_pose_classification_kit.py')
    try:
        kit.find_pose_classification_kit()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    out = str(tmp_path_factory.mktemp('embedded') / 'body25_2d.pkl')
    kit.convert_pose_classification_kit(out_file=out, verbose=False)
    return out


def test_config_trains_one_short_epoch_and_tests(ann_file, tmp_path):
    cfg = Config.fromfile(CONFIG)
    assert cfg.model.backbone.faithful and cfg.model.cls_head.faithful
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.ann_file = ann_file
    # Two batches of training, a short test: the wiring, not accuracy.
    cfg.train_dataloader.dataset.indices = 32
    cfg.test_dataloader.dataset.indices = 16
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 10
    cfg.param_scheduler[0].T_max = 1
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    start = runner.model.cls_head.loss_proto.prototypes.clone()
    runner.train()
    proto = runner.model.cls_head.loss_proto.prototypes
    assert torch.isfinite(proto).all() and not torch.equal(proto, start)
    assert runner.message_hub.get_scalar('train/loss_proto') is not None

    checkpoint = torch.load(
        osp.join(tmp_path, 'epoch_1.pth'),
        map_location='cpu',
        weights_only=False)
    # The memory is in the checkpoint, so resume restores it.
    assert torch.equal(
        checkpoint['state_dict']['cls_head.loss_proto.prototypes'], proto)
    metrics = runner.test()
    assert 0 <= metrics['acc/top1'] <= 1
