# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Class-by-class heat maps: confusion matrices and superclass affinity."""
from typing import Optional, Sequence

import numpy as np

from .figure import new_figure, save_figure

__all__ = ['confusion_matrix', 'plot_heatmap', 'plot_confusion_from_dump']


def confusion_matrix(labels: np.ndarray, preds: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """Counts ``[true, predicted]`` as an ``(C, C)`` int array."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(preds)), 1)
    return matrix


def plot_heatmap(matrix: np.ndarray,
                 out_file: str,
                 class_names: Optional[Sequence[str]] = None,
                 title: str = '',
                 xlabel: str = '',
                 ylabel: str = '',
                 normalize: bool = False,
                 annotate: Optional[bool] = None,
                 cmap: str = 'viridis') -> str:
    """Draw a square class-by-class matrix with class names on both axes.

    Args:
        matrix (np.ndarray): ``(C, C)`` values.
        out_file (str): ``.png`` / ``.svg`` / ``.pdf`` path.
        class_names (Sequence[str], optional): Tick labels. Defaults to the
            indices.
        title, xlabel, ylabel (str): Texts.
        normalize (bool): Divide each row by its sum (recall per class).
        annotate (bool, optional): Write the values in the cells. Defaults
            to True up to 20 classes.
        cmap (str): A matplotlib colour map.

    Returns:
        str: ``out_file``.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f'expected a square matrix, got {matrix.shape}')
    num = matrix.shape[0]
    if normalize:
        sums = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(
            matrix, sums, out=np.zeros_like(matrix), where=sums > 0)
    names = list(class_names) if class_names else [str(i) for i in range(num)]
    if len(names) != num:
        raise ValueError(f'{len(names)} class names for a {num}x{num} '
                         'matrix')
    side = min(4 + 0.35 * num, 16)
    fig = new_figure((side + 1.5, side))
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap=cmap, interpolation='nearest')
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(num), names, rotation=90, fontsize=7)
    ax.set_yticks(range(num), names, fontsize=7)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if annotate is None:
        annotate = num <= 20
    if annotate:
        top = matrix.max() if matrix.size else 0
        for i in range(num):
            for j in range(num):
                value = matrix[i, j]
                if value == 0:
                    continue
                text = f'{value:.2f}' if normalize or value % 1 else \
                    f'{int(value)}'
                ax.text(
                    j,
                    i,
                    text,
                    ha='center',
                    va='center',
                    fontsize=5,
                    color='black' if value > 0.6 * top else 'white')
    return save_figure(fig, out_file)


def plot_confusion_from_dump(dump_file: str,
                             out_file: str,
                             class_names: Optional[Sequence[str]] = None,
                             normalize: bool = True,
                             title: Optional[str] = None) -> np.ndarray:
    """Confusion matrix of a ``tools/test.py --dump`` pickle.

    Args:
        dump_file (str): The dump (a list of dicts with ``pred_score`` and
            ``gt_label``).
        out_file (str): The figure.
        class_names (Sequence[str], optional): Tick labels.
        normalize (bool): Row-normalise (per-class recall). Defaults to
            True.
        title (str, optional): Defaults to the top-1 accuracy.

    Returns:
        np.ndarray: The ``(C, C)`` count matrix.
    """
    from aclnet_mm.evaluation.functional.fusion import load_stream_scores
    stream = load_stream_scores(dump_file)
    preds = stream.scores.argmax(axis=1)
    matrix = confusion_matrix(stream.labels, preds, stream.num_classes)
    if title is None:
        acc = float(np.trace(matrix)) / max(int(matrix.sum()), 1)
        title = f'Confusion matrix (top-1 {acc:.1%}, {matrix.sum()} samples)'
    plot_heatmap(
        matrix,
        out_file,
        class_names,
        title=title,
        xlabel='predicted',
        ylabel='true',
        normalize=normalize,
        cmap='Blues')
    return matrix
