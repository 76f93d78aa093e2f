# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import backbones, heads, losses, recognizers, utils  # noqa: F401
# The classes at package level: configs import them from here.
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403

__all__ = (['backbones', 'heads', 'losses', 'recognizers', 'utils'] +
           backbones.__all__ + heads.__all__ + losses.__all__ +
           recognizers.__all__)
