# Copyright (c) aclnet-mm contributors. All rights reserved.
from .ctrgc import CTRGC, CTRGCUnit
from .dynamic_gcn import DynamicGCNUnit
from .mstcn import GlobalJointMSTCN, MultiScaleTCN
from .topology import run_blocks

__all__ = [
    'CTRGC', 'CTRGCUnit', 'DynamicGCNUnit', 'GlobalJointMSTCN',
    'MultiScaleTCN', 'run_blocks'
]
