# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Model ``init_cfg=dict(type='Pretrained', ...)`` under our loading policy.

MMEngine's ``PretrainedInit`` reads its checkpoint with MMEngine's
loaders, which hand ``http(s)://`` files to
:func:`torch.hub.load_state_dict_from_url` with full unpickling: a
poisoned checkpoint named by a model's ``init_cfg`` runs its code. Our
runner (:class:`~aclnet_mm.engine.runner.SafeCheckpointRunner`) does not
change MMEngine; it takes the ``Pretrained`` entries out of the modules'
``init_cfg`` before ``init_weights`` (:func:`take_pretrained_init_cfgs`),
lets MMEngine initialise the rest, then loads each of them itself with
:func:`~aclnet_mm.utils.checkpoint_loading.load_checkpoint_file`
(:func:`load_pretrained_init_cfgs`) and puts the ``init_cfg`` back.

The result is MMEngine's: ``PretrainedInit`` runs after the module's other
initialisers and after its children's ``init_weights`` (so a parent's
``Pretrained`` overrides its children's), and loads with ``strict=False``,
``prefix`` selecting a sub-module's keys and ``map_location`` as given.
"""
from dataclasses import dataclass
from typing import Any, Dict, List

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit
from mmengine.registry import WEIGHT_INITIALIZERS
from mmengine.runner.checkpoint import (_load_checkpoint_to_model,
                                        load_state_dict)

from .checkpoint_loading import UnsafeCheckpointError, load_checkpoint_file
from .config_types import is_config_of

__all__ = [
    'TakenPretrainedInit', 'is_pretrained_init', 'take_pretrained_init_cfgs',
    'restore_init_cfgs', 'load_pretrained_init_cfgs'
]


@dataclass
class TakenPretrainedInit:
    """``Pretrained`` entries taken out of one module's ``init_cfg``.

    Attributes:
        name (str): The module's name in the model ('' for the model).
        depth (int): Its nesting depth (the model is 0).
        module (nn.Module): The module.
        original (Any): Its ``init_cfg`` as it was.
        cfgs (list[dict]): The ``Pretrained`` entries, in order.
    """
    name: str
    depth: int
    module: nn.Module
    original: Any
    cfgs: List[Dict]


def is_pretrained_init(cfg: Any) -> bool:
    """Whether an ``init_cfg`` entry builds MMEngine's ``PretrainedInit``
    (``'Pretrained'``, a scoped ``'mmengine.Pretrained'`` or the class, as
    lazy-import configs give it)."""
    return is_config_of(cfg, PretrainedInit, WEIGHT_INITIALIZERS)


def take_pretrained_init_cfgs(model: nn.Module) -> List[TakenPretrainedInit]:
    """Take the ``Pretrained`` entries out of every module's ``init_cfg``.

    Modules already initialised (``is_init``) are left alone, as
    ``BaseModule.init_weights`` leaves them.

    Args:
        model (nn.Module): The model, before ``init_weights``.

    Returns:
        list[TakenPretrainedInit]: What was taken, for
        :func:`load_pretrained_init_cfgs` and :func:`restore_init_cfgs`.
    """
    taken = []
    for name, module in model.named_modules():
        init_cfg = getattr(module, 'init_cfg', None)
        if not init_cfg or getattr(module, 'is_init', False):
            continue
        entries = [init_cfg] if isinstance(init_cfg, dict) else init_cfg
        if not isinstance(entries, (list, tuple)):
            continue
        pretrained = [cfg for cfg in entries if is_pretrained_init(cfg)]
        if not pretrained:
            continue
        taken.append(
            TakenPretrainedInit(name,
                                name.count('.') + 1 if name else 0, module,
                                init_cfg, pretrained))
        module.init_cfg = [
            cfg for cfg in entries if not is_pretrained_init(cfg)
        ]
    return taken


def restore_init_cfgs(taken: List[TakenPretrainedInit]) -> None:
    """Put the modules' ``init_cfg`` back as they were."""
    for item in taken:
        item.module.init_cfg = item.original


def _load_one(module: nn.Module, name: str, cfg: Dict) -> None:
    args = {k: v for k, v in cfg.items() if k != 'type'}
    checkpoint = args.pop('checkpoint')
    prefix = args.pop('prefix', None)
    map_location = args.pop('map_location', 'cpu')
    where = f'the init_cfg (Pretrained) of {name or "the model"}'
    try:
        loaded = load_checkpoint_file(checkpoint, map_location=map_location)
    except UnsafeCheckpointError as err:
        raise UnsafeCheckpointError(f'{where}: {err}') from None
    if prefix is None:
        print_log(f'load model from: {checkpoint}', logger='current')
        _load_checkpoint_to_model(
            module, loaded, strict=False, logger='current')
        return
    print_log(f'load {prefix} in model from: {checkpoint}', logger='current')
    state_dict = loaded.get('state_dict', loaded) if isinstance(
        loaded, dict) else loaded
    if not prefix.endswith('.'):
        prefix += '.'
    state_dict = {
        key[len(prefix):]: value
        for key, value in state_dict.items() if key.startswith(prefix)
    }
    if not state_dict:
        raise KeyError(f'{where}: {prefix} is not in the pretrained model '
                       f'{checkpoint}')
    load_state_dict(module, state_dict, strict=False, logger='current')


def load_pretrained_init_cfgs(taken: List[TakenPretrainedInit]) -> None:
    """Load what :func:`take_pretrained_init_cfgs` took, safely.

    Deeper modules first, so a parent's checkpoint overrides its
    children's, as in ``BaseModule.init_weights``.

    Args:
        taken (list[TakenPretrainedInit]): What was taken.

    Raises:
        UnsafeCheckpointError: A checkpoint only full unpickling could
            read; the message names the module, the file or URL and the
            opt-in.
    """
    for item in sorted(taken, key=lambda item: -item.depth):
        for cfg in item.cfgs:
            _load_one(item.module, item.name, cfg)
