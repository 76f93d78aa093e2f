# Copyright (c) aclnet-mm contributors. All rights reserved.
from .ascal import ASCALRecognizer

__all__ = ['ASCALRecognizer']
