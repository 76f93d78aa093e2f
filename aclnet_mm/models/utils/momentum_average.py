# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A momentum (key) encoder that blends from its very first update."""
from typing import Optional

import torch
from mmaction.registry import MODELS
from mmengine.model import ExponentialMovingAverage
from torch import Tensor, nn

__all__ = ['MomentumAverage']


@MODELS.register_module()
class MomentumAverage(ExponentialMovingAverage):
    """MoCo's momentum encoder: ``theta_k <- m theta_k + (1 - m) theta_q``.

    Every update blends, the first one included. MMEngine's
    :class:`~mmengine.model.ExponentialMovingAverage` instead copies the
    source outright on its first update (``steps == 0``), which suits an
    EMA of weights but not MoCo / AS-CAL: there the key encoder starts as a
    copy of the query encoder and the first update after the first
    optimiser step already gives ``0.999 theta_k + 0.001 theta_q``. The
    arithmetic is the reference's ``k.mul_(m).add_(q, alpha=1 - m)``
    (LZU-SIAT/AS-CAL ``moment_update``), not ``lerp_``, so float32 results
    match it to the last bit.

    Args:
        model (nn.Module): The query encoder; a frozen deep copy of it is
            the initial key encoder.
        momentum (float): Weight ``1 - m`` of the query encoder in each
            update, MMEngine's convention (0.001 for AS-CAL's m = 0.999).
            Defaults to 0.001.
        interval (int): Update every ``interval`` calls. Defaults to 1.
        device (torch.device, optional): Device of the copy. Defaults to
            None.
        update_buffers (bool): Average the buffers too, rather than copy
            them. Defaults to False.
    """

    def __init__(self,
                 model: nn.Module,
                 momentum: float = 0.001,
                 interval: int = 1,
                 device: Optional[torch.device] = None,
                 update_buffers: bool = False) -> None:
        super().__init__(
            model,
            momentum=momentum,
            interval=interval,
            device=device,
            update_buffers=update_buffers)

    def avg_func(self, averaged_param: Tensor, source_param: Tensor,
                 steps: int) -> None:
        """``averaged <- (1 - momentum) averaged + momentum source``, in
        place.

        Args:
            averaged_param (Tensor): The key encoder's parameter.
            source_param (Tensor): The query encoder's parameter.
            steps (int): Number of updates so far (unused).
        """
        averaged_param.mul_(1. - self.momentum).add_(
            source_param, alpha=self.momentum)

    @torch.no_grad()
    def update_parameters(self, model: nn.Module) -> None:
        """Blend ``model``'s parameters in (buffers are copied unless
        ``update_buffers``), on every ``interval``-th call, the first
        included.

        Args:
            model (nn.Module): The query encoder.
        """
        source = (
            model.state_dict()
            if self.update_buffers else dict(model.named_parameters()))
        if self.steps % self.interval == 0:
            for name, averaged in self.avg_parameters.items():
                if averaged.dtype.is_floating_point:
                    self.avg_func(averaged.data,
                                  source[name].data.to(averaged.device),
                                  int(self.steps))
        if not self.update_buffers:
            for b_avg, b_src in zip(self.module.buffers(), model.buffers()):
                b_avg.data.copy_(b_src.data.to(b_avg.device))
        self.steps += 1
