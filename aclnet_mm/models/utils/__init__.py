# Copyright (c) aclnet-mm contributors. All rights reserved.
from .graph import (SkeletonLayout, get_layout, list_layouts,
                    patch_mmaction_graph, register_layout)

__all__ = [
    'SkeletonLayout', 'get_layout', 'list_layouts', 'patch_mmaction_graph',
    'register_layout'
]
