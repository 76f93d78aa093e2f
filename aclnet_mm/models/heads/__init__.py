# Copyright (c) aclnet-mm contributors. All rights reserved.
from .aclnet_head import ACLNetHead
from .retrieval_head import ACLNetRetrievalHead

__all__ = ['ACLNetHead', 'ACLNetRetrievalHead']
