# Copyright (c) aclnet-mm contributors. All rights reserved.
from .dist import all_gather_with_grad, concat_all_gather
from .graph import (SkeletonLayout, get_layout, list_layouts,
                    patch_mmaction_graph, register_layout)
from .queue import ring_buffer_indices, ring_buffer_latest, ring_buffer_push_

__all__ = [
    'SkeletonLayout', 'get_layout', 'list_layouts', 'patch_mmaction_graph',
    'register_layout', 'all_gather_with_grad', 'concat_all_gather',
    'ring_buffer_indices', 'ring_buffer_latest', 'ring_buffer_push_'
]
