# Copyright (c) aclnet-mm contributors. All rights reserved.
"""CASIA-B gait retrieval end to end through MMEngine's real Runner.

A synthetic CASIA-B (8 subjects x 10 walks x 2 views) is written in
GaitGraph's CSV format, converted, and the clean gait config (shrunk to a
tiny ST-GCN, 16-frame clips, a few epochs) trains on subjects 1-3,
selects on 4 and tests on the unseen subjects 5-8.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from tool_scripts import load_tool

convert_casia_b_gait = load_tool(
    'data/casia_b/gen_casia_b.py').convert_casia_b_gait
write_synthetic_gaitgraph_csv = load_tool(
    'data/casia_b/synthetic_casia_b.py').write_synthetic_gaitgraph_csv

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(
    REPO, 'configs', 'gait',
    'aclnet_aclgcn_1xb64_joint_u60_100e_casia_b_gait_keypoint_'
    '2d.py')
VIEWS = (0, 90)
CLIP_LEN = 16
NUM_CLASSES = 3
EMB_DIM = 8


def _shrink(cfg, ann_file, work_dir):
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dl = cfg[loader]
        dl.update(batch_size=16, num_workers=0, persistent_workers=False)
        dl.dataset.ann_file = ann_file
        for step in dl.dataset.pipeline:
            if step['type'] == 'SampleFrames':
                step['clip_len'] = CLIP_LEN
    head = cfg.model.cls_head
    # MMAction2's ST-GCN, tiny, for speed: ACLNet's losses then work on the
    # pooled embedding.
    cfg.model.backbone = dict(
        type='STGCN',
        graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
        base_channels=EMB_DIM,
        num_stages=2,
        inflate_stages=(),
        down_stages=())
    head.update(
        num_classes=NUM_CLASSES,
        in_channels=EMB_DIM,
        feature_source='embedding',
        loss_inter=dict(
            type='AffinityContrastiveLoss',
            num_classes=NUM_CLASSES,
            proj_channels=8,
            num_neighbors=1,
            overlap_thr=1,
            size_thresholds=(1, 2)),
        loss_intra=dict(
            type='MarginContrastiveLoss', proj_channels=8, queue_size=16))
    for key in ('val_evaluator', 'test_evaluator'):
        cfg[key]['views'] = VIEWS
    cfg.custom_hooks = [
        dict(type='SuperclassRefreshHook', start_epoch=2),
        dict(type='TemperatureScheduleHook'),
    ]
    cfg.train_cfg.update(max_epochs=4, val_interval=2)
    cfg.param_scheduler = []
    cfg.optim_wrapper.optimizer.lr = 0.05
    cfg.default_hooks.checkpoint.update(interval=2)
    cfg.default_hooks.logger.interval = 5
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    root = tmp_path_factory.mktemp('casia_b')
    csv_file = write_synthetic_gaitgraph_csv(
        str(root / 'pose.csv'),
        num_subjects=8,
        views=VIEWS,
        frames=(12, 24),
        seed=0)
    result = convert_casia_b_gait(
        csv_file,
        str(root / 'gait.pkl'),
        train_subjects=range(1, 5),
        val_subjects=(4, ),
        min_frames=CLIP_LEN)
    assert len(result.annotations['split']['test']) == 4 * 10 * 2
    return str(root / 'gait.pkl')


def test_train_select_and_test_on_unseen_subjects(ann_file, tmp_path):
    cfg = _shrink(Config.fromfile(CONFIG), ann_file, tmp_path)
    assert cfg.train_dataloader.dataset.split == 'train_dev'
    runner = Runner.from_cfg(cfg)
    runner.train()
    # The best checkpoint is chosen on the validation subject.
    best = runner.message_hub.get_info('best_ckpt')
    assert best is not None and 'best_gait_NM' in osp.basename(best)
    metrics = runner.test()
    # 4 unseen test subjects: chance is 25 %.
    for cond in ('NM', 'BG', 'CL'):
        assert metrics[f'gait/{cond}'] > 60, metrics
    assert f'gait/NM_{VIEWS[1]:03d}' in metrics

    # Predictions are unit embeddings concatenated over the three TTA
    # variants, carrying the metadata the metric reads.
    batch = next(iter(runner.test_dataloader))
    model = runner.model.eval()
    with torch.no_grad():
        samples = model.test_step(batch)
    emb = samples[0].embedding
    assert emb.shape == (3 * EMB_DIM, )
    assert emb.norm().item() == pytest.approx(1.0, abs=1e-5)
    assert {'subject', 'cond', 'seq', 'view'} <= set(samples[0].metainfo)
