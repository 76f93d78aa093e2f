# Copyright (c) aclnet-mm contributors. All rights reserved.
from .aclgcn import ACLGCN
from .ctrgcn import CTRGCN

__all__ = ['ACLGCN', 'CTRGCN']
