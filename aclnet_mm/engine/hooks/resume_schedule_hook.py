# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Keep the parameter schedule of the config when a run is resumed."""
import copy
import warnings
from typing import Dict, List, Optional

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

__all__ = ['ResumeScheduleHook']

# Scheduler attributes that change as it steps; the others describe the
# schedule (begin, end, T_max, milestones, eta_min, ...).
_PROGRESS_KEYS = ('last_step', '_global_step', '_last_value', 'verbose',
                  'base_values', '_get_value_called_within_step')


def _schedulers(runner) -> List:
    schedulers = runner.param_schedulers or []
    if isinstance(schedulers, dict):
        return [s for group in schedulers.values() for s in group]
    return list(schedulers)


def _schedule(scheduler) -> Dict:
    state = scheduler.state_dict()
    return {k: v for k, v in state.items() if k not in _PROGRESS_KEYS}


@HOOKS.register_module()
class ResumeScheduleHook(Hook):
    """Resume with a changed schedule: rebuild it, or refuse.

    MMEngine restores every parameter scheduler from the checkpoint,
    ``end`` and ``T_max`` included, so resuming a 2-epoch run with
    ``train_cfg.max_epochs=3`` keeps the old schedule: the learning rate
    stops changing after the old end and stays there for the added epochs,
    silently. This hook records the schedule the config builds
    (``before_run``) and, after the checkpoint is loaded
    (``before_train``), compares it with the restored one. When they
    differ:

    - ``mode='rebuild'`` (default): the config's schedule is replayed from
      step 0 to the resumed iteration on a stand-in optimizer, with the
      same scheduler code, and its state and values are put in place, so
      the run continues exactly as an uninterrupted run of the new
      schedule would (a warning says so);
    - ``mode='refuse'``: a ``RuntimeError`` says what changed and what to
      do.

    The config names it (our runtime fragment does); it does nothing in a
    run that does not resume.

    Args:
        mode (str): ``'rebuild'`` or ``'refuse'``. Defaults to
            ``'rebuild'``.
    """

    priority = 'VERY_LOW'

    def __init__(self, mode: str = 'rebuild') -> None:
        if mode not in ('rebuild', 'refuse'):
            raise ValueError(f"mode must be 'rebuild' or 'refuse', got "
                             f'{mode!r}')
        self.mode = mode
        self._built: Optional[List[Dict]] = None
        self._groups: Dict[int, List[Dict]] = {}

    def before_run(self, runner) -> None:
        schedulers = _schedulers(runner)
        self._built = [
            copy.deepcopy(scheduler.state_dict()) for scheduler in schedulers
        ]
        # The values the schedulers set when they were built (step 0).
        self._groups = {
            id(s.optimizer): [{
                k: v
                for k, v in group.items() if k != 'params'
            } for group in s.optimizer.param_groups]
            for s in schedulers
        }

    def before_train(self, runner) -> None:
        schedulers = _schedulers(runner)
        if not self._built or runner.iter == 0 or len(schedulers) != len(
                self._built):
            return
        changed = [(i, key, value, self._built[i].get(key))
                   for i, scheduler in enumerate(schedulers)
                   for key, value in _schedule(scheduler).items()
                   if self._built[i].get(key) != value]
        if not changed:
            return
        listing = '; '.join(
            f'{type(schedulers[i]).__name__}.{key}: checkpoint {old!r}, '
            f'config {new!r}' for i, key, old, new in changed)
        if self.mode == 'refuse':
            raise RuntimeError(
                f'the checkpoint was trained with another parameter '
                f'schedule ({listing}); resuming would keep the old one '
                '(e.g. a learning rate frozen after its end). Resume with '
                "the checkpoint's schedule (same max_epochs), start a new "
                'run from its weights (load_from=CKPT without --resume), or '
                "use ResumeScheduleHook(mode='rebuild')")
        self._rebuild(runner, schedulers)
        runner.logger.warning(
            f"resumed with a changed schedule ({listing}): the config's "
            f'schedule was rebuilt and replayed to iteration {runner.iter}; '
            'training continues as an uninterrupted run of it would')

    def _rebuild(self, runner, schedulers: List) -> None:
        """Replay the config's schedule to ``runner.iter`` and install it."""
        optimizers = {id(s.optimizer): s.optimizer for s in schedulers}
        stand_ins = {}
        for key in optimizers:
            groups = [
                dict(copy.deepcopy(group), params=[torch.zeros(1)])
                for group in self._groups[key]
            ]
            stand_ins[key] = torch.optim.SGD(groups, lr=0.)
        replayed = []
        for scheduler, built in zip(schedulers, self._built):
            twin = copy.copy(scheduler)
            twin.__dict__ = dict(copy.deepcopy(built))
            twin.optimizer = stand_ins[id(scheduler.optimizer)]
            replayed.append(twin)
        iters_per_epoch = len(runner.train_dataloader)
        with warnings.catch_warnings():
            # The stand-in's step() is not MMEngine's counting wrapper.
            warnings.simplefilter('ignore')
            for step in range(runner.iter):
                for twin in replayed:
                    if not twin.by_epoch:
                        twin.step()
                if (step + 1) % iters_per_epoch == 0:
                    for twin in replayed:
                        if twin.by_epoch:
                            twin.step()
        for scheduler, twin in zip(schedulers, replayed):
            state = {
                k: v
                for k, v in twin.__dict__.items() if k != 'optimizer'
            }
            scheduler.__dict__.update(copy.deepcopy(state))
        for key, optimizer in optimizers.items():
            for group, twin_group in zip(optimizer.param_groups,
                                         stand_ins[key].param_groups):
                for name in {s.param_name for s in schedulers}:
                    if name in twin_group:
                        group[name] = twin_group[name]
