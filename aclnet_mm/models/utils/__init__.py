# Copyright (c) aclnet-mm contributors. All rights reserved.
from .confusion import batch_confusion, confusion_increment
from .dist import all_gather_with_grad, concat_all_gather
from .graph import build_graph
from .momentum_average import MomentumAverage
from .pooling import pool_embedding
from .queue import ring_buffer_indices, ring_buffer_latest, ring_buffer_push_
from .superclass import (build_superclasses, neighbor_overlap, superclass_mask,
                         superclass_sizes, topk_neighbors)
from .temperature import anneal_factor, interp_temperature, step_temperature

__all__ = [
    'build_graph', 'all_gather_with_grad', 'concat_all_gather',
    'ring_buffer_indices', 'ring_buffer_latest', 'ring_buffer_push_',
    'batch_confusion', 'confusion_increment', 'build_superclasses',
    'neighbor_overlap', 'superclass_mask', 'superclass_sizes',
    'topk_neighbors', 'anneal_factor', 'interp_temperature',
    'step_temperature', 'pool_embedding', 'MomentumAverage'
]
