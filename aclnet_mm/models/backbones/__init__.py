# Copyright (c) aclnet-mm contributors. All rights reserved.
from .aclgcn import ACLGCN
from .ctrgcn import CTRGCN
from .lstm import SkeletonRNN
from .protogcn import ProtoGCN, PrototypeReconstruction

__all__ = [
    'ACLGCN', 'CTRGCN', 'SkeletonRNN', 'ProtoGCN', 'PrototypeReconstruction'
]
