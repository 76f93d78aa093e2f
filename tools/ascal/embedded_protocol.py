# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL on the embedded real data: pretrain, then linear evaluation, and
the same linear evaluation on a randomly initialised frozen encoder.

Everything runs through MMEngine's Runner with the configs in
``configs/ascal/``. Checkpoints are chosen without the test split: the
pretrained encoder is the last epoch's, the linear classifier the best
epoch on the 'val' split; the test split is evaluated once per run.

Example::

    python tools/ascal/embedded_protocol.py --work-dir work_dirs/ascal_demo
"""
import argparse
import glob
import json
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner import Runner

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'ascal')
PRETRAIN = osp.join(
    CONFIG_DIR,
    'ascal_lstm_1xb32-reverse-shear-u24-100e_body25-embedded-keypoint-2d.py')
LINEAR = osp.join(
    CONFIG_DIR,
    'ascal-linear_lstm_1xb32-u24-90e_body25-embedded-keypoint-2d.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/ascal_embedded')
    parser.add_argument('--pretrain-epochs', type=int, default=None)
    parser.add_argument('--linear-epochs', type=int, default=None)
    parser.add_argument('--seed', type=int, default=1)
    return parser.parse_args()


def _run(cfg: Config) -> Runner:
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def pretrain(work_dir: str, epochs, seed: int) -> str:
    cfg = Config.fromfile(PRETRAIN)
    cfg.work_dir = osp.join(work_dir, 'pretrain')
    cfg.randomness = dict(seed=seed)
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        cfg.train_cfg.val_begin = epochs
        cfg.train_cfg.val_interval = epochs
        cfg.default_hooks.checkpoint.interval = epochs
        cfg.param_scheduler[0].milestones = [epochs // 2]
    runner = _run(cfg)
    knn = runner.test()
    return osp.join(cfg.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth'), knn


def linear_eval(work_dir: str, checkpoint, epochs, seed: int) -> dict:
    cfg = Config.fromfile(LINEAR)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    if checkpoint is None:
        cfg.model.backbone.init_cfg = None
    else:
        cfg.model.backbone.init_cfg.checkpoint = checkpoint
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        scale = epochs / 90
        cfg.param_scheduler[0].milestones = [
            max(1, round(m * scale)) for m in (15, 35, 60, 75)
        ]
    runner = _run(cfg)
    best_val = runner.message_hub.get_info('best_score')
    best = glob.glob(osp.join(work_dir, 'best_acc_top1_epoch_*.pth'))
    if len(best) != 1:
        raise RuntimeError(f'expected one best checkpoint, found {best}')
    # A fresh Runner loads the val-selected classifier for the test split.
    cfg.load_from = best[0]
    cfg.model.backbone.init_cfg = None
    cfg.work_dir = osp.join(work_dir, 'test')
    test = Runner.from_cfg(cfg).test()
    return dict(
        best_val_top1=best_val,
        best_checkpoint=osp.basename(best[0]),
        test_top1=test['acc/top1'],
        test_top5=test['acc/top5'])


def main():
    args = parse_args()
    torch.set_num_threads(2)
    checkpoint, knn = pretrain(args.work_dir, args.pretrain_epochs, args.seed)
    results = dict(
        knn_test=knn,
        ascal=linear_eval(
            osp.join(args.work_dir, 'linear_ascal'), checkpoint,
            args.linear_epochs, args.seed),
        random=linear_eval(
            osp.join(args.work_dir, 'linear_random'), None, args.linear_epochs,
            args.seed))
    results['margin_test_top1'] = (
        results['ascal']['test_top1'] - results['random']['test_top1'])
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == '__main__':
    main()
