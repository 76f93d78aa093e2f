# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Temperature policies of :class:`AffinityContrastiveLoss`.

A policy maps superclass sizes to per-class temperatures, optionally
scaled by a factor annealed over the training progress. It is configured
on the loss (``temperature_policy``) and receives the loss's
``size_thresholds`` and ``temperatures``, so they are stated once.
"""
from typing import Dict, Optional, Sequence

import torch
from mmaction.registry import MODELS
from torch import Tensor

from aclnet_mm.models.utils.temperature import (anneal_factor,
                                                interp_temperature,
                                                step_temperature)

__all__ = ['StepTemperature', 'LinearTemperature']

_ANNEAL_KEYS = ('start_factor', 'end_factor', 'begin', 'end', 'mode',
                'by_epoch')


class _TemperaturePolicy:
    """Sizes to temperatures, times an optional annealed factor.

    ``anneal`` multiplies every temperature by a factor going from
    ``start_factor`` to ``end_factor`` between ``begin`` and ``end``
    (completed epochs as ``runner.epoch``, or iterations with
    ``by_epoch=False``; ``end`` defaults to the last one), with ``mode``
    ``'linear'`` or ``'cosine'``. Example:
    ``anneal=dict(start_factor=2.0, end_factor=1.0, begin=30)``.
    """

    def __init__(self, anneal: Optional[dict] = None) -> None:
        if anneal is not None:
            anneal = dict(anneal)
            unknown = set(anneal) - set(_ANNEAL_KEYS)
            if unknown:
                raise ValueError(f'unknown anneal keys: {sorted(unknown)}')
            anneal = dict(
                dict(
                    start_factor=1.0,
                    end_factor=1.0,
                    begin=0,
                    end=None,
                    mode='linear',
                    by_epoch=True), **anneal)
            anneal_factor(0.0, 1.0, 1.0, anneal['mode'])  # validates mode
        self.anneal = anneal

    def factor(self, progress: Optional[Dict[str, int]]) -> float:
        """The annealing factor.

        Args:
            progress (dict, optional): ``epoch``, ``max_epochs``, ``iter``
                and ``max_iters`` of the run; None (no run yet) gives the
                factor at the start.

        Returns:
            float: The factor (1 without ``anneal``).
        """
        if self.anneal is None:
            return 1.0
        cfg = self.anneal
        if progress is None:
            return float(cfg['start_factor'])
        if cfg['by_epoch']:
            now, last = progress['epoch'], progress['max_epochs']
        else:
            now, last = progress['iter'], progress['max_iters']
        begin = cfg['begin']
        end = last if cfg['end'] is None else cfg['end']
        ratio = 1.0 if end <= begin else (now - begin) / (end - begin)
        return anneal_factor(ratio, cfg['start_factor'], cfg['end_factor'],
                             cfg['mode'])

    def temperatures_of(self, sizes: Tensor) -> Tensor:
        raise NotImplementedError

    def __call__(self,
                 sizes: Tensor,
                 progress: Optional[Dict[str, int]] = None) -> Tensor:
        """Per-class temperatures for superclass ``sizes``.

        Args:
            sizes (Tensor): Superclass sizes, any shape.
            progress (dict, optional): See :meth:`factor`.

        Returns:
            Tensor: Temperatures, same shape as ``sizes``.
        """
        return self.temperatures_of(sizes) * self.factor(progress)


@MODELS.register_module()
class StepTemperature(_TemperaturePolicy):
    """The reference step function of the superclass size.

    ``temperatures[i]`` for ``size_thresholds[i-1] < size <=
    size_thresholds[i]`` (see :func:`~aclnet_mm.models.utils.temperature.
    step_temperature`), times the annealed factor.

    Args:
        size_thresholds (Sequence[float]): Increasing thresholds.
        temperatures (Sequence[float]): ``len(size_thresholds) + 1`` values.
        anneal (dict, optional): See the module. Defaults to None.
    """

    def __init__(self,
                 size_thresholds: Sequence[float],
                 temperatures: Sequence[float],
                 anneal: Optional[dict] = None) -> None:
        super().__init__(anneal)
        self.size_thresholds = tuple(float(t) for t in size_thresholds)
        self.temperatures = tuple(float(t) for t in temperatures)
        step_temperature(
            torch.ones(1), self.size_thresholds,
            self.temperatures)  # validates

    def temperatures_of(self, sizes: Tensor) -> Tensor:
        return step_temperature(sizes, self.size_thresholds, self.temperatures)


@MODELS.register_module()
class LinearTemperature(_TemperaturePolicy):
    """A continuous version of the step function.

    Piecewise-linear through ``(knots[i], temperatures[i])`` and flat
    outside. By default the knots are the thresholds plus one more step of
    the last gap, e.g. ``(10, 20, 30)`` for ``(10, 20)``: ``temperatures[0]``
    up to size 10 as in the step function, ``temperatures[1]`` at the top
    of its bucket (20) and ``temperatures[-1]`` from 30 on.

    Args:
        size_thresholds (Sequence[float]): The step thresholds.
        temperatures (Sequence[float]): One value per knot.
        knots (Sequence[float], optional): Sizes of the knots; derived from
            ``size_thresholds`` when None. Defaults to None.
        anneal (dict, optional): See the module. Defaults to None.
    """

    def __init__(self,
                 size_thresholds: Sequence[float],
                 temperatures: Sequence[float],
                 knots: Optional[Sequence[float]] = None,
                 anneal: Optional[dict] = None) -> None:
        super().__init__(anneal)
        self.temperatures = tuple(float(t) for t in temperatures)
        if knots is None:
            thresholds = tuple(float(t) for t in size_thresholds)
            gap = (
                thresholds[-1] -
                thresholds[-2] if len(thresholds) > 1 else thresholds[-1])
            knots = thresholds + (thresholds[-1] + gap, )
        self.knots = tuple(float(k) for k in knots)
        interp_temperature(torch.ones(1), self.knots,
                           self.temperatures)  # validates

    def temperatures_of(self, sizes: Tensor) -> Tensor:
        return interp_temperature(sizes, self.knots, self.temperatures)
