# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import Any

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer

__all__ = ['PlainMessageHubHook', 'to_plain_data', 'from_plain_data']

# Marks a dict that stands for an object the safe loader would refuse.
_TAG = '_aclnet_mm_plain_type'


def to_plain_data(value: Any) -> Any:
    """``value`` with every HistoryBuffer and numpy object as plain data.

    A ``HistoryBuffer`` becomes a tagged dict of two tensors (its value and
    count histories, dtype kept) and ``max_length``; a numpy array a tagged
    dict of a tensor; a numpy scalar the Python scalar of the same value.
    Dicts, lists and tuples are converted item by item; anything else is
    returned as it is.
    """
    if isinstance(value, HistoryBuffer):
        logs, counts = value.data
        return {
            _TAG: 'HistoryBuffer',
            'log_history': torch.from_numpy(np.array(logs)),
            'count_history': torch.from_numpy(np.array(counts)),
            'max_length': int(value.max_length)
        }
    if isinstance(value, np.ndarray) and value.dtype != object:
        return {_TAG: 'ndarray', 'data': torch.from_numpy(value.copy())}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return type(value)((k, to_plain_data(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(to_plain_data(v) for v in value)
    return value


def from_plain_data(value: Any) -> Any:
    """Undo :func:`to_plain_data` (numpy scalars stay Python scalars).

    The tensors may be on any device: ``Runner.resume`` loads checkpoints
    with ``map_location=get_device()``, so on a GPU machine they arrive on
    the GPU. They are copied to the host before they become numpy arrays.
    """
    if isinstance(value, dict):
        kind = value.get(_TAG)
        if kind == 'HistoryBuffer':
            return HistoryBuffer(value['log_history'].cpu().numpy(),
                                 value['count_history'].cpu().numpy(),
                                 value['max_length'])
        if kind == 'ndarray':
            return value['data'].cpu().numpy()
        return type(value)((k, from_plain_data(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(from_plain_data(v) for v in value)
    return value


@HOOKS.register_module()
class PlainMessageHubHook(Hook):
    """Store the message hub and meta of a checkpoint as plain data.

    MMEngine 0.10.7 pickles the message hub's ``HistoryBuffer`` objects
    (whose class-level statistics table holds functions) and numpy values
    into every training checkpoint, so torch >= 2.6 refuses them under its
    default ``weights_only=True`` (open-mmlab/mmengine#1655). This hook
    converts them to tensors and Python scalars before saving, and back
    after loading, so ``--resume`` and ``tools/test.py CKPT`` read our
    checkpoints with the safe loader and nothing is allow-listed. The
    history values are restored exactly (same dtype), so a resumed run
    logs and continues as an unbroken one.

    Its priority is the lowest, so it converts what every other hook has
    added to the checkpoint. :class:`~aclnet_mm.engine.runner.
    SafeCheckpointRunner` registers it; list it in ``custom_hooks`` to use
    it with MMEngine's own ``Runner``.
    """

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in ('message_hub', 'meta'):
            if key in checkpoint:
                checkpoint[key] = to_plain_data(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in ('message_hub', 'meta'):
            if key in checkpoint:
                checkpoint[key] = from_plain_data(checkpoint[key])
