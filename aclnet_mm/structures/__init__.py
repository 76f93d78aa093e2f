# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Data structures shared by the data and model layers."""
from .layouts import (MMACTION_LAYOUTS, SkeletonLayout, get_layout,
                      layout_from_dict, list_layouts, load_layout_file,
                      register_layout)

__all__ = [
    'SkeletonLayout', 'register_layout', 'get_layout', 'list_layouts',
    'layout_from_dict', 'load_layout_file', 'MMACTION_LAYOUTS'
]
