# Copyright (c) aclnet-mm contributors. All rights reserved.
import math

import pytest
import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from aclnet_mm.engine.hooks import TemperatureScheduleHook
from aclnet_mm.models.utils import superclass_sizes


class TauRecorder(Hook):

    priority = 'LOWEST'

    def __init__(self):
        self.records = []

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        loss = runner.model.loss_inter
        self.records.append(
            dict(
                epoch=runner.epoch,
                iter=runner.iter,
                sizes=superclass_sizes(loss.superclass_mask).tolist(),
                tau=loss.class_tau.tolist()))


def _linear_tau(size):
    """(2, 0.1) - (4, 0.5) - (6, 1.0), flat outside."""
    if size <= 2:
        return 0.1
    if size <= 4:
        return 0.1 + 0.2 * (size - 2)
    if size <= 6:
        return 0.5 + 0.25 * (size - 4)
    return 1.0


def _step_tau(size):
    return 0.1 if size <= 2 else 0.5 if size <= 3 else 1.0


def test_build_and_validation():
    hook = HOOKS.build(dict(type='TemperatureScheduleHook', policy='linear'))
    assert hook.points == (10.0, 20.0, 30.0)
    hook = TemperatureScheduleHook(
        policy='linear', knots=(5, 15), temperatures=(0.2, 0.8))
    assert hook.points == (5.0, 15.0)
    with pytest.raises(ValueError, match='policy'):
        TemperatureScheduleHook(policy='exp')
    with pytest.raises(ValueError, match='temperatures'):
        TemperatureScheduleHook(temperatures=(0.1, 0.5))
    with pytest.raises(ValueError, match='anneal'):
        TemperatureScheduleHook(anneal=dict(start=2.0))


@pytest.mark.parametrize('faithful', [True, False])
def test_linear_policy_with_epoch_annealing(build_runner, tmp_path, faithful):
    recorder = TauRecorder()
    hooks = [
        dict(type='SuperclassRefreshHook', start_epoch=1, out_file=None),
        dict(
            type='TemperatureScheduleHook',
            policy='linear',
            knots=(2, 4, 6),
            temperatures=(0.1, 0.5, 1.0),
            anneal=dict(start_factor=2.0, end_factor=1.0, end=2)), recorder
    ]
    runner = build_runner(
        tmp_path, 3, hooks, faithful=faithful, with_val=False)
    runner.train()
    seen = set()
    for r in recorder.records:
        # Epochs 0, 1, 2 completed: factor 2, 1.5, 1.
        factor = 2.0 - 0.5 * min(r['epoch'], 2)
        expected = [_linear_tau(s) * factor for s in r['sizes']]
        assert r['tau'] == pytest.approx(expected, abs=1e-6)
        seen.update(r['sizes'])
    # Sizes off the knots were met: the policy is not a step function.
    assert seen & {1.0, 3.0, 5.0}


def test_step_policy_cosine_annealing_by_iter(build_runner, tmp_path):
    recorder = TauRecorder()
    hooks = [
        dict(type='SuperclassRefreshHook', start_epoch=1, out_file=None),
        dict(
            type='TemperatureScheduleHook',
            size_thresholds=(2, 3),
            anneal=dict(
                start_factor=1.0,
                end_factor=0.5,
                begin=2,
                by_epoch=False,
                mode='cosine')), recorder
    ]
    runner = build_runner(tmp_path, 2, hooks, with_val=False)
    runner.train()
    max_iters = runner.max_iters
    for r in recorder.records:
        # runner.iter is the same in before_ and after_train_iter.
        now = r['iter']
        progress = min(max((now - 2) / (max_iters - 2), 0), 1)
        factor = 1.0 - 0.5 * (1 - math.cos(math.pi * progress)) / 2
        expected = [_step_tau(s) * factor for s in r['sizes']]
        assert r['tau'] == pytest.approx(expected, abs=1e-6)
    assert recorder.records[-1]['sizes'] != [0.0] * 5


def test_class_tau_follows_sizes_without_anneal(build_runner, tmp_path):
    recorder = TauRecorder()
    hooks = [
        dict(type='SuperclassRefreshHook', start_epoch=1, out_file=None),
        dict(type='TemperatureScheduleHook'), recorder
    ]
    runner = build_runner(tmp_path, 2, hooks, with_val=False)
    runner.train()
    for r in recorder.records:
        assert r['tau'] == pytest.approx([_step_tau(s) for s in r['sizes']])
    loss = runner.model.loss_inter
    assert loss.temperature_fn is not None
    torch.testing.assert_close(
        loss.temperature_fn(torch.tensor([2., 3., 4.])),
        torch.tensor([0.1, 0.5, 1.0]))
