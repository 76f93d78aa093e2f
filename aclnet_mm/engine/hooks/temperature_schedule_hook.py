# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import List, Optional, Tuple

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH

from aclnet_mm.models.losses import AffinityContrastiveLoss
from .superclass_refresh_hook import find_affinity_losses


@HOOKS.register_module()
class TemperatureScheduleHook(Hook):
    """Tell :class:`AffinityContrastiveLoss` where training is.

    Before every training iteration the loss receives ``runner.epoch``,
    ``runner.iter``, ``runner.max_epochs`` and ``runner.max_iters``
    (:meth:`AffinityContrastiveLoss.set_progress`) and recomputes its
    per-class temperatures. What the temperatures are, step or linear,
    annealed or not, is the loss's ``temperature_policy``; the hook holds
    no schedule of its own. It is needed only for an annealed policy.

    The progress is a function of ``runner.epoch`` / ``runner.iter``, so a
    resumed run needs no extra state.

    Args:
        loss_path (str, optional): Dotted path of the loss in the unwrapped
            model; None finds every instance. Defaults to None.
    """

    priority = 'NORMAL'

    def __init__(self, loss_path: Optional[str] = None) -> None:
        self.loss_path = loss_path
        self._losses: List[Tuple[str, AffinityContrastiveLoss]] = []

    def before_train(self, runner) -> None:
        self._losses = find_affinity_losses(runner.model, self.loss_path)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        for _, module in self._losses:
            module.set_progress(
                epoch=runner.epoch,
                iter=runner.iter,
                max_epochs=runner.max_epochs,
                max_iters=runner.max_iters)
