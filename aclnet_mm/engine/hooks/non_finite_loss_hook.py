# Copyright (c) aclnet-mm contributors. All rights reserved.
import math
from typing import Dict, List, Optional, Sequence

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH
from torch.nn.modules.batchnorm import _NormBase

from aclnet_mm.engine.optim_wrappers import FiniteLossOptimWrapper


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop, or skip and count, training steps whose loss is not finite.

    After every training iteration the logged loss terms are checked. On
    a NaN or infinite term:

    - ``mode='raise'`` raises :class:`FloatingPointError` naming the
      iteration and epoch (1-based, as in the logs), every non-finite loss
      term with its value and the batch's sample ids;
    - ``mode='skip'`` logs the same message as a warning, counts the step
      (logged as ``train/num_skipped_steps``) and goes on; more than
      ``max_skips`` skipped steps raise.

    Skip mode needs ``optim_wrapper=dict(type='FiniteLossOptimWrapper',
    ...)``: the hook runs after the optimizer step, so only the optim
    wrapper can keep the parameters and optimizer state out of a
    non-finite step. The hook refuses to start without it. The wrapper
    also helps raise mode: the parameters stay those of the last finite
    step, so a checkpoint saved after the error is not poisoned. Under
    mixed precision use
    :class:`~aclnet_mm.engine.optim_wrappers.FiniteLossAmpOptimWrapper`
    (skip and raise modes); under plain ``AmpOptimWrapper`` raise mode
    still works, and the grad scaler skips steps with non-finite
    gradients by itself.

    Skip mode also rolls the model's buffers back, i.e. what the forward
    pass itself updates: BatchNorm running statistics, the affinity loss's
    prototypes and confusion bank, the margin loss's and AS-CAL's queues.
    Before each iteration the buffers are copied into a snapshot kept by
    the hook (allocated once, then refilled in place); when the wrapper
    reports the step skipped they are copied back, so a skipped step
    leaves weights, optimizer state and buffers as if the batch had not
    been drawn. Modules may define ``on_buffers_restored()`` to refresh
    host-side mirrors of their buffers
    (:class:`~aclnet_mm.models.losses.AffinityContrastiveLoss` does). The
    roll-back happens in this hook's ``after_train_iter`` (priority
    ``'NORMAL'``): hooks of higher priority that read buffers after the
    step see the skipped step's values (MMAction2's and our hooks of
    higher priority do not read them;
    :class:`~aclnet_mm.engine.hooks.MomentumEncoderHook` skips its update
    when the step was skipped). Python attributes and the random number
    generators (dropout, augmentation) are not rolled back.

    Cost of the roll-back (skip mode with ``restore_buffers=True`` only):
    memory for one more copy of every buffer (a 16384 x 256 float32
    queue: 16 MiB; BatchNorm statistics: a few KiB per layer) and, each
    iteration, one device-to-device copy of them (no host-device
    synchronisation); the restore after a skipped step is one more copy.

    Normalisation statistics: the loss can stay finite while a batch
    poisons a normalisation layer's running statistics (a clip with
    coordinates of 1e30 makes ``data_bn.running_var`` infinite; the
    training batch is normalised by its own statistics, so the loss does
    not show it, but every evaluation and the saved checkpoint use the
    running ones). With ``check_norm_stats=True`` the running buffers of
    every normalisation layer (``BatchNorm*``, ``SyncBatchNorm``,
    ``InstanceNorm*`` with running statistics) are checked after each
    step, after a skipped step's roll-back, and a non-finite one raises
    :class:`FloatingPointError` naming the buffers, the iteration and the
    batch's samples, in both modes: the step that poisoned them was taken
    (its loss was finite), so skipping cannot undo it. The check is one
    concatenation and one host-device synchronisation per iteration, not
    one per layer.

    Sample ids come from each data sample's metainfo, the first of
    ``id_keys`` that is present. MMAction2's ``PackActionInputs`` keeps
    only ``img_shape``, ``img_key``, ``video_id`` and ``timestamp`` by
    default: add ``'frame_dir'`` to its ``meta_keys`` (skeleton
    annotations name samples by ``frame_dir``) to get names in the
    message; without any id key the batch positions are given.

    Cost: the check reads the loss values that MMEngine's
    ``RuntimeInfoHook`` (higher priority) has already copied to the host
    for logging, from the message hub, so it adds no host-device
    synchronisation; the wrapper adds one per step in skip mode.

    Args:
        mode (str): ``'raise'`` or ``'skip'``. Defaults to ``'raise'``.
        max_skips (int, optional): Skipped steps tolerated in skip mode
            before raising; None means no limit. Defaults to None.
        id_keys (Sequence[str]): Metainfo keys that name a sample, tried
            in order. Defaults to ``('frame_dir', 'filename', 'video_id',
            'sample_idx')``.
        restore_buffers (bool): In skip mode, roll the model's buffers
            back after a skipped step. Defaults to True.
        check_norm_stats (bool): Stop when a normalisation layer's running
            statistics become non-finite. Defaults to True.
    """

    priority = 'NORMAL'  # after RuntimeInfoHook (VERY_HIGH) logged

    def __init__(self,
                 mode: str = 'raise',
                 max_skips: Optional[int] = None,
                 id_keys: Sequence[str] = ('frame_dir', 'filename', 'video_id',
                                           'sample_idx'),
                 restore_buffers: bool = True,
                 check_norm_stats: bool = True) -> None:
        if mode not in ('raise', 'skip'):
            raise ValueError(f"mode must be 'raise' or 'skip', got {mode!r}")
        if max_skips is not None and max_skips < 0:
            raise ValueError(f'max_skips must be >= 0, got {max_skips}')
        self.mode = mode
        self.max_skips = max_skips
        self.id_keys = tuple(id_keys)
        self.num_skipped = 0
        self.restore_buffers = restore_buffers
        self.check_norm_stats = check_norm_stats
        # Buffer name -> snapshot tensor, refilled in place every iteration.
        self._snapshot: Dict[str, torch.Tensor] = {}

    def before_train(self, runner) -> None:
        if self.mode == 'skip' and not self._guarded(runner):
            raise ValueError(
                "NonFiniteLossHook(mode='skip') needs optim_wrapper=dict("
                "type='FiniteLossOptimWrapper', ...) (or "
                "'FiniteLossAmpOptimWrapper') so that a non-finite "
                'step does not update the parameters; got '
                f'{type(runner.optim_wrapper).__name__}')

    @staticmethod
    def _wrappers(runner) -> List:
        wrapper = runner.optim_wrapper
        wrappers = getattr(wrapper, 'optim_wrappers', None)
        if isinstance(wrappers, dict):  # OptimWrapperDict
            return list(wrappers.values())
        return [wrapper]

    @classmethod
    def _guarded(cls, runner) -> bool:
        wrappers = cls._wrappers(runner)
        return bool(wrappers) and all(
            isinstance(w, FiniteLossOptimWrapper) for w in wrappers)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        if self.mode != 'skip':
            return
        for wrapper in self._wrappers(runner):
            # A step that never reaches update_params is not a skip.
            wrapper.last_step_skipped = False
        if self.restore_buffers:
            self._take_snapshot(runner.model)

    def _take_snapshot(self, model: torch.nn.Module) -> None:
        snapshot = {}
        for name, buffer in model.named_buffers():
            kept = self._snapshot.get(name)
            if (kept is None or kept.shape != buffer.shape
                    or kept.dtype != buffer.dtype
                    or kept.device != buffer.device):
                kept = torch.empty_like(buffer)
            kept.copy_(buffer)  # asynchronous on a device: no host sync
            snapshot[name] = kept
        self._snapshot = snapshot

    def _restore_snapshot(self, model: torch.nn.Module) -> None:
        modules = dict(model.named_modules())
        for name, buffer in list(model.named_buffers()):
            kept = self._snapshot.get(name)
            if kept is None:
                continue  # registered during the step: nothing to go back to
            if kept.shape == buffer.shape and kept.dtype == buffer.dtype:
                buffer.copy_(kept)
            else:  # the step replaced the tensor: put the old one back
                owner, _, leaf = name.rpartition('.')
                setattr(modules[owner], leaf, kept.clone())
        for module in model.modules():
            notify = getattr(module, 'on_buffers_restored', None)
            if callable(notify):
                notify()

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if (self.mode == 'skip' and self.restore_buffers and self._snapshot
                and any(w.last_step_skipped for w in self._wrappers(runner))):
            self._restore_snapshot(runner.model)
        if outputs:
            self._check_loss(runner, batch_idx, data_batch, outputs)
        if self.check_norm_stats:
            self._check_norm_stats(runner, batch_idx, data_batch)

    def _check_loss(self, runner, batch_idx: int, data_batch: DATA_BATCH,
                    outputs: dict) -> None:
        bad = self._non_finite_terms(runner, outputs)
        if not bad:
            return
        terms = ', '.join(f'{key}={value}' for key, value in bad.items())
        message = (f'non-finite loss at iteration {runner.iter + 1} '
                   f'(epoch {runner.epoch + 1}, batch {batch_idx}): '
                   f'{terms}; samples: {self._sample_ids(data_batch)}')
        if self.mode == 'raise':
            raise FloatingPointError(message)
        self.num_skipped += 1
        runner.message_hub.update_scalar('train/num_skipped_steps',
                                         self.num_skipped)
        runner.logger.warning(f'{message}; step skipped '
                              f'({self.num_skipped} so far)')
        if self.max_skips is not None and self.num_skipped > self.max_skips:
            raise FloatingPointError(
                f'{self.num_skipped} non-finite steps skipped, more than '
                f'max_skips={self.max_skips}; last: {message}')

    @staticmethod
    def _norm_stats(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
        """The running statistics of the model's normalisation layers."""
        stats = {}
        for prefix, module in model.named_modules():
            if not isinstance(module, _NormBase):
                continue
            for name in ('running_mean', 'running_var'):
                value = getattr(module, name, None)
                if isinstance(value, torch.Tensor):
                    stats[f'{prefix}.{name}' if prefix else name] = value
        return stats

    def _check_norm_stats(self, runner, batch_idx: int,
                          data_batch: DATA_BATCH) -> None:
        stats = self._norm_stats(runner.model)
        by_device: Dict[torch.device, List[torch.Tensor]] = {}
        for value in stats.values():
            by_device.setdefault(value.device,
                                 []).append(value.detach().reshape(-1))
        # One reduction and one host sync per device, not one per layer.
        if all(
                bool(torch.isfinite(torch.cat(values)).all())
                for values in by_device.values()):
            return
        bad = []
        for name, value in stats.items():
            finite = torch.isfinite(value)
            if not bool(finite.all()):
                first = value[~finite].reshape(-1)[0].item()
                bad.append(f'{name} ({int((~finite).sum())} of '
                           f'{value.numel()} entries non-finite, e.g. '
                           f'{first})')
        raise FloatingPointError(
            'non-finite normalisation statistics after iteration '
            f'{runner.iter + 1} (epoch {runner.epoch + 1}, batch '
            f'{batch_idx}): {"; ".join(bad)}; samples: '
            f'{self._sample_ids(data_batch)}{self._largest_input(data_batch)}'
            '. A sample with values far out of range (e.g. coordinates of '
            '1e30) poisoned the running statistics that evaluation and the '
            'checkpoint use; check those samples '
            '(tools/analysis_tools/validate_dataset.py)')

    def _largest_input(self, data_batch: DATA_BATCH) -> str:
        """``'; largest |input|: <sample> (<value>)'``, the sample of the
        batch with the largest (or a non-finite) input value; '' when the
        inputs are not tensors. Only on the error path: one sync per
        sample does not matter there."""
        inputs = data_batch.get('inputs') if isinstance(data_batch,
                                                        dict) else None
        if isinstance(inputs, torch.Tensor):
            inputs = list(inputs)
        if not isinstance(inputs, (list, tuple)) or not inputs or not all(
                isinstance(x, torch.Tensor) and x.numel() for x in inputs):
            return ''
        sizes = [
            x.detach().double().abs().nan_to_num(nan=float('inf')).amax()
            for x in inputs
        ]
        worst = int(torch.stack([s.cpu() for s in sizes]).argmax())
        ids = self._sample_ids(data_batch)
        name = ids[worst] if worst < len(ids) else f'batch position {worst}'
        return f'; largest |input|: {name} ({float(sizes[worst]):g})'

    @staticmethod
    def _non_finite_terms(runner, outputs: dict) -> Dict[str, float]:
        bad = {}
        scalars = runner.message_hub.log_scalars
        for key, value in outputs.items():
            if 'loss' not in key:
                continue
            logged = scalars.get(f'train/{key}')
            # The logged float is already on the host; fall back to the
            # tensor when RuntimeInfoHook did not log this key.
            value = logged.current() if logged is not None else value
            if isinstance(value, torch.Tensor):
                value = value.detach().float().mean().item()
            if not math.isfinite(float(value)):
                bad[key] = float(value)
        return bad

    def _sample_ids(self, data_batch: DATA_BATCH) -> List:
        samples = []
        if isinstance(data_batch, dict):
            samples = data_batch.get('data_samples') or []
        ids = []
        for position, sample in enumerate(samples):
            metainfo = getattr(sample, 'metainfo', {})
            key = next((k for k in self.id_keys if k in metainfo), None)
            ids.append(metainfo[key]
                       if key is not None else f'batch position {position}')
        return ids
