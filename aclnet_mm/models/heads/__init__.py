# Copyright (c) aclnet-mm contributors. All rights reserved.
from .aclnet_head import ACLNetHead
from .protogcn_head import ProtoGCNHead
from .retrieval_head import ACLNetRetrievalHead

__all__ = ['ACLNetHead', 'ACLNetRetrievalHead', 'ProtoGCNHead']
