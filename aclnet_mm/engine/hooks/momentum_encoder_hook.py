# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Momentum (EMA) update of a key encoder after every optimiser step."""
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH
from mmengine.model import is_model_wrapper

__all__ = ['MomentumEncoderHook']


@HOOKS.register_module()
class MomentumEncoderHook(Hook):
    """Call the model's ``momentum_update()`` after each training iteration.

    MMEngine's ``OptimWrapper`` steps the optimiser inside the iteration,
    so this runs right after the step, as the reference does
    (``theta_k <- m theta_k + (1 - m) theta_q``). The update lives in a
    hook because ``MMDistributedDataParallel`` bypasses the model's own
    ``train_step``. The momentum itself and the EMA's step counter are the
    model's (:class:`~aclnet_mm.models.recognizers.ASCALRecognizer`), so
    resuming needs nothing from the hook. Runs before ``CheckpointHook``
    (priority ``'ABOVE_NORMAL'``) so an iteration-based checkpoint holds
    the updated key encoder. A step that
    :class:`~aclnet_mm.engine.optim_wrappers.FiniteLossOptimWrapper`
    skipped (non-finite loss) gets no momentum update either.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Update the key encoder.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (dict, optional): The batch. Defaults to None.
            outputs (dict, optional): The step's outputs. Defaults to None.
        """
        if getattr(runner.optim_wrapper, 'last_step_skipped', False):
            # FiniteLossOptimWrapper took no step (non-finite loss): the
            # query encoder did not move, so neither does the key encoder.
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        model.momentum_update()
