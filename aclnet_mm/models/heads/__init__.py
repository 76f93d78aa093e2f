# Copyright (c) aclnet-mm contributors. All rights reserved.
from .aclnet_head import ACLNetHead

__all__ = ['ACLNetHead']
