# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Plots: superclasses, heat maps, training curves, skeleton sequences."""
from .curves import DEFAULT_CURVES, load_scalars, plot_training_curves
from .figure import new_figure, save_figure
from .heatmap import confusion_matrix, plot_confusion_from_dump, plot_heatmap
from .skeleton import (plot_skeleton_strip, render_skeleton_frames,
                       render_skeleton_gif)
from .superclasses import (Superclasses, load_superclasses,
                           plot_confusion_statistics, plot_superclass_graph,
                           plot_superclass_matrix)

__all__ = [
    'DEFAULT_CURVES', 'load_scalars', 'plot_training_curves', 'new_figure',
    'save_figure', 'confusion_matrix', 'plot_confusion_from_dump',
    'plot_heatmap', 'plot_skeleton_strip', 'render_skeleton_frames',
    'render_skeleton_gif', 'Superclasses', 'load_superclasses',
    'plot_confusion_statistics', 'plot_superclass_graph',
    'plot_superclass_matrix'
]
