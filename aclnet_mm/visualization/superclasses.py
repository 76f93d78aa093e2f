# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Plots of the superclasses written by ``SuperclassRefreshHook``.

The hook writes ``work_dir/superclasses_epoch_{e}.json`` (and
``superclasses_latest.json``)::

    {"epoch": e, "modules": {"cls_head.loss_inter": {"faithful": ...,
        "classes": [{"index", "name", "members", "member_names", "size",
                     "tau"}, ...]}}}

Row ``i`` of the superclass mask is ``members`` of class ``i``: the classes
it is contrasted against (its confusable neighbours).
"""
import json
import math
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from .figure import new_figure, save_figure
from .heatmap import plot_heatmap

__all__ = [
    'Superclasses', 'load_superclasses', 'plot_superclass_graph',
    'plot_superclass_matrix', 'plot_confusion_statistics'
]


@dataclass
class Superclasses:
    """One module's superclasses at one epoch.

    Attributes:
        epoch (int): The refresh epoch.
        module (str): The loss module's path in the model.
        names (list[str]): Class names (indices when unknown).
        mask (np.ndarray): ``(C, C)`` bool, ``mask[i, j]``: j is in i's
            superclass.
        tau (np.ndarray): ``(C, )`` per-class temperatures.
    """
    epoch: int
    module: str
    names: List[str]
    mask: np.ndarray
    tau: np.ndarray


def load_superclasses(path: str, module: Optional[str] = None) -> Superclasses:
    """Read a refresh JSON.

    Args:
        path (str): ``superclasses_epoch_{e}.json`` or ``..._latest.json``.
        module (str, optional): Which loss, when the model has several.
            Defaults to the first.

    Returns:
        Superclasses: The parsed content.
    """
    with open(path) as f:
        data = json.load(f)
    modules = data.get('modules') or {}
    if not modules:
        raise ValueError(f'{path}: no modules; not a SuperclassRefreshHook '
                         'file?')
    if module is None:
        module = next(iter(modules))
    if module not in modules:
        raise KeyError(f'{path}: no module {module!r}; has {list(modules)}')
    classes = sorted(modules[module]['classes'], key=lambda c: c['index'])
    num = len(classes)
    mask = np.zeros((num, num), dtype=bool)
    for c in classes:
        mask[c['index'], c['members']] = True
    names = [
        c['name'] if c.get('name') is not None else str(c['index'])
        for c in classes
    ]
    tau = np.asarray([c.get('tau', np.nan) for c in classes], np.float64)
    return Superclasses(int(data.get('epoch', -1)), module, names, mask, tau)


def plot_superclass_matrix(path: str,
                           out_file: str,
                           module: Optional[str] = None) -> Superclasses:
    """Heat map of the superclass (affinity) mask, names on both axes."""
    sc = load_superclasses(path, module)
    plot_heatmap(
        sc.mask.astype(np.float64),
        out_file,
        sc.names,
        title=f'Superclass membership, epoch {sc.epoch}',
        xlabel='member class',
        ylabel='anchor class',
        annotate=False,
        cmap='Greens')
    return sc


def plot_superclass_graph(path: str,
                          out_file: str,
                          module: Optional[str] = None) -> Superclasses:
    """The classes on a circle, an edge between superclass members.

    An edge is drawn solid when the membership is mutual and dashed when
    only one class holds the other; node colour is the class temperature.
    """
    sc = load_superclasses(path, module)
    num = len(sc.names)
    angles = 2 * math.pi * np.arange(num) / max(num, 1)
    xy = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    fig = new_figure((7.5, 7.5))
    ax = fig.add_subplot()
    for i in range(num):
        for j in range(i + 1, num):
            if not (sc.mask[i, j] or sc.mask[j, i]):
                continue
            mutual = sc.mask[i, j] and sc.mask[j, i]
            ax.plot(
                xy[[i, j], 0],
                xy[[i, j], 1],
                color='tab:blue' if mutual else 'tab:gray',
                linestyle='-' if mutual else '--',
                linewidth=1.2 if mutual else 0.6,
                alpha=0.7,
                zorder=1)
    tau = np.nan_to_num(sc.tau, nan=0.)
    points = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=60 + 25 * sc.mask.sum(1),
        c=tau,
        cmap='autumn',
        edgecolors='black',
        zorder=2)
    if np.ptp(tau) > 0:
        fig.colorbar(points, ax=ax, fraction=0.04, label='temperature')
    for (x, y), name, a in zip(xy, sc.names, angles):
        ax.text(
            1.12 * x,
            1.12 * y,
            name,
            fontsize=7,
            ha='left' if x > 0.01 else 'right' if x < -0.01 else 'center',
            va='center',
            rotation=math.degrees(a) if x >= 0 else math.degrees(a) - 180,
            rotation_mode='anchor')
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.9, 1.9)
    ax.set_aspect('equal')
    ax.axis('off')
    ax.set_title(
        f'Superclasses, epoch {sc.epoch} (solid: mutual; node '
        'size: superclass size)',
        fontsize=9)
    save_figure(fig, out_file)
    return sc


def plot_confusion_statistics(
        checkpoint: str,
        out_file: str,
        class_names: Optional[List[str]] = None,
        key: str = 'cls_head.loss_inter.confusion') -> np.ndarray:
    """Heat map of the loss's accumulated confusion buffer.

    ``AffinityContrastiveLoss`` keeps ``confusion [C, C]`` (EMA counts of
    how often class i is scored as j) as a buffer, so a checkpoint holds
    the affinity the superclasses were mined from.

    Args:
        checkpoint (str): A ``.pth`` saved during training.
        out_file (str): The figure.
        class_names (list[str], optional): Tick labels.
        key (str): The buffer's name in the state dict.

    Returns:
        np.ndarray: The matrix.
    """
    from aclnet_mm.utils.checkpoint_loading import load_checkpoint_file

    # The package's loading policy (docs/advanced_guides/reliability.md,
    # trust boundary).
    ckpt = load_checkpoint_file(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    if key not in state:
        raise KeyError(
            f'{checkpoint}: no {key!r} buffer; keys with '
            f'"confusion": {[k for k in state if "confusion" in k]}')
    matrix = state[key].float().numpy()
    shown = matrix.copy()
    np.fill_diagonal(shown, 0)  # the diagonal (correct) dwarfs the rest
    plot_heatmap(
        shown,
        out_file,
        class_names,
        title='Inter-class confusion statistics (diagonal hidden)',
        xlabel='confused with',
        ylabel='true class',
        normalize=True,
        annotate=False,
        cmap='magma')
    return matrix
