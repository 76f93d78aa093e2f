# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import backbones, heads, losses, recognizers, utils  # noqa: F401

__all__ = ['backbones', 'heads', 'losses', 'recognizers', 'utils']
