# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import hooks, optim_wrappers, runner  # noqa: F401
# The classes at package level: configs import them from here.
from .hooks import *  # noqa: F401,F403
from .optim_wrappers import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403

__all__ = (['hooks', 'optim_wrappers', 'runner'] + hooks.__all__ +
           optim_wrappers.__all__ + runner.__all__)
