# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Training curves from MMEngine's ``vis_data/scalars.json``.

MMEngine's ``LocalVisBackend`` appends one JSON object per line: the train
log lines (``loss``, ``loss_cls``, ..., ``epoch``, ``iter``, ``step``)
and the validation lines (``acc/top1``, ..., ``step`` = the epoch).
"""
import json
from typing import Dict, List, Sequence

import numpy as np

from .figure import new_figure, save_figure

__all__ = ['DEFAULT_CURVES', 'load_scalars', 'plot_training_curves']

DEFAULT_CURVES = ('loss_cls', 'loss_inter', 'loss_intra', 'top1_acc',
                  'acc/top1', 'tau_mean')


def load_scalars(path: str) -> Dict[str, Dict[str, np.ndarray]]:
    """Split a scalars file into train and val series.

    Args:
        path (str): ``work_dir/<timestamp>/vis_data/scalars.json``.

    Returns:
        dict: ``{'train': {key: (x, y)}, 'val': {key: (x, y)}}`` where x is
        the epoch (fractional for train lines: iterations / iterations per
        epoch, estimated from the log).
    """
    train: List[dict] = []
    val: List[dict] = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            record = json.loads(line)
            (train if 'iter' in record else val).append(record)
    out = dict(train={}, val={})
    if train:
        # iterations per epoch from the last logged line of each epoch
        iters = np.asarray([r['iter'] for r in train], np.float64)
        epochs = np.asarray([r.get('epoch', 1) for r in train], np.float64)
        per_epoch = iters.max() / max(epochs.max(), 1)
        x = iters / per_epoch
        for key in {k for r in train for k in r}:
            if key in ('epoch', 'iter', 'step'):
                continue
            pts = [(xi, r[key]) for xi, r in zip(x, train)
                   if isinstance(r.get(key), (int, float))]
            if pts:
                out['train'][key] = tuple(np.asarray(v) for v in zip(*pts))
    for key in {k for r in val for k in r}:
        if key == 'step':
            continue
        pts = [(r['step'], r[key]) for r in val
               if isinstance(r.get(key), (int, float))]
        if pts:
            out['val'][key] = tuple(np.asarray(v) for v in zip(*pts))
    return out


def plot_training_curves(path: str,
                         out_file: str,
                         keys: Sequence[str] = DEFAULT_CURVES,
                         title: str = '') -> List[str]:
    """One panel per scalar (train lines, or val points for ``acc/*``).

    Args:
        path (str): The scalars file.
        out_file (str): The figure.
        keys (Sequence[str]): Scalars to draw; the missing ones are skipped.
        title (str): Figure title.

    Returns:
        list[str]: The keys drawn.
    """
    series = load_scalars(path)
    found = []
    for key in keys:
        for split in ('train', 'val'):
            if key in series[split]:
                found.append((key, split))
                break
    if not found:
        raise ValueError(f'{path}: none of {list(keys)} logged; has '
                         f'{sorted(series["train"]) + sorted(series["val"])}')
    cols = min(3, len(found))
    rows = (len(found) + cols - 1) // cols
    fig = new_figure((4.2 * cols, 3.0 * rows))
    for i, (key, split) in enumerate(found):
        ax = fig.add_subplot(rows, cols, i + 1)
        x, y = series[split][key]
        ax.plot(
            x,
            y,
            marker='o' if split == 'val' else None,
            markersize=3,
            linewidth=1.2,
            color='tab:orange' if split == 'val' else 'tab:blue')
        ax.set_title(f'{key} ({split})', fontsize=9)
        ax.set_xlabel('epoch', fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, out_file)
    return [k for k, _ in found]
