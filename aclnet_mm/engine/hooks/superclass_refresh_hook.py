# Copyright (c) aclnet-mm contributors. All rights reserved.
import json
import os.path as osp
import shutil
from typing import List, Optional, Sequence, Tuple, Union

import torch.nn as nn
from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH
from mmengine.model import is_model_wrapper

from aclnet_mm.datasets.class_names import load_class_names
from aclnet_mm.engine.runner.resumable_loop import iters_done_in_epoch
from aclnet_mm.models.losses import AffinityContrastiveLoss


def find_affinity_losses(
    model: nn.Module,
    loss_path: Optional[str] = None
) -> List[Tuple[str, AffinityContrastiveLoss]]:
    """Find the :class:`AffinityContrastiveLoss` modules of a model.

    Args:
        model (nn.Module): The model, possibly wrapped (DDP, ...).
        loss_path (str, optional): Dotted path of the loss inside the
            unwrapped model, e.g. ``'cls_head.loss_inter'``. If None, every
            instance in the model is returned. Defaults to None.

    Returns:
        list[tuple[str, AffinityContrastiveLoss]]: ``(name, module)`` pairs.

    Raises:
        RuntimeError: If no such loss is found.
    """
    if is_model_wrapper(model):
        model = model.module
    if loss_path is not None:
        found = [(loss_path, model.get_submodule(loss_path))]
    else:
        found = [(name, module) for name, module in model.named_modules()
                 if isinstance(module, AffinityContrastiveLoss)]
    if not found or not all(
            isinstance(module, AffinityContrastiveLoss)
            for _, module in found):
        raise RuntimeError(
            f'no AffinityContrastiveLoss found in the model (loss_path='
            f'{loss_path!r}); the hook has nothing to drive')
    return found


@HOOKS.register_module()
class SuperclassRefreshHook(Hook):
    """Drive the phases of :class:`AffinityContrastiveLoss` from the epoch.

    Epochs are counted from 1, as in MMEngine's logs. With ``start_epoch``
    ``s``:

    - epochs ``< s``: no confusion statistics, no inter loss (the
      prototypes are still EMA-updated, as in the reference);
    - epoch ``s``: confusion statistics on, loss still off;
    - epochs ``>= s + 1``: loss on; the superclasses are rebuilt at the
      start of epoch ``s + 1`` and then every ``interval`` epochs, from the
      cumulative statistics. In faithful mode the rebuild runs inside the
      first forward of the epoch, after that batch's statistics, as in the
      reference (aclnet_method.md §Q8).

    Everything is derived from ``runner.epoch`` in ``before_train_epoch``
    (the reference counted validation forwards), so a resumed run needs no
    extra state; a run resumed in the middle of an epoch (see
    ``ResumableEpochBasedTrainLoop``) does not rebuild them a second time
    in that epoch. Only epoch-based training loops are supported.

    After each rebuild the main process writes the superclasses (index,
    name, members, size and temperature of every class) to
    ``work_dir/{stem}_epoch_{e}{ext}`` and copies it to
    ``work_dir/{stem}_latest{ext}``. This happens after the first iteration
    of the epoch, once a faithful rebuild has run. Class names come from
    ``class_names`` or else from the training dataset's
    ``metainfo['classes']`` (``SkeletonPoseDataset`` reads the pickle's
    ``classes``, which our converters write); without either, or with a
    count that differs from the classes, names are null and a warning says
    so once.

    Args:
        start_epoch (int | str): First epoch (1-based) with confusion
            statistics; the loss starts one epoch later. ``'auto'``: a fifth
            of ``max_epochs``, set by
            :class:`~aclnet_mm.engine.hooks.ResolveAutoSettingsHook`.
            Defaults to 30.
        interval (int): Rebuild every ``interval`` epochs from
            ``start_epoch + 1``. Defaults to 1.
        loss_path (str, optional): Dotted path of the loss in the unwrapped
            model; None finds every instance. Defaults to None.
        out_file (str, optional): File name pattern of the JSON dump in
            ``runner.work_dir``; None disables it.
            Defaults to ``'superclasses.json'``.
        class_names (Sequence[str] | str, optional): Class names, or a text
            file with one name per line, read when training starts (so a
            config can name a file that data preparation writes later).
            Defaults to None.
    """

    priority = 'NORMAL'

    def __init__(self,
                 start_epoch: int = 30,
                 interval: int = 1,
                 loss_path: Optional[str] = None,
                 out_file: Optional[str] = 'superclasses.json',
                 class_names: Optional[Union[Sequence[str], str]] = None):
        # 'auto' is resolved by ResolveAutoSettingsHook before training.
        if start_epoch != 'auto' and (not isinstance(start_epoch, int)
                                      or start_epoch < 1):
            raise ValueError(f"start_epoch counts from 1 (or is 'auto'), got "
                             f'{start_epoch!r}')
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.start_epoch = start_epoch
        self.interval = interval
        self.loss_path = loss_path
        self.out_file = out_file
        self.class_names = class_names if class_names is None or isinstance(
            class_names, str) else list(class_names)
        self._losses: List[Tuple[str, AffinityContrastiveLoss]] = []
        self._dump_epoch: Optional[int] = None
        self._warned_names = False

    def phase(self, epoch: int) -> Tuple[bool, bool, bool]:
        """Phase of a 1-based epoch.

        Args:
            epoch (int): Epoch, counted from 1.

        Returns:
            tuple[bool, bool, bool]: Statistics on, loss on, and whether
            the superclasses are rebuilt at the start of the epoch.
        """
        if self.start_epoch == 'auto':
            raise RuntimeError(
                "SuperclassRefreshHook(start_epoch='auto') was not resolved: "
                'add ResolveAutoSettingsHook to custom_hooks')
        stats = epoch >= self.start_epoch
        loss = epoch >= self.start_epoch + 1
        refresh = loss and (epoch - self.start_epoch - 1) % self.interval == 0
        return stats, loss, refresh

    def before_train(self, runner) -> None:
        self._losses = find_affinity_losses(runner.model, self.loss_path)
        if isinstance(self.class_names, str):
            self.class_names = load_class_names(self.class_names)

    def before_train_epoch(self, runner) -> None:
        epoch = runner.epoch + 1
        stats, loss, refresh = self.phase(epoch)
        # A run resumed in the middle of the epoch rebuilt them already.
        refresh = refresh and iters_done_in_epoch(runner) == 0
        for _, module in self._losses:
            module.set_phase(stats, loss)
            if refresh:
                module.request_refresh()
        if refresh and self.out_file is not None:
            self._dump_epoch = epoch

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if self._dump_epoch is None:
            return
        epoch, self._dump_epoch = self._dump_epoch, None
        if is_main_process():
            self._dump(runner, epoch)

    def _names(self, runner, num_classes: int) -> List[Optional[str]]:
        names = self.class_names
        if names is None:
            metainfo = getattr(runner.train_dataloader.dataset, 'metainfo',
                               None) or {}
            names = metainfo.get('classes')
        if names is None or len(names) != num_classes:
            if not self._warned_names:
                # Once per run: the dump is still written, without names.
                self._warned_names = True
                found = ('no class names (neither class_names nor the '
                         "training dataset's metainfo['classes'], which "
                         "SkeletonPoseDataset reads from the pickle's "
                         '"classes")'
                         if names is None else f'{len(names)} class names')
                runner.logger.warning(
                    f'SuperclassRefreshHook: {found} for {num_classes} '
                    'classes; superclass dumps name classes by index only')
            return [None] * num_classes
        return [str(name) for name in names]

    def _dump(self, runner, epoch: int) -> None:
        modules = {}
        for name, module in self._losses:
            mask = module.superclass_mask.cpu()
            sizes = module.superclass_sizes().cpu().tolist()
            taus = module.class_tau.cpu().tolist()
            names = self._names(runner, module.num_classes)
            classes = []
            for index, row in enumerate(mask.tolist()):
                members = [j for j, member in enumerate(row) if member]
                classes.append(
                    dict(
                        index=index,
                        name=names[index],
                        members=members,
                        member_names=[names[j] for j in members],
                        size=int(sizes[index]),
                        tau=taus[index]))
            modules[name] = dict(faithful=module.faithful, classes=classes)
        stem, ext = osp.splitext(self.out_file)
        path = osp.join(runner.work_dir, f'{stem}_epoch_{epoch}{ext}')
        with open(path, 'w') as f:
            json.dump(dict(epoch=epoch, modules=modules), f, indent=1)
        shutil.copyfile(path, osp.join(runner.work_dir, f'{stem}_latest{ext}'))
