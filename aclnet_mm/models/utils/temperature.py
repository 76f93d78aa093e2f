# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Temperature of a superclass as a function of its size, and annealing.

The functions take Python scalars for the schedule, so no small tensor is
built on the host and copied to the device at every step.
"""
import math
from typing import Sequence

import torch
from torch import Tensor


def _check_points(points: Sequence[float], values: Sequence[float],
                  extra: int) -> None:
    if len(values) != len(points) + extra:
        raise ValueError(f'expected {len(points) + extra} temperatures for '
                         f'{len(points)} size points, got {len(values)}')
    if any(b <= a for a, b in zip(points[:-1], points[1:])):
        raise ValueError(f'size points must increase, got {tuple(points)}')


def step_temperature(sizes: Tensor, thresholds: Sequence[float],
                     temperatures: Sequence[float]) -> Tensor:
    """Reference temperature: a step function of the superclass size.

    ``tau = temperatures[i]`` for ``thresholds[i-1] < size <= thresholds[i]``
    (with ``-inf`` and ``+inf`` at the ends). The reference uses thresholds
    ``(10, 20)`` and temperatures ``(0.1, 0.5, 1.0)`` (method doc §M5).

    Args:
        sizes (Tensor): Superclass sizes, any shape.
        thresholds (Sequence[float]): Increasing size thresholds.
        temperatures (Sequence[float]): ``len(thresholds) + 1`` values.

    Returns:
        Tensor: Temperatures, same shape as ``sizes``, floating dtype.
    """
    _check_points(thresholds, temperatures, 1)
    sizes = sizes if sizes.is_floating_point() else sizes.float()
    tau = torch.full_like(sizes, temperatures[-1])
    for thr, value in zip(reversed(thresholds), reversed(temperatures[:-1])):
        tau = torch.where(sizes <= thr, value, tau)
    return tau


def interp_temperature(sizes: Tensor, knots: Sequence[float],
                       temperatures: Sequence[float]) -> Tensor:
    """Continuous temperature: piecewise-linear interpolation through knots.

    ``tau`` equals ``temperatures[i]`` at ``size = knots[i]``, is linear in
    between and constant beyond the first and the last knot.

    Args:
        sizes (Tensor): Superclass sizes, any shape.
        knots (Sequence[float]): Increasing sizes.
        temperatures (Sequence[float]): One value per knot.

    Returns:
        Tensor: Temperatures, same shape as ``sizes``, floating dtype.
    """
    _check_points(knots, temperatures, 0)
    sizes = sizes if sizes.is_floating_point() else sizes.float()
    tau = torch.full_like(sizes, temperatures[0])
    segments = zip(knots[:-1], knots[1:], temperatures[:-1], temperatures[1:])
    for x0, x1, y0, y1 in segments:
        ramp = y0 + (y1 - y0) * (sizes - x0) / (x1 - x0)
        tau = torch.where(sizes > x0, ramp, tau)
    return torch.where(sizes >= knots[-1], temperatures[-1], tau)


def anneal_factor(progress: float,
                  start: float,
                  end: float,
                  mode: str = 'linear') -> float:
    """Factor going from ``start`` to ``end`` as ``progress`` goes 0 to 1.

    Args:
        progress (float): Position in the schedule, clipped to ``[0, 1]``.
        start (float): Factor at ``progress = 0``.
        end (float): Factor at ``progress = 1``.
        mode (str): ``'linear'`` or ``'cosine'`` (half cosine, flat at both
            ends). Defaults to ``'linear'``.

    Returns:
        float: The factor.
    """
    progress = min(max(float(progress), 0.0), 1.0)
    if mode == 'linear':
        weight = progress
    elif mode == 'cosine':
        weight = (1 - math.cos(math.pi * progress)) / 2
    else:
        raise ValueError(f'mode must be "linear" or "cosine", got {mode!r}')
    return start + (end - start) * weight
