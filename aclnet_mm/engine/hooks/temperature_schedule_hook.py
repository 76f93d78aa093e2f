# Copyright (c) aclnet-mm contributors. All rights reserved.
from functools import partial
from typing import List, Optional, Sequence, Tuple

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH
from torch import Tensor

from aclnet_mm.models.losses import AffinityContrastiveLoss
from aclnet_mm.models.utils.temperature import (anneal_factor,
                                                interp_temperature,
                                                step_temperature)
from .superclass_refresh_hook import find_affinity_losses


def _scheduled_temperature(sizes: Tensor, policy: str, points: Tuple[float,
                                                                     ...],
                           temperatures: Tuple[float,
                                               ...], factor: float) -> Tensor:
    if policy == 'step':
        tau = step_temperature(sizes, points, temperatures)
    else:
        tau = interp_temperature(sizes, points, temperatures)
    return tau * factor


@HOOKS.register_module()
class TemperatureScheduleHook(Hook):
    """Set the per-class temperatures of :class:`AffinityContrastiveLoss`.

    Before every training iteration ``class_tau`` is recomputed from the
    current superclass sizes:

    - ``policy='step'``: the reference step function, ``temperatures[i]``
      for ``size_thresholds[i-1] < size <= size_thresholds[i]``.
    - ``policy='linear'``: a continuous version, piecewise-linear through
      ``(knots[i], temperatures[i])`` and flat outside. By default the
      knots are the thresholds plus one more step of the last gap, e.g.
      ``(10, 20, 30)`` for ``(10, 20)``: ``temperatures[0]`` up to size 10
      as in the step function, ``temperatures[1]`` at the top of its bucket
      (20) and ``temperatures[-1]`` from 30 on.

    ``anneal`` optionally multiplies every temperature by a factor going
    from ``start_factor`` to ``end_factor`` between ``begin`` and ``end``
    (epochs, 0-based completed epochs as ``runner.epoch``, or iterations
    with ``by_epoch=False``; ``end`` defaults to the last one), with
    ``mode`` ``'linear'`` or ``'cosine'``. Example:
    ``anneal=dict(start_factor=2.0, end_factor=1.0, begin=30)``.

    The hook's thresholds and temperatures replace the loss's own
    ``size_thresholds`` / ``temperatures`` while it is registered.

    The schedule is a function of ``runner.epoch`` / ``runner.iter`` only,
    so a resumed run needs no extra state. The same function is handed to
    the loss, so a faithful rebuild inside a forward uses it too.

    Args:
        policy (str): ``'step'`` or ``'linear'``. Defaults to ``'step'``.
        size_thresholds (Sequence[float]): Step thresholds.
            Defaults to (10, 20).
        temperatures (Sequence[float]): Temperatures, one per bucket
            (step) or per knot (linear). Defaults to (0.1, 0.5, 1.0).
        knots (Sequence[float], optional): Sizes of the linear policy.
            Defaults to None (derived from ``size_thresholds``).
        anneal (dict, optional): Annealing of a global factor, see above.
            Defaults to None (factor 1).
        loss_path (str, optional): Dotted path of the loss in the unwrapped
            model; None finds every instance. Defaults to None.
    """

    priority = 'NORMAL'

    def __init__(self,
                 policy: str = 'step',
                 size_thresholds: Sequence[float] = (10, 20),
                 temperatures: Sequence[float] = (0.1, 0.5, 1.0),
                 knots: Optional[Sequence[float]] = None,
                 anneal: Optional[dict] = None,
                 loss_path: Optional[str] = None) -> None:
        if policy not in ('step', 'linear'):
            raise ValueError(
                f'policy must be "step" or "linear", got {policy!r}')
        self.policy = policy
        self.temperatures = tuple(float(t) for t in temperatures)
        thresholds = tuple(float(t) for t in size_thresholds)
        if policy == 'step':
            self.points = thresholds
        elif knots is not None:
            self.points = tuple(float(k) for k in knots)
        else:
            gap = thresholds[-1] - thresholds[-2] if len(
                thresholds) > 1 else thresholds[-1]
            self.points = thresholds + (thresholds[-1] + gap, )
        # Validate once, at build time.
        _scheduled_temperature(
            torch.ones(1), policy, self.points, self.temperatures, 1.0)
        if anneal is not None:
            anneal = dict(anneal)
            unknown = set(anneal) - {
                'start_factor', 'end_factor', 'begin', 'end', 'mode',
                'by_epoch'
            }
            if unknown:
                raise ValueError(f'unknown anneal keys: {sorted(unknown)}')
            anneal.setdefault('start_factor', 1.0)
            anneal.setdefault('end_factor', 1.0)
            anneal.setdefault('begin', 0)
            anneal.setdefault('end', None)
            anneal.setdefault('mode', 'linear')
            anneal.setdefault('by_epoch', True)
            anneal_factor(0.0, 1.0, 1.0, anneal['mode'])
        self.anneal = anneal
        self.loss_path = loss_path
        self._losses: List[Tuple[str, AffinityContrastiveLoss]] = []

    def factor(self, runner) -> float:
        """Annealing factor at the runner's current epoch / iteration."""
        if self.anneal is None:
            return 1.0
        cfg = self.anneal
        if cfg['by_epoch']:
            now, last = runner.epoch, runner.max_epochs
        else:
            now, last = runner.iter, runner.max_iters
        begin = cfg['begin']
        end = last if cfg['end'] is None else cfg['end']
        progress = 1.0 if end <= begin else (now - begin) / (end - begin)
        return anneal_factor(progress, cfg['start_factor'], cfg['end_factor'],
                             cfg['mode'])

    def before_train(self, runner) -> None:
        self._losses = find_affinity_losses(runner.model, self.loss_path)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        fn = partial(
            _scheduled_temperature,
            policy=self.policy,
            points=self.points,
            temperatures=self.temperatures,
            factor=self.factor(runner))
        for _, module in self._losses:
            module.temperature_fn = fn
            module.set_class_temperatures(fn(module.superclass_sizes()))
