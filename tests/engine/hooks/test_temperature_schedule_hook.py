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


def test_hook_holds_no_schedule():
    hook = HOOKS.build(dict(type='TemperatureScheduleHook'))
    assert isinstance(hook, TemperatureScheduleHook)
    # The schedule is the loss's temperature_policy, stated once there.
    with pytest.raises(TypeError):
        HOOKS.build(dict(type='TemperatureScheduleHook', policy='step'))
    with pytest.raises(TypeError):
        TemperatureScheduleHook(size_thresholds=(2, 3))


@pytest.mark.parametrize('faithful', [True, False])
def test_linear_policy_with_epoch_annealing(build_runner, tmp_path, faithful):
    recorder = TauRecorder()
    hooks = [
        dict(type='SuperclassRefreshHook', start_epoch=1, out_file=None),
        dict(type='TemperatureScheduleHook'), recorder
    ]
    policy = dict(
        type='LinearTemperature',
        knots=(2, 4, 6),
        anneal=dict(start_factor=2.0, end_factor=1.0, end=2))
    runner = build_runner(
        tmp_path,
        3,
        hooks,
        faithful=faithful,
        with_val=False,
        temperature_policy=policy)
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
        dict(type='TemperatureScheduleHook'), recorder
    ]
    policy = dict(
        type='StepTemperature',
        anneal=dict(
            start_factor=1.0,
            end_factor=0.5,
            begin=2,
            by_epoch=False,
            mode='cosine'))
    runner = build_runner(
        tmp_path, 2, hooks, with_val=False, temperature_policy=policy)
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
    # One owner: the loss's policy; the hook injected nothing.
    loss = runner.model.loss_inter
    assert not hasattr(loss, 'temperature_fn')
    torch.testing.assert_close(
        loss.temperature_policy(torch.tensor([2., 3., 4.])),
        torch.tensor([0.1, 0.5, 1.0]))
