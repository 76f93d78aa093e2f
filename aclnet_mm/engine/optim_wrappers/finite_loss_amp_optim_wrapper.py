# Copyright (c) aclnet-mm contributors. All rights reserved.
from mmaction.registry import OPTIM_WRAPPERS
from mmengine.optim import AmpOptimWrapper

from .finite_loss_optim_wrapper import FiniteLossOptimWrapper

__all__ = ['FiniteLossAmpOptimWrapper']


@OPTIM_WRAPPERS.register_module()
class FiniteLossAmpOptimWrapper(FiniteLossOptimWrapper, AmpOptimWrapper):
    """MMEngine's :class:`~mmengine.optim.AmpOptimWrapper` that never
    updates the parameters from a non-finite loss.

    :meth:`update_params` is :class:`FiniteLossOptimWrapper`'s (a
    non-finite loss: no backward, no step, no change of the loss scale);
    the backward pass, the step and the dynamic loss scaling of a finite
    loss are ``AmpOptimWrapper``'s. It lets
    :class:`~aclnet_mm.engine.hooks.NonFiniteLossHook` run in skip mode
    under mixed precision::

        optim_wrapper = dict(type='FiniteLossAmpOptimWrapper',
                             optimizer=dict(type='SGD', lr=0.1))

    The two guards differ: a non-finite *loss* (e.g. a NaN input, or an
    fp16 overflow in the forward) is skipped here and reported by the
    hook; finite loss but non-finite *gradients* are left to the grad
    scaler, which skips the optimizer step and lowers the scale by
    itself, as with ``AmpOptimWrapper`` (the hook does not see those
    steps, and the model's buffers keep that step's update).

    Needs what ``AmpOptimWrapper`` needs (a CUDA, NPU, MLU or MUSA
    device); the arguments are ``AmpOptimWrapper``'s (``loss_scale``,
    ``dtype``, ``use_fsdp``, ``optimizer``, ``accumulative_counts``,
    ``clip_grad``).
    """
