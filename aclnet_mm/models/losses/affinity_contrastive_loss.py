# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.dist import all_reduce
from torch import Tensor

from aclnet_mm.models.utils.confusion import (batch_confusion,
                                              confusion_increment)
from aclnet_mm.models.utils.superclass import (build_superclasses,
                                               superclass_sizes)

# A setting derived from the training data, resolved before training by
# ResolveAutoSettingsHook.
AUTO = 'auto'

# Added to the L2 norm as the reference does (not clamped as F.normalize).
_NORM_EPS = 1e-12


def _l2_normalize(x: Tensor) -> Tensor:
    return x / (x.norm(dim=-1, keepdim=True) + _NORM_EPS)


@MODELS.register_module()
class AffinityContrastiveLoss(nn.Module):
    """Inter-class affinity contrastive loss of ACLNet.

    Each sample is contrasted with EMA class prototypes, but only against
    the prototypes of its class's superclass: the classes the classifier
    confuses it with, and the classes sharing many of those confusers
    (aclnet_method.md §M2-§M6). A sample's temperature grows with the size of
    its class's superclass.

    Every step (training forward):

    1. ``p = argmax(logits)``; the batch confusion counts and the per-class
       sums of the projected true positives are all-reduced (sum) over the
       ranks, so every rank holds the same state and a 2-rank run equals a
       1-rank run on the concatenated batch.
    2. If ``stats_active``: ``confusion += increment`` (see
       :func:`confusion_increment`).
    3. EMA of the prototypes of the classes with true positives:
       ``mu_c = m * mu_c + (1 - m) * mean(z of true positives of c)``.
    4. In faithful mode, a pending superclass rebuild runs here, after this
       batch's statistics, as in the reference.
    5. If ``loss_active``: cosine logits of ``z`` against the prototypes,
       restricted to ``superclass[y] | {y}``, divided by ``class_tau[y]``,
       cross-entropy towards ``y``, mean over the batch. Otherwise a 0-d
       zero still connected to ``proj`` (no unused parameters in DDP).

    Reference quirks (aclnet_method.md §Q1 on) and what each mode does:

    - §Q1 false positives weighted by batch composition. Faithful: bank
      ``+= M + diag(n) M^T``. Clean: ``+= M + M^T``.
    - §Q2 neighbour lists padded with zero-count classes, the class itself
      included, ties to the lower index. Faithful: kept (stable sort).
      Clean: self and zero-count classes excluded, so lists can be shorter
      and sizes (hence temperatures) smaller.
    - §Q3 duplicated positive when ``y`` is in its own superclass (loss
      ``>= log 2``). Faithful: the positive logit appears twice in the
      denominator. Clean: once.
    - §Q4 prototypes updated before the loss with gradient through the
      ``(1 - m) * batch mean`` term. Faithful: kept; the gradient reaches
      the current batch's true positives (local samples only in DDP, with
      the global count in the mean). Clean: the prototypes used by the
      loss are the updated ones but are constants (stop-gradient); only the
      anchors ``z`` receive gradient.
    - §Q5 EMA of un-normalised projections, N(0, 1) init, running every
      step from the first one (also while the loss is off). Kept in both
      modes; ``prototypes`` is a buffer, initialised from the global torch
      RNG at construction.
    - §Q6 the bank is cumulative and never reset; §Q7 the affinity score
      only decides membership. Kept in both modes.
    - §F7 the fallback for an empty superclass (softmax over all classes at
      0.125) is unreachable in the reference and not implemented: a class
      with an empty superclass contributes ``log 1 = 0`` in clean mode.
    - §F2 shape-[1] CPU-built zero when inactive; §F4 state lost on
      resume; §F5 no DDP synchronisation; §F6 Python loops and host
      syncs. Fixed in both modes: 0-d in-graph zero, registered buffers,
      all-reduced increments, vectorised and sync-free steps.
    - The ``softmax > 0`` factor of the true-positive mask is always true
      for the argmax class and is dropped; the ``1e-12`` of the per-class
      mean is replaced by a clamp of the count (relative change 1e-12).
    - §Q11 (topology feature averaged over padded persons) belongs to the
      backbone, not to this loss.

    Buffers and distributed training: ``confusion`` is float64 (exact counts
    far beyond 2**24); the flags and ``superclass_mask`` are bool. MMEngine's
    ``SyncBuffersHook`` averages every buffer over the ranks each epoch; as
    the ranks hold identical values, the mean leaves them unchanged (bool
    buffers work with gloo and NCCL).

    The phase flags are mirrored on the host, so the step needs no
    device-to-host sync; they are read back once after a state dict is
    loaded.

    Args:
        num_classes (int): Number of classes ``C``.
        in_channels (int): Dimension ``F`` of the input features.
        proj_channels (int): Dimension ``D`` of the projection.
            Defaults to 256.
        momentum (float): EMA momentum of the prototypes. Defaults to 0.9.
        num_neighbors (int | str): Neighbourhood size ``k``. Defaults to
            10.
        overlap_thr (int | str): Shared neighbours needed to join a
            superclass. Defaults to 5 (the reference's ``> 4``).
        size_thresholds (Sequence[int] | str): Superclass sizes where the
            temperature steps up. Defaults to (10, 20). Each of these
            three may be ``'auto'``: derived from the training set's class
            count before training by
            :class:`~aclnet_mm.engine.hooks.ResolveAutoSettingsHook`; the
            loss refuses to run while one is unresolved.
        temperatures (Sequence[float]): One temperature per size bucket.
            Defaults to (0.1, 0.5, 1.0).
        temperature_policy (dict): How sizes map to temperatures; built
            with this loss's ``size_thresholds`` and ``temperatures`` (state
            them here, once). ``dict(type='StepTemperature')`` is the
            reference step function; ``dict(type='LinearTemperature')``
            interpolates through the thresholds (``knots=...`` to place
            the knots yourself); both take ``anneal=dict(start_factor=2.0,
            end_factor=1.0, begin=30)`` to scale every temperature over the
            epochs (``by_epoch=False``: iterations), driven by
            :class:`~aclnet_mm.engine.hooks.TemperatureScheduleHook`.
            Defaults to ``dict(type='StepTemperature')``.
        faithful (bool): Reproduce the reference arithmetic, quirks
            included. Defaults to True.

    Raises:
        ValueError: ``num_classes <= num_neighbors``, the number of
            ``temperatures`` does not fit ``size_thresholds``, or a
            temperature is not positive.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 proj_channels: int = 256,
                 momentum: float = 0.9,
                 num_neighbors: Union[int, str] = 10,
                 overlap_thr: Union[int, str] = 5,
                 size_thresholds: Union[Sequence[int], str] = (10, 20),
                 temperatures: Sequence[float] = (0.1, 0.5, 1.0),
                 temperature_policy: Dict = dict(type='StepTemperature'),
                 faithful: bool = True) -> None:
        super().__init__()
        if size_thresholds == AUTO and len(temperatures) != 3:
            raise ValueError(
                f"size_thresholds='auto' gives two thresholds: temperatures "
                f'needs 3 values, got {len(temperatures)}')
        if num_neighbors != AUTO and num_classes <= num_neighbors:
            raise ValueError(
                f'AffinityContrastiveLoss needs num_classes > num_neighbors '
                f'(got num_classes={num_classes}, num_neighbors='
                f'{num_neighbors}): the neighbourhood would hold every '
                f'class. Set num_neighbors to at most {num_classes - 1}.')
        if size_thresholds != AUTO and len(
                temperatures) != len(size_thresholds) + 1:
            raise ValueError(
                f'temperatures needs len(size_thresholds) + 1 = '
                f'{len(size_thresholds) + 1} values, got {len(temperatures)}')
        if not all(tau > 0 for tau in temperatures):
            # The logits are divided by them: 0 gives inf / NaN losses.
            raise ValueError(f'temperatures must be positive, got '
                             f'{tuple(temperatures)}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.proj_channels = proj_channels
        self.momentum = momentum
        self.num_neighbors = num_neighbors
        self.overlap_thr = overlap_thr
        self.size_thresholds = (
            AUTO if size_thresholds == AUTO else tuple(size_thresholds))
        self.temperatures = tuple(temperatures)
        self.faithful = faithful
        policy = dict(temperature_policy)
        stated = {'size_thresholds', 'temperatures'} & set(policy)
        if stated:
            raise ValueError(
                f'temperature_policy states {sorted(stated)}: state them '
                'once, as arguments of AffinityContrastiveLoss')
        self._policy_cfg = policy
        self.temperature_policy = None
        if self.size_thresholds != AUTO:
            self._build_policy()
        # Training progress for an annealed policy, set by
        # TemperatureScheduleHook; a function of runner.epoch / iter only.
        self._progress: Optional[Dict[str, int]] = None

        self.proj = nn.Linear(in_channels, proj_channels)
        self.register_buffer('prototypes',
                             torch.randn(num_classes, proj_channels))
        self.register_buffer(
            'confusion',
            torch.zeros(num_classes, num_classes, dtype=torch.float64))
        self.register_buffer(
            'superclass_mask',
            torch.zeros(num_classes, num_classes, dtype=torch.bool))
        # Until 'auto' thresholds are resolved: the lowest bucket's value
        # (what every policy gives empty superclasses), recomputed then.
        tau = (
            self.temperature_policy(torch.zeros(num_classes)).float()
            if self.temperature_policy is not None else torch.full(
                (num_classes, ), float(self.temperatures[0])))
        self.register_buffer('class_tau', tau)
        self.register_buffer('stats_active', torch.tensor(False))
        self.register_buffer('loss_active', torch.tensor(False))
        self.register_buffer('refresh_pending', torch.tensor(False))
        # Host copy of the flags: forward branches on it without a sync.
        self._host_flags: Optional[Tuple[bool, ...]] = (False, False, False)

    # ------------------------------------------------------------------
    # Data-derived settings ('auto').
    # ------------------------------------------------------------------
    def _build_policy(self) -> None:
        policy = dict(self._policy_cfg)
        # Looked up in our registry directly, whatever the default scope
        # of the caller (MODELS.build would follow it).
        policy_cls = policy.pop('type')
        if isinstance(policy_cls, str):
            policy_cls = MODELS.get(policy_cls)
        self.temperature_policy = policy_cls(
            size_thresholds=self.size_thresholds,
            temperatures=self.temperatures,
            **policy)

    def unresolved_settings(self) -> Tuple[str, ...]:
        """Names of the settings still ``'auto'``."""
        return tuple(
            name
            for name in ('num_neighbors', 'overlap_thr', 'size_thresholds')
            if getattr(self, name) == AUTO)

    def resolve_settings(self, **settings: Any) -> None:
        """Give the ``'auto'`` settings their values.

        Called by :class:`~aclnet_mm.engine.hooks.ResolveAutoSettingsHook`
        before training.

        Args:
            **settings: ``num_neighbors``, ``overlap_thr`` and / or
                ``size_thresholds``; only settings that are ``'auto'``.

        Raises:
            ValueError: A setting is not ``'auto'`` or unknown, or the
                values do not fit the class count.
        """
        for name, value in settings.items():
            if name not in self.unresolved_settings():
                raise ValueError(f'{name} is not an unresolved setting of '
                                 f'this loss ({self.unresolved_settings()})')
            if name == 'size_thresholds':
                value = tuple(value)
                if len(value) + 1 != len(self.temperatures):
                    raise ValueError(
                        f'size_thresholds {value} do not fit temperatures '
                        f'{self.temperatures}')
            setattr(self, name, value)
        if self.num_neighbors != AUTO and (self.num_classes
                                           <= self.num_neighbors):
            raise ValueError(
                f'num_neighbors={self.num_neighbors} needs more than '
                f'{self.num_neighbors} classes, got {self.num_classes}')
        if 'size_thresholds' in settings:
            self._build_policy()
            with torch.no_grad():
                self.class_tau.copy_(
                    self._temperature(self.superclass_sizes()))

    def _check_resolved(self) -> None:
        unresolved = self.unresolved_settings()
        if unresolved:
            raise RuntimeError(
                f'AffinityContrastiveLoss settings {list(unresolved)} are '
                "still 'auto': ResolveAutoSettingsHook resolves them before "
                'training; add dict(type=ResolveAutoSettingsHook) to '
                'custom_hooks, or state the values')

    # ------------------------------------------------------------------
    # Phase control (called by hooks from the host).
    # ------------------------------------------------------------------
    def _flags(self) -> Tuple[bool, bool, bool]:
        if self._host_flags is None:
            # Once after load_state_dict: read the loaded flags back.
            self._host_flags = (bool(self.stats_active),
                                bool(self.loss_active),
                                bool(self.refresh_pending))
        return self._host_flags

    def _set_flags(self, stats: bool, loss: bool, pending: bool) -> None:
        self.stats_active.fill_(stats)
        self.loss_active.fill_(loss)
        self.refresh_pending.fill_(pending)
        self._host_flags = (stats, loss, pending)

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self._host_flags = None

    def on_buffers_restored(self) -> None:
        """Re-read the phase flags from the buffers at the next forward.

        Called by :class:`~aclnet_mm.engine.hooks.NonFiniteLossHook` after
        it copied the buffers of a skipped step back (a deferred refresh
        done in that step is pending again).
        """
        self._host_flags = None

    def set_phase(self, stats_active: bool, loss_active: bool) -> None:
        """Switch the confusion statistics and the loss on or off.

        Args:
            stats_active (bool): Accumulate the confusion bank.
            loss_active (bool): Compute the loss (else a 0-d zero).
        """
        pending = self._flags()[2]
        self._set_flags(bool(stats_active), bool(loss_active), pending)

    def request_refresh(self) -> None:
        """Ask for the superclasses to be rebuilt from the confusion bank.

        Faithful: deferred to the next forward, after that batch's
        statistics update, as in the reference. Clean: rebuilt now.
        """
        if self.faithful:
            stats, loss, _ = self._flags()
            self._set_flags(stats, loss, True)
        else:
            self.refresh_superclasses()

    @torch.no_grad()
    def refresh_superclasses(self) -> None:
        """Rebuild ``superclass_mask`` and ``class_tau`` from the bank."""
        self._check_resolved()
        mask = build_superclasses(self.confusion, self.num_neighbors,
                                  self.overlap_thr, self.faithful)
        self.superclass_mask.copy_(mask)
        sizes = superclass_sizes(mask).to(self.class_tau.dtype)
        self.class_tau.copy_(self._temperature(sizes))
        stats, loss, _ = self._flags()
        self._set_flags(stats, loss, False)

    def superclass_sizes(self) -> Tensor:
        """Return the ``[C]`` superclass sizes (float, self counted when the
        class is its own member)."""
        return superclass_sizes(self.superclass_mask)

    @torch.no_grad()
    def set_class_temperatures(self, tau: Tensor) -> None:
        """Overwrite the ``[C]`` per-class temperatures until the next
        refresh or :meth:`set_progress` (for tests and analysis).

        Args:
            tau (Tensor): ``[C]`` positive temperatures.
        """
        self.class_tau.copy_(tau)

    @torch.no_grad()
    def set_progress(self, epoch: int, iter: int, max_epochs: int,
                     max_iters: int) -> None:
        """Tell the temperature policy where training is.

        ``class_tau`` is recomputed from the current superclass sizes, so
        an annealed policy takes effect at once.

        Args:
            epoch (int): Completed epochs (``runner.epoch``).
            iter (int): Completed iterations (``runner.iter``).
            max_epochs (int): ``runner.max_epochs``.
            max_iters (int): ``runner.max_iters``.
        """
        self._progress = dict(
            epoch=int(epoch),
            iter=int(iter),
            max_epochs=int(max_epochs),
            max_iters=int(max_iters))
        self.class_tau.copy_(self._temperature(self.superclass_sizes()))

    def _temperature(self, sizes: Tensor) -> Tensor:
        self._check_resolved()
        return self.temperature_policy(sizes,
                                       self._progress).to(self.class_tau.dtype)

    # ------------------------------------------------------------------
    # Training step.
    # ------------------------------------------------------------------
    def forward(self, feats: Tensor, labels: Tensor, logits: Tensor) -> Tensor:
        """Update the statistics and compute the loss of one batch.

        Args:
            feats (Tensor): ``[B, F]`` features.
            labels (Tensor): ``[B]`` class indices.
            logits (Tensor): ``[B, C]`` classifier scores (only their argmax
                is used, without gradient).

        Returns:
            Tensor: 0-d loss.
        """
        z = self.proj(feats).to(self.prototypes.dtype)
        preds = logits.detach().argmax(dim=1)
        # Prototype sums, cosines and the softmax stay in the prototypes'
        # float32 under bf16/fp16 autocast.
        with torch.autocast(device_type=z.device.type, enabled=False):
            return self._forward(z, labels.reshape(-1).long(), preds)

    def _forward(self, z: Tensor, labels: Tensor, preds: Tensor) -> Tensor:
        self._check_resolved()
        stats_active, loss_active, refresh_pending = self._flags()
        num_classes = self.num_classes

        # Local statistics, summed over the ranks in one collective.
        confusion = batch_confusion(labels, preds, num_classes, z.dtype)
        true_pos = F.one_hot(labels, num_classes).to(z.dtype)
        true_pos = true_pos * (preds == labels).to(z.dtype)[:, None]
        local_sums = true_pos.t() @ z
        packed = torch.cat(
            [confusion.flatten(),
             local_sums.detach().flatten()])
        all_reduce(packed, op='sum')
        confusion, sums = packed.split(
            [num_classes * num_classes,
             local_sums.numel()])
        confusion = confusion.view(num_classes, num_classes)
        sums = sums.view_as(local_sums)

        if stats_active:
            increment = confusion_increment(confusion, self.faithful)
            self.confusion += increment.to(self.confusion.dtype)

        counts = confusion.diagonal()
        weight = ((1 - self.momentum) / counts.clamp(min=1))[:, None]
        with torch.no_grad():
            updated = self.momentum * self.prototypes + weight * sums
            self.prototypes.copy_(
                torch.where((counts > 0)[:, None], updated, self.prototypes))

        if refresh_pending:
            self.refresh_superclasses()
        if not loss_active or z.shape[0] == 0:
            # An empty local batch (a rank with no sample left) has no
            # mean: 0, after joining the collective above like the others.
            # + 0 turns the -0.0 of a negative sum into 0.0 in the logs.
            return z.sum() * 0 + 0

        prototypes = self.prototypes
        if self.faithful:
            # Zero in value, carries the gradient of the local batch-mean
            # term; keeps the stored prototypes identical on every rank.
            prototypes = prototypes + weight * (
                local_sums - local_sums.detach())
        scores = _l2_normalize(z) @ _l2_normalize(prototypes).t()
        scores = scores / self.class_tau[labels][:, None]
        members = self.superclass_mask[labels]
        own = F.one_hot(labels, num_classes).bool()
        masked = scores.masked_fill(~(members | own), float('-inf'))
        positive = scores.gather(1, labels[:, None])
        if self.faithful:
            # The reference lists y first and again inside A(y).
            duplicate = members.gather(1, labels[:, None])
            masked = torch.cat(
                [masked,
                 positive.masked_fill(~duplicate, float('-inf'))],
                dim=1)
        return (torch.logsumexp(masked, dim=1) - positive.squeeze(1)).mean()

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, '
                f'num_neighbors={self.num_neighbors}, '
                f'overlap_thr={self.overlap_thr}, '
                f'size_thresholds={self.size_thresholds}, '
                f'temperatures={self.temperatures}, faithful={self.faithful}')
