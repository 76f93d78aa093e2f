# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import Dict, Optional

import torch
from mmaction.registry import OPTIM_WRAPPERS
from mmengine.dist import all_reduce
from mmengine.optim import OptimWrapper


@OPTIM_WRAPPERS.register_module()
class FiniteLossOptimWrapper(OptimWrapper):
    """An :class:`~mmengine.optim.OptimWrapper` that never updates the
    parameters from a non-finite loss.

    When the total loss of a step is NaN or infinite, :meth:`update_params`
    runs no backward pass and no optimizer step: the parameters, the
    gradients of the other micro-batches of a gradient-accumulation window
    and the optimizer state (momentum, Adam moments) are left exactly as
    they were, so the run continues as if that batch had not been drawn.
    A window whose micro-batches were all skipped takes no step at all.
    :class:`~aclnet_mm.engine.hooks.NonFiniteLossHook` reports the skipped
    steps (loss terms, sample ids) and decides whether training goes on.

    Cost: deciding on the host needs the loss's value, so each step reads
    one boolean back from the device (one host-device synchronisation per
    step, the same as MMEngine's logging of the loss already does). In
    distributed training the flag is all-reduced first (one extra tiny
    collective), so every rank skips together and DDP's gradient
    all-reduce never waits for a rank that skipped.

    Attributes:
        num_skipped (int): Steps skipped since construction.
        last_step_skipped (bool): Whether the latest call was skipped.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.num_skipped = 0
        self.last_step_skipped = False
        # Micro-batches of the current accumulation window that reached
        # backward; without any, the window must not step.
        self._finite_in_window = 0

    def update_params(  # type: ignore
            self,
            loss: torch.Tensor,
            step_kwargs: Optional[Dict] = None,
            zero_kwargs: Optional[Dict] = None) -> None:
        """Back-propagate and step, unless ``loss`` is not finite.

        Args:
            loss (torch.Tensor): The total loss of the step.
            step_kwargs (dict, optional): Arguments for ``optimizer.step``.
            zero_kwargs (dict, optional): Arguments for
                ``optimizer.zero_grad``.
        """
        step_kwargs = {} if step_kwargs is None else step_kwargs
        zero_kwargs = {} if zero_kwargs is None else zero_kwargs
        bad = (~torch.isfinite(loss.detach())).any().to(torch.int32)
        all_reduce(bad, op='sum')  # no-op outside distributed training
        self.last_step_skipped = bool(bad)  # the one host sync
        if self.last_step_skipped:
            self.num_skipped += 1
            # Count the micro-batch as backward would, so accumulation
            # windows keep their boundaries.
            self._inner_count += 1
        else:
            self.backward(self.scale_loss(loss))
            self._finite_in_window += 1
        if self.should_update():
            if self._finite_in_window:
                self.step(**step_kwargs)
            self.zero_grad(**zero_kwargs)
            self._finite_in_window = 0
