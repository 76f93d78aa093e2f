# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Resolve ACLNet's data-derived settings (``'auto'``) before training."""
import math
from typing import Any, Dict, Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from aclnet_mm.models.losses import AffinityContrastiveLoss
from .superclass_refresh_hook import SuperclassRefreshHook

__all__ = ['ResolveAutoSettingsHook', 'auto_settings']

AUTO = 'auto'


def auto_settings(num_classes: int, max_epochs: int) -> Dict[str, Any]:
    """ACLNet's settings for ``num_classes`` classes and ``max_epochs``.

    The authors' recipe (60 classes, 150 epochs: 10 neighbours, an overlap
    above 4, temperature buckets at superclass sizes 10 and 20, statistics
    from epoch 30) scaled with the class count and the run length:

    - ``num_neighbors = ceil(C / 6)``, at least 1;
    - ``overlap_thr = ceil(num_neighbors / 2)``, at least 1;
    - ``size_thresholds = (num_neighbors, 2 * num_neighbors)``;
    - ``start_epoch = max(1, round(max_epochs / 5))``.

    Args:
        num_classes (int): Classes ``C`` of the training set.
        max_epochs (int): Length of the run.

    Returns:
        dict: ``num_neighbors``, ``overlap_thr``, ``size_thresholds`` and
        ``start_epoch``.
    """
    if num_classes < 2 or max_epochs < 1:
        raise ValueError(f'need num_classes >= 2 and max_epochs >= 1, got '
                         f'{num_classes} and {max_epochs}')
    neighbors = max(1, math.ceil(num_classes / 6))
    return dict(
        num_neighbors=neighbors,
        overlap_thr=max(1, math.ceil(neighbors / 2)),
        size_thresholds=(neighbors, 2 * neighbors),
        start_epoch=max(1, round(max_epochs / 5)))


def _num_classes(dataset) -> Optional[int]:
    """Classes of a (possibly wrapped) training set: its metainfo's
    ``classes``, else the distinct labels of its samples."""
    while not hasattr(dataset, 'get_data_info') and hasattr(
            dataset, 'dataset'):
        dataset = dataset.dataset
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if classes is not None:
        return len(classes)
    if hasattr(dataset, 'get_data_info'):
        labels = {
            int(dataset.get_data_info(i)['label'])
            for i in range(len(dataset))
        }
        return len(labels) if labels else None
    return None


@HOOKS.register_module()
class ResolveAutoSettingsHook(Hook):
    """Resolve the ``'auto'`` settings of ACLNet from the training set.

    ``AffinityContrastiveLoss(num_neighbors='auto', overlap_thr='auto',
    size_thresholds='auto')`` and ``SuperclassRefreshHook(start_epoch=
    'auto')`` are resolved by :func:`auto_settings` from the training
    set's class count and ``max_epochs``, in ``before_train`` (after a
    resume loaded the checkpoint, before the first epoch), and logged once.
    Explicit values are left as they are, so the hook does nothing for a
    config that states every setting. The memory queue size is not among
    them: it sizes a buffer that a resume loads before this hook runs.

    Args:
        num_classes (int, optional): The class count to scale with instead
            of the training set's. Defaults to None.
    """

    # Before the hooks that read the settings in before_train.
    priority = 'VERY_HIGH'

    def __init__(self, num_classes: Optional[int] = None) -> None:
        self.num_classes = num_classes
        self.resolved: Dict[str, Any] = {}

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        losses = [(name, m) for name, m in model.named_modules()
                  if isinstance(m, AffinityContrastiveLoss)
                  and m.unresolved_settings()]
        hooks = [
            h for h in runner.hooks
            if isinstance(h, SuperclassRefreshHook) and h.start_epoch == AUTO
        ]
        if not losses and not hooks:
            return
        num_classes = self.num_classes
        if num_classes is None:
            num_classes = _num_classes(runner.train_dataloader.dataset)
        if num_classes is None:
            raise RuntimeError(
                'ResolveAutoSettingsHook: cannot count the classes of the '
                "training set (no metainfo['classes'] and no labels); set "
                'num_classes on the hook or state the settings')
        settings = auto_settings(num_classes, runner.max_epochs)
        resolved = {}
        for name, loss in losses:
            chosen = {key: settings[key] for key in loss.unresolved_settings()}
            loss.resolve_settings(**chosen)
            resolved[name] = chosen
        for hook in hooks:
            hook.start_epoch = settings['start_epoch']
            resolved[type(hook).__name__] = dict(
                start_epoch=settings['start_epoch'])
        self.resolved = resolved
        runner.logger.info(
            f'ResolveAutoSettingsHook: from {num_classes} classes and '
            f'max_epochs={runner.max_epochs}: {resolved}')
