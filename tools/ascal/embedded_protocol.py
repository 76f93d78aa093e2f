# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL on the embedded real data: pretrained vs randomly initialised
frozen encoder, under several evaluation protocols.

For each seed: AS-CAL pretraining through MMEngine's Runner (the
pretraining config; the kept encoder is the last epoch's), then the same
evaluations of two frozen query encoders, the pretrained one and a randomly
initialised one (the linear config's encoder with ``init_cfg=None``):

* ``reference_linear``: the reference's linear evaluation through the
  Runner (the linear config: ``Linear(256, 20)`` on the raw CAE, SGD lr 1.0,
  90 epochs); the classifier is the best epoch on the 'val' split and the
  'test' split is evaluated once with it.
* ``standardised_linear``: a linear classifier on features standardised
  with the training split's mean and deviation (full-batch Adam, weight
  decay, a fixed number of steps, the last step kept: no selection at all),
  trained on every training clip and on ``k`` clips per class (averaged
  over draws), which is where the representation matters most.
* ``knn``: cosine k-NN (InstDisc's weighted vote) of the test clips
  against the training clips.

Nothing is chosen on the test split. Results go to ``results.json`` and a
table on stdout.

Example::

    OMP_NUM_THREADS=1 python tools/ascal/embedded_protocol.py \\
        --work-dir work_dirs/ascal_embedded --seeds 1 2
"""
import argparse
import glob
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, set_random_seed

from aclnet_mm.engine.runner import build_runner
from aclnet_mm.evaluation.metrics.knn_metric import knn_predict
from aclnet_mm.utils.checkpoint_loading import load_checkpoint_file

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'ascal')
PRETRAIN = osp.join(
    CONFIG_DIR,
    'ascal_lstm_1xb32_reverse_shear_u24_100e_body25_embedded_keypoint_2d.py')
LINEAR = osp.join(
    CONFIG_DIR,
    'ascal_linear_lstm_1xb32_u24_90e_body25_embedded_keypoint_2d.py')
SHOTS = (1, 2, 5)
KNN_K = (1, 20)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/ascal_embedded')
    parser.add_argument('--seeds', type=int, nargs='+', default=[1])
    parser.add_argument('--pretrain-epochs', type=int, default=None)
    parser.add_argument('--linear-epochs', type=int, default=None)
    parser.add_argument(
        '--shot-draws',
        type=int,
        default=5,
        help='random draws of the k-per-class training subsets')
    parser.add_argument(
        '--skip-reference-linear',
        action='store_true',
        help='skip the Runner-based reference linear evaluation')
    return parser.parse_args()


def _config(path: str) -> Config:
    # yapf formatting of the config text (logged, dumped and stored in each
    # checkpoint) costs seconds per call; MMEngine 0.10.7's fromfile drops
    # the flag for plain .py configs, hence a new Config.
    cfg = Config.fromfile(path)
    return Config(
        cfg.to_dict(), filename=cfg.filename, format_python_code=False)


def pretrain(work_dir: str, epochs: Optional[int], seed: int) -> str:
    """Pretrain; return the last epoch's checkpoint."""
    cfg = _config(PRETRAIN)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        cfg.train_cfg.val_begin = epochs
        cfg.train_cfg.val_interval = epochs
        cfg.default_hooks.checkpoint.interval = epochs
        cfg.param_scheduler[0].milestones = [epochs // 2]
    build_runner(cfg).train()
    return osp.join(work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')


def reference_linear(work_dir: str, checkpoint: Optional[str],
                     epochs: Optional[int], seed: int) -> Dict:
    """The linear config through the Runner, val-selected, test once."""
    cfg = _config(LINEAR)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    if checkpoint is None:
        cfg.model.backbone.init_cfg = None
    else:
        cfg.model.backbone.init_cfg.checkpoint = checkpoint
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        cfg.param_scheduler[0].milestones = [
            max(1, round(m * epochs / 90)) for m in (15, 35, 60, 75)
        ]
    runner = build_runner(cfg)
    runner.train()
    best_val = runner.message_hub.get_info('best_score')
    best = glob.glob(osp.join(work_dir, 'best_acc_top1_epoch_*.pth'))
    if len(best) != 1:
        raise RuntimeError(f'expected one best checkpoint, found {best}')
    # A fresh Runner loads the val-selected classifier (and the encoder it
    # was trained on) for the test split.
    cfg.load_from = best[0]
    cfg.model.backbone.init_cfg = None
    cfg.work_dir = osp.join(work_dir, 'test')
    test = build_runner(cfg).test()
    return dict(val_top1=best_val, test_top1=test['acc/top1'])


def _encoder(checkpoint: Optional[str], seed: int) -> torch.nn.Module:
    """The linear config's frozen encoder: pretrained or random init."""
    cfg = _config(LINEAR)
    backbone = dict(cfg.model.backbone, init_cfg=None)
    set_random_seed(seed)
    encoder = MODELS.build(backbone)
    if checkpoint is not None:
        state = load_checkpoint_file(
            checkpoint, map_location='cpu')['state_dict']
        # The query encoder, strictly (not the key encoder).
        encoder.load_state_dict({
            name[len('backbone.'):]: value
            for name, value in state.items() if name.startswith('backbone.')
        })
    return encoder.eval()


@torch.no_grad()
def _features(encoder: torch.nn.Module,
              split: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(N, D)`` encodings and labels of a split (no augmentation)."""
    cfg = _config(LINEAR)
    loader = dict(
        cfg.test_dataloader,
        dataset=dict(cfg.test_dataloader.dataset, split=split))
    feats, labels = [], []
    for batch in Runner.build_dataloader(loader):
        inputs = torch.stack(batch['inputs']).float()
        # (N, num_clips, M, T, V, C) with one clip.
        feats.append(encoder(inputs[:, 0]).flatten(1))
        labels.extend(int(s.gt_label) for s in batch['data_samples'])
    return torch.cat(feats), torch.tensor(labels)


def fit_linear(train_x: torch.Tensor,
               train_y: torch.Tensor,
               num_classes: int,
               steps: int = 200,
               lr: float = 1e-2,
               weight_decay: float = 1e-3) -> torch.nn.Module:
    """Logistic regression on standardised features, last step kept.

    Args:
        train_x (Tensor): ``(N, D)`` features.
        train_y (Tensor): ``(N, )`` labels.
        num_classes (int): Number of classes.
        steps (int): Full-batch Adam steps. Defaults to 200.
        lr (float): Adam learning rate. Defaults to 0.01.
        weight_decay (float): Weight decay. Defaults to 0.001.

    Returns:
        nn.Module: The classifier, standardisation included.
    """
    mean = train_x.mean(dim=0)
    # One clip per class has no spread: fall back to unit scale.
    std = train_x.std(dim=0) if len(train_x) > 1 else torch.ones_like(mean)
    std = std.clamp_min(1e-6)
    linear = torch.nn.Linear(train_x.shape[1], num_classes)
    optimizer = torch.optim.Adam(
        linear.parameters(), lr=lr, weight_decay=weight_decay)
    inputs = (train_x - mean) / std
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(linear(inputs), train_y).backward()
        optimizer.step()
    return torch.nn.Sequential(_Standardise(mean, std), linear)


class _Standardise(torch.nn.Module):

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.mean, self.std = mean, std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def _accuracy(model: torch.nn.Module, x: torch.Tensor,
              y: torch.Tensor) -> float:
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def standardised_linear(train: Tuple, test: Tuple, num_classes: int,
                        shots: Sequence[int], draws: int, seed: int) -> Dict:
    """Full-label and ``k``-per-class linear probes (test top-1)."""
    (train_x, train_y), (test_x, test_y) = train, test
    torch.manual_seed(seed)
    results = dict(
        full=_accuracy(
            fit_linear(train_x, train_y, num_classes), test_x, test_y))
    for k in shots:
        accs = []
        for draw in range(draws):
            generator = torch.Generator().manual_seed(1000 * seed + draw)
            index = torch.cat([
                idx[torch.randperm(len(idx), generator=generator)[:k]]
                for idx in (torch.nonzero(train_y == c)[:, 0]
                            for c in range(num_classes))
            ])
            accs.append(
                _accuracy(
                    fit_linear(train_x[index], train_y[index], num_classes),
                    test_x, test_y))
        results[f'{k}_per_class'] = sum(accs) / len(accs)
    return results


def knn(train: Tuple, test: Tuple, num_classes: int,
        ks: Sequence[int]) -> Dict:
    """Cosine k-NN test top-1 for each ``k``."""
    (train_x, train_y), (test_x, test_y) = train, test
    return {
        f'k{k}': (knn_predict(train_x, train_y, test_x, k, num_classes,
                              0.07) == test_y).float().mean().item()
        for k in ks
    }


def evaluate(checkpoint: Optional[str], seed: int, args) -> Dict:
    """Every feature-based protocol for one frozen encoder."""
    encoder = _encoder(checkpoint, seed)
    train, test = _features(encoder, 'train'), _features(encoder, 'test')
    num_classes = _config(LINEAR).num_classes
    return dict(
        standardised_linear=standardised_linear(train, test, num_classes,
                                                SHOTS, args.shot_draws, seed),
        knn=knn(train, test, num_classes, KNN_K))


def _table(results: Dict[str, Dict]) -> List[str]:
    rows = []
    for seed, res in results.items():
        for protocol in ('reference_linear', 'standardised_linear', 'knn'):
            if protocol not in res['pretrained']:
                continue
            pre, rand = res['pretrained'][protocol], res['random'][protocol]
            for name, value in pre.items():
                if name == 'val_top1':
                    continue
                rows.append(f'seed {seed:>3}  {protocol:<20} {name:<12} '
                            f'pretrained {100 * value:6.2f}  random '
                            f'{100 * rand[name]:6.2f}  margin '
                            f'{100 * (value - rand[name]):+6.2f}')
    return rows


def main():
    args = parse_args()
    torch.set_num_threads(1)
    init_default_scope('mmaction')
    results = {}
    for seed in args.seeds:
        work_dir = osp.join(args.work_dir, f'seed{seed}')
        checkpoint = pretrain(
            osp.join(work_dir, 'pretrain'), args.pretrain_epochs, seed)
        res = dict(
            checkpoint=checkpoint,
            pretrained=evaluate(checkpoint, seed, args),
            random=evaluate(None, seed, args))
        if not args.skip_reference_linear:
            for name, ckpt in (('pretrained', checkpoint), ('random', None)):
                res[name]['reference_linear'] = reference_linear(
                    osp.join(work_dir, f'linear_{name}'), ckpt,
                    args.linear_epochs, seed)
        results[seed] = res
        with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
            json.dump(results, f, indent=2)
    print('\n'.join(['AS-CAL, embedded data, test top-1 (%)'] +
                    _table(results)))


if __name__ == '__main__':
    main()
