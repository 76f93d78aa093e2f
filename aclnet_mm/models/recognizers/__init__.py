# Copyright (c) aclnet-mm contributors. All rights reserved.
from .ascal import ASCALRecognizer
from .retrieval_gcn import RetrievalRecognizerGCN

__all__ = ['ASCALRecognizer', 'RetrievalRecognizerGCN']
