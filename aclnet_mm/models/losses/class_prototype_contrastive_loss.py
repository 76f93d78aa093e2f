# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ProtoGCN's class-specific contrastive loss over EMA class prototypes."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor

from ..utils.dist import all_gather_with_grad, concat_all_gather

__all__ = ['ClassPrototypeContrastiveLoss']

# The reference's guards: added to norms and class counts, and the count
# above which a class counts as observed in the batch.
_EPS = 1e-12
_OBSERVED = 1e-8


@MODELS.register_module()
class ClassPrototypeContrastiveLoss(BaseModule):
    r"""Class-specific contrastive loss of ProtoGCN (Liu et al., CVPR 2025).

    Each sample's feature ``x`` (ProtoGCN's reconstructed topology, ``V *
    V`` values) is projected, ``f = W x + b``. The samples that the
    classifier gets right, with a softmax probability of their class above
    ``pred_threshold``, update their class's prototype by an exponential
    moving average of the batch mean,

    .. math::

        p_k \leftarrow m\, p_k + (1 - m)\, \frac{\sum_{i \in S_k} f_i}
        {|S_k| + 10^{-12}},

    (classes without such a sample keep ``p_k``), and the loss is the
    cross-entropy of the cosine similarities over the temperature,

    .. math::

        L = \frac{1}{n} \sum_i -\log \operatorname{softmax}_k
        \Big(\frac{\hat p_k \cdot \hat f_i}{\tau}\Big)_{y_i}.

    The batch mean enters the prototypes used by the loss with its
    gradient (weight ``1 - m``), as in the reference; the stored prototypes
    are detached.

    The prototypes are a buffer ``prototypes`` of shape ``(proj_channels,
    num_classes)`` (the reference's layout), so they are saved in
    checkpoints and restored on resume. Under distributed training the
    class sums and counts are taken over the global batch (features are
    gathered with their gradient), so every rank computes the same
    prototypes, bit for bit, as one process would on the concatenated
    batch, and the per-rank losses averaged by DDP give the single-process
    gradient. No step reads a value back to the host. Under bf16 / fp16
    autocast only the projection runs in low precision; the rest is computed
    in the memory's dtype (float32).

    ``faithful=True`` keeps the reference's behaviour: the prototypes
    start as ``N(0, 1)`` noise, drawn from the global generator before the
    projection is initialised (so a given seed gives the reference's
    values), and the first update of a class blends the batch mean into
    that noise. ``faithful=False`` starts from zeros and sets a class's
    prototype to its first batch mean (a class never observed has a zero
    prototype, hence zero similarity); a boolean buffer ``observed``
    records which classes have been.

    Args:
        num_classes (int): Number of classes ``K``.
        in_channels (int): Feature size (``V * V``). Defaults to 625.
        proj_channels (int): Projection size. Defaults to 256.
        temperature (float): ``tau``. Defaults to 0.125.
        momentum (float): ``m``, the weight of the old prototype.
            Defaults to 0.9.
        pred_threshold (float): A correct sample must have a softmax
            probability of its class above this. Defaults to 0.
        faithful (bool): Reference behaviour, see above. Defaults to True.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None (PyTorch's default ``Linear`` init, as in the
            reference).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int = 625,
                 proj_channels: int = 256,
                 temperature: float = 0.125,
                 momentum: float = 0.9,
                 pred_threshold: float = 0.,
                 faithful: bool = True,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        if not 0. <= momentum <= 1.:
            raise ValueError(f'momentum must be in [0, 1], got {momentum}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.proj_channels = proj_channels
        self.temperature = temperature
        self.momentum = momentum
        self.pred_threshold = pred_threshold
        self.faithful = faithful
        # Drawn before cl_fc exists: the reference draws its memory first,
        # so the same seed gives the same memory and projection.
        if faithful:
            prototypes = torch.randn(proj_channels, num_classes)
        else:
            prototypes = torch.zeros(proj_channels, num_classes)
        self.register_buffer('prototypes', prototypes)
        self.register_buffer('observed',
                             torch.zeros(num_classes, dtype=torch.bool))
        # The reference's name, so that its checkpoints map one to one.
        self.cl_fc = nn.Linear(in_channels, proj_channels)

    def correct_mask(self, labels: Tensor, logits: Tensor) -> Tensor:
        """One-hot rows of the samples that update their class prototype.

        Args:
            labels (Tensor): Class indices ``(n, )``.
            logits (Tensor): Classifier scores ``(n, K)``.

        Returns:
            Tensor: ``(n, K)`` float mask, row ``i`` one-hot at ``y_i`` if
            ``argmax logits_i == y_i`` and ``softmax(logits_i)_{y_i} >
            pred_threshold``, else zero.
        """
        logits = logits.detach()
        classes = torch.arange(self.num_classes, device=labels.device)
        # Comparisons rather than F.one_hot, which checks the label range
        # on the host (a device sync on CUDA).
        label_one = labels[:, None] == classes
        pred_one = logits.argmax(dim=1)[:, None] == classes
        confident = logits.softmax(dim=1) > self.pred_threshold
        return (label_one & pred_one & confident).to(logits.dtype)

    def forward(self, feats: Tensor, labels: Tensor, logits: Tensor) -> Tensor:
        """Update the prototypes and return the loss.

        Args:
            feats (Tensor): Features ``(n, in_channels)``.
            labels (Tensor): Class indices ``(n, )``.
            logits (Tensor): Classifier scores ``(n, K)`` (detached here).

        Returns:
            Tensor: The 0-d loss.
        """
        feats = self.cl_fc(feats).to(self.prototypes.dtype)
        logits = logits.detach().to(self.prototypes.dtype)
        # Only the projection runs in bf16 / fp16 under autocast: the means,
        # the memory and the cosines stay in the memory's float32.
        with torch.autocast(device_type=feats.device.type, enabled=False):
            return self._forward(feats, labels.reshape(-1).long(), logits)

    def _forward(self, feats: Tensor, labels: Tensor,
                 logits: Tensor) -> Tensor:
        mask = self.correct_mask(labels, logits)
        # Global batch: ranks gather each other's projected features (with
        # gradient, so the prototype path back-propagates to every rank)
        # and masks, in rank order.
        all_feats = all_gather_with_grad(feats)
        all_mask = concat_all_gather(mask)
        counts = all_mask.sum(0, keepdim=True)
        batch_mean = all_feats.t().matmul(all_mask) / (counts + _EPS)

        observed = counts > _OBSERVED
        keep = torch.full_like(counts, self.momentum)
        if not self.faithful:
            # First observation: take the batch mean outright.
            keep = keep * self.observed[None].to(keep.dtype)
        # 1 for unobserved classes: they keep their prototype. Written as
        # the reference's ``old * w + (1 - w) * mean`` for identical bits.
        keep = torch.where(observed, keep, torch.ones_like(keep))
        old = self.prototypes.detach().clone()
        prototypes = old * keep + (1 - keep) * batch_mean
        with torch.no_grad():
            self.prototypes.copy_(prototypes.detach())
            self.observed.logical_or_(observed[0])

        feats = feats / (feats.norm(p=2, dim=1, keepdim=True) + _EPS)
        protos = prototypes.t()
        protos = protos / (protos.norm(p=2, dim=-1, keepdim=True) + _EPS)
        # (K, n) then transposed, the reference's order of the product.
        scores = protos.matmul(feats.t()) / self.temperature
        scores = scores.t().contiguous()
        return F.cross_entropy(scores, labels, reduction='none').mean()

    def extra_repr(self) -> str:
        """Settings shown by ``print(module)``."""
        return (f'num_classes={self.num_classes}, temperature='
                f'{self.temperature}, momentum={self.momentum}, '
                f'pred_threshold={self.pred_threshold}, '
                f'faithful={self.faithful}')
