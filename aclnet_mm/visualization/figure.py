# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Figures drawn with matplotlib's object API on the Agg canvas.

No ``pyplot``: nothing global (backend, current figure) is touched, so the
plots work headless and inside other programs.
"""
import os
import os.path as osp
from typing import Tuple

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ['new_figure', 'save_figure']

_FORMATS = ('.png', '.svg', '.pdf')


def new_figure(size: Tuple[float, float] = (6., 5.), dpi: int = 100) -> Figure:
    """A figure attached to an Agg canvas."""
    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, out_file: str) -> str:
    """Save as PNG, SVG or PDF (by extension), creating the folder.

    Args:
        fig (Figure): The figure.
        out_file (str): The output path.

    Returns:
        str: ``out_file``.
    """
    ext = osp.splitext(out_file)[1].lower()
    if ext not in _FORMATS:
        raise ValueError(f'{out_file}: use one of {_FORMATS}')
    folder = osp.dirname(out_file)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.savefig(out_file, bbox_inches='tight')
    return out_file
