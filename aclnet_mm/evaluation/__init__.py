# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import functional, metrics  # noqa: F401
# The metrics at package level: configs import them from here.
from .metrics import *  # noqa: F401,F403

__all__ = ['functional', 'metrics'] + metrics.__all__
