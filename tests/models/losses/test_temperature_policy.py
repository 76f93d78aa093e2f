# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
import torch
from mmaction.registry import MODELS

from aclnet_mm.models.losses import (AffinityContrastiveLoss,
                                     LinearTemperature, StepTemperature)

SIZES = torch.tensor([0., 10., 11., 20., 25., 30., 40.])


def test_step_policy_by_hand():
    policy = MODELS.build(
        dict(
            type='StepTemperature',
            size_thresholds=(10, 20),
            temperatures=(0.1, 0.5, 1.0)))
    assert isinstance(policy, StepTemperature)
    torch.testing.assert_close(
        policy(SIZES), torch.tensor([0.1, 0.1, 0.5, 0.5, 1.0, 1.0, 1.0]))


def test_linear_policy_default_knots_by_hand():
    policy = LinearTemperature((10, 20), (0.1, 0.5, 1.0))
    assert policy.knots == (10.0, 20.0, 30.0)
    # 11 is 1/10 of the way from (10, 0.1) to (20, 0.5); 25 half-way
    # from (20, 0.5) to (30, 1.0).
    torch.testing.assert_close(
        policy(SIZES), torch.tensor([0.1, 0.1, 0.14, 0.5, 0.75, 1.0, 1.0]))
    own = LinearTemperature((10, 20), (0.2, 0.8), knots=(5, 15))
    torch.testing.assert_close(
        own(torch.tensor([5., 10.])), torch.tensor([0.2, 0.5]))


def test_anneal_factor_by_hand():
    policy = StepTemperature((10, 20), (0.1, 0.5, 1.0),
                             anneal=dict(
                                 start_factor=2.0,
                                 end_factor=1.0,
                                 begin=2,
                                 end=6,
                                 mode='cosine'))
    sizes = torch.tensor([1.])
    assert policy(sizes).item() == pytest.approx(0.2)  # no run yet: start
    for epoch, expected in ((0, 2.0), (2, 2.0), (4, 1.5), (6, 1.0), (9, 1.0)):
        progress = dict(epoch=epoch, max_epochs=10, iter=0, max_iters=1)
        assert policy.factor(progress) == pytest.approx(expected)
    by_iter = StepTemperature(
        (10, 20), (0.1, 0.5, 1.0),
        anneal=dict(start_factor=1.0, end_factor=0.5, by_epoch=False))
    progress = dict(epoch=0, max_epochs=1, iter=25, max_iters=100)
    assert by_iter.factor(progress) == pytest.approx(0.875)
    assert by_iter(sizes, progress).item() == pytest.approx(0.1 * 0.875)


def test_policy_validation():
    with pytest.raises(ValueError, match='temperatures'):
        StepTemperature((10, 20), (0.1, 0.5))
    with pytest.raises(ValueError, match='anneal'):
        StepTemperature((10, 20), (0.1, 0.5, 1.0), anneal=dict(start=2.0))
    with pytest.raises(ValueError, match='mode'):
        LinearTemperature((10, 20), (0.1, 0.5, 1.0), anneal=dict(mode='exp'))


def test_loss_states_thresholds_once():
    loss = AffinityContrastiveLoss(
        5,
        4,
        num_neighbors=2,
        size_thresholds=(2, 3),
        temperature_policy=dict(type='LinearTemperature'))
    assert loss.temperature_policy.knots == (2.0, 3.0, 4.0)
    with pytest.raises(ValueError, match='once'):
        AffinityContrastiveLoss(
            5,
            4,
            num_neighbors=2,
            temperature_policy=dict(
                type='StepTemperature', size_thresholds=(2, 3)))
    # set_progress re-evaluates an annealed policy at once.
    annealed = AffinityContrastiveLoss(
        5,
        4,
        num_neighbors=2,
        temperature_policy=dict(
            type='StepTemperature',
            anneal=dict(start_factor=3.0, end_factor=1.0)))
    torch.testing.assert_close(annealed.class_tau, torch.full((5, ), 0.3))
    annealed.set_progress(epoch=10, iter=0, max_epochs=10, max_iters=1)
    torch.testing.assert_close(annealed.class_tau, torch.full((5, ), 0.1))
