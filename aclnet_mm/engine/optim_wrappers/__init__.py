# Copyright (c) aclnet-mm contributors. All rights reserved.
from .finite_loss_amp_optim_wrapper import FiniteLossAmpOptimWrapper
from .finite_loss_optim_wrapper import FiniteLossOptimWrapper

__all__ = ['FiniteLossOptimWrapper', 'FiniteLossAmpOptimWrapper']
