# Copyright (c) aclnet-mm contributors. All rights reserved.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine import dist
from torch import Tensor

from ..utils.dist import all_gather_with_grad, concat_all_gather
from ..utils.queue import ring_buffer_latest, ring_buffer_push_


@MODELS.register_module()
class MarginContrastiveLoss(nn.Module):
    """ACLNet's intra-class margin contrastive loss with a memory queue.

    Each sample's feature is projected and L2-normalised, ``q = norm(W f +
    b)``. The anchors are the current batch; the contrast set is the newest
    ``K - B`` queued projections (no gradient) followed by the current
    batch (with gradient), ``K`` = ``queue_size`` and ``B`` = the global
    batch. With ``s = q . x / temperature``, positives ``P(i)`` (same label,
    the anchor's own column excluded) and negatives ``N(i)`` (other labels),
    each positive pair costs

    ``l_ip = -s_ip + log(w * exp(s_ip) + sum_{n in N(i)} exp(s_in))``,

    ``w = exp(-margin)``: a per-positive InfoNCE whose denominator holds
    only that positive, with an additive margin on its logit, minus the
    constant ``margin``. A pair's loss is therefore bounded below by
    ``-margin`` and the loss can be negative. An anchor's loss is the mean
    over its positives. After the loss, the current projections (detached)
    and labels are pushed to the queue.

    Only the ``B x K`` anchor rows are computed (the reference builds the
    full ``K x K`` matrix and keeps its last ``B`` rows). The queue is a
    tensor ring buffer (:mod:`aclnet_mm.models.utils.queue`): any queue
    size works with any batch size, including a short last batch and a
    queue smaller than the batch (then the contrast set is the current
    batch alone). The reference's FIFO list breaks unless the queue size is
    a multiple of the batch size (aclnet_method.md §F3); that bug is
    fixed in both modes.

    The loss is active once the queue holds at least ``K - B`` entries,
    i.e. once the contrast set can be filled. For a queue size that is a
    multiple of the batch size this is exactly the reference's "the queue
    first reached ``K`` entries", in both modes. While inactive it returns
    ``0 * q.sum() + 0``, a 0-d zero inside the graph (the reference returns a
    shape-[1] constant), so DDP never sees an unused parameter. The switch
    is a device-side ``torch.where`` (the loss of the few warm-up steps is
    computed on the partly filled queue and discarded): no step
    synchronises with the host.

    ``faithful=True`` keeps the reference arithmetic:

    - ``q = p / (||p|| + 1e-12)``;
    - the logits are shifted by their (detached) row maximum over the whole
      row, which includes the anchor's own column (``1 / temperature``), and
      ``1e-6`` is added inside the log *after* the shift (in unshifted terms
      a much larger ``1e-6 * exp(row max)``);
    - the anchor losses are divided by the batch size, anchors without a
      positive counting as 0.

    ``faithful=False`` computes the exact log-sum-exp form without the
    epsilon (``q = F.normalize(p)``) and averages over the anchors that have
    at least one positive only, so that batches with many singletons do not
    dilute the loss.

    Distributed training: the current projections are all-gathered with
    gradient and the labels without, and the global batch is pushed to the
    queue in rank order, so the queue is identical on every rank. Each rank
    computes the loss of its own anchors against the global contrast set,
    normalised by the global anchor count and multiplied by the world
    size; as DDP averages the gradients and the all-gather sums the
    gradients of shared features, the result equals a single-process run on
    the global batch (the logged value is the rank's share; its mean over
    ranks is the single-process loss). Every rank must have the same batch
    size (MMEngine's ``DefaultSampler`` guarantees it).

    Args:
        in_channels (int): Length ``F`` of the input features.
        proj_channels (int): Length ``D`` of the projection. Defaults to 256.
        queue_size (int): Number ``K`` of queue slots, also the size of the
            contrast set. Defaults to 512.
        temperature (float): Softmax temperature. Defaults to 0.1.
        margin (float): Additive margin on the positive logit, in logit
            units; ``w = exp(-margin)``. Defaults to 0.1.
        faithful (bool): Reproduce the reference arithmetic (see above).
            Defaults to True.

    Raises:
        ValueError: ``queue_size`` or ``temperature`` is not positive.
    """

    def __init__(self,
                 in_channels: int,
                 proj_channels: int = 256,
                 queue_size: int = 512,
                 temperature: float = 0.1,
                 margin: float = 0.1,
                 faithful: bool = True) -> None:
        super().__init__()
        if queue_size < 1:
            raise ValueError(f'queue_size must be positive, got {queue_size}')
        if temperature <= 0:
            # The logits are divided by it: 0 gives inf / NaN losses.
            raise ValueError(f'temperature must be positive, got '
                             f'{temperature}')
        self.in_channels = in_channels
        self.proj_channels = proj_channels
        self.queue_size = queue_size
        self.temperature = temperature
        self.margin = margin
        self.faithful = faithful

        self.proj = nn.Linear(in_channels, proj_channels)
        self.register_buffer('queue_feats',
                             torch.zeros(queue_size, proj_channels))
        # -1 never equals a class label; unread before the queue fills.
        self.register_buffer('queue_labels',
                             torch.full((queue_size, ), -1, dtype=torch.long))
        self.register_buffer('queue_ptr', torch.zeros((), dtype=torch.long))
        self.register_buffer('queue_count', torch.zeros((), dtype=torch.long))

    def _normalise(self, proj: Tensor) -> Tensor:
        if self.faithful:
            return proj / (proj.norm(p=2, dim=1, keepdim=True) + 1e-12)
        return F.normalize(proj, p=2, dim=1)

    def _pair_losses(self, logits: Tensor, neg: Tensor) -> Tensor:
        """Loss of every (anchor, column) pair taken as a positive pair."""
        if self.faithful:
            shifted = logits - logits.max(dim=1, keepdim=True)[0].detach()
            exp = shifted.exp()
            neg_sum = (exp * neg).sum(dim=1, keepdim=True)
            denom = math.exp(-self.margin) * exp + neg_sum + 1e-6
            return denom.log() - shifted
        # Masked entries get the lowest finite value, not -inf, so an anchor
        # without negatives has a finite log-sum-exp and gradient.
        neg_logits = logits.masked_fill(~neg, torch.finfo(logits.dtype).min)
        neg_lse = neg_logits.logsumexp(dim=1, keepdim=True)
        return torch.logaddexp(logits - self.margin, neg_lse) - logits

    def forward(self, feats: Tensor, labels: Tensor) -> Tensor:
        """Compute the loss of this batch, then enqueue the batch.

        Args:
            feats (Tensor): Features of shape ``(B, F)``.
            labels (Tensor): Class indices of shape ``(B, )``.

        Returns:
            Tensor: The 0-d loss (float32, or float64 for a float64
            model).
        """
        proj = self.proj(feats)
        # The softmax arithmetic runs in float32 at least, even under
        # autocast.
        proj = proj.to(torch.promote_types(proj.dtype, torch.float32))
        with torch.autocast(device_type=proj.device.type, enabled=False):
            return self._forward(proj, labels.detach().reshape(-1).long())

    def _forward(self, proj: Tensor, labels: Tensor) -> Tensor:
        q = self._normalise(proj)
        num_local = q.shape[0]

        q_all = all_gather_with_grad(q)
        labels_all = concat_all_gather(labels)
        world_size = dist.get_world_size()
        first = dist.get_rank() * num_local
        num_global = q_all.shape[0]
        num_mem = max(self.queue_size - num_global, 0)

        active = self.queue_count >= num_mem
        mem_feats = ring_buffer_latest(self.queue_feats, self.queue_ptr,
                                       num_mem)
        mem_labels = ring_buffer_latest(self.queue_labels, self.queue_ptr,
                                        num_mem)
        contrast = torch.cat([mem_feats.to(q.dtype), q_all])
        contrast_labels = torch.cat([mem_labels, labels_all])

        logits = q @ contrast.t() / self.temperature
        same = labels[:, None] == contrast_labels[None, :]
        columns = torch.arange(contrast.shape[0], device=q.device)
        own = torch.arange(num_local, device=q.device) + num_mem + first
        pos = same & (columns[None, :] != own[:, None])
        neg = ~same

        pair_losses = self._pair_losses(logits, neg)
        num_pos = pos.sum(dim=1)
        anchor_losses = (pair_losses * pos).sum(dim=1) / num_pos.clamp(min=1)
        if self.faithful:
            normaliser = num_global
        else:
            # Anchors of the global batch with a positive: a label seen at
            # least twice in the contrast set (itself included).
            all_same = labels_all[:, None] == contrast_labels[None, :]
            normaliser = ((all_same.sum(dim=1) > 1).sum().clamp(min=1))
        loss = anchor_losses.sum() * world_size / normaliser
        # + 0 turns the -0.0 of a negative sum into 0.0 in the logs.
        loss = torch.where(active, loss, q.sum() * 0 + 0)

        ring_buffer_push_((self.queue_feats, self.queue_labels),
                          self.queue_ptr, self.queue_count,
                          (q_all.detach(), labels_all))
        return loss

    def extra_repr(self) -> str:
        return (f'queue_size={self.queue_size}, '
                f'temperature={self.temperature}, margin={self.margin}, '
                f'faithful={self.faithful}')
