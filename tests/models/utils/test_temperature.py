# Copyright (c) aclnet-mm contributors. All rights reserved.
import math

import pytest
import torch

from aclnet_mm.models.utils import (anneal_factor, interp_temperature,
                                    step_temperature)


def _reference_step(size):
    if size <= 10:
        return 0.1
    elif size <= 20:
        return 0.5
    return 1.0


def test_step_matches_reference():
    sizes = torch.arange(0, 40)
    tau = step_temperature(sizes, (10, 20), (0.1, 0.5, 1.0))
    expected = torch.tensor([_reference_step(s) for s in range(40)])
    assert tau.dtype == torch.float32
    assert torch.equal(tau, expected)
    hand = step_temperature(
        torch.tensor([10., 11., 20., 21.]), (10, 20), (0.1, 0.5, 1.0))
    assert torch.equal(hand, torch.tensor([0.1, 0.5, 0.5, 1.0]))


def test_interp_hand_computed():
    sizes = torch.tensor([0., 10., 15., 20., 25., 30., 100.],
                         dtype=torch.float64)
    tau = interp_temperature(sizes, (10, 20, 30), (0.1, 0.5, 1.0))
    expected = torch.tensor([0.1, 0.1, 0.3, 0.5, 0.75, 1.0, 1.0],
                            dtype=torch.float64)
    torch.testing.assert_close(tau, expected, rtol=0, atol=1e-12)


def test_interp_is_continuous_and_monotone():
    sizes = torch.linspace(0, 40, 4001, dtype=torch.float64)
    tau = interp_temperature(sizes, (10, 20, 30), (0.1, 0.5, 1.0))
    steps = tau.diff()
    assert (steps >= 0).all()
    assert steps.max() <= 0.5 / 10 * 0.01 + 1e-12


def test_bad_points():
    with pytest.raises(ValueError, match='temperatures'):
        step_temperature(torch.zeros(2), (10, 20), (0.1, 0.5))
    with pytest.raises(ValueError, match='increase'):
        interp_temperature(torch.zeros(2), (20, 10), (0.1, 0.5))


def test_anneal_factor():
    assert anneal_factor(0, 2.0, 1.0) == 2.0
    assert anneal_factor(0.25, 2.0, 1.0) == 1.75
    assert anneal_factor(3, 2.0, 1.0) == 1.0
    assert math.isclose(anneal_factor(0.5, 2.0, 1.0, 'cosine'), 1.5)
    assert math.isclose(
        anneal_factor(0.25, 0.0, 1.0, 'cosine'),
        (1 - math.cos(math.pi / 4)) / 2)
    with pytest.raises(ValueError):
        anneal_factor(0.5, 1, 2, 'exp')
