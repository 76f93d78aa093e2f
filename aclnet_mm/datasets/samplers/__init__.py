# Copyright (c) aclnet-mm contributors. All rights reserved.
from .resumable_sampler import ResumableSampler

__all__ = ['ResumableSampler']
