# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL: MoCo-style contrastive pretraining of a skeleton encoder."""
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModel
from torch import Tensor

from ..utils.dist import concat_all_gather
from ..utils.momentum_average import MomentumAverage
from ..utils.queue import ring_buffer_push_

__all__ = ['ASCALRecognizer']


@MODELS.register_module()
class ASCALRecognizer(BaseModel):
    """Self-supervised recognizer of AS-CAL (a momentum encoder + a queue).

    Inputs are ``(N, 2, M, T, V, C)``: view 0 the query and view 1 the key
    (:class:`~aclnet_mm.datasets.transforms.SkeletonTwoView`). The query
    encoder ``backbone`` (with gradient) and the key encoder ``key_backbone``
    (a :class:`~aclnet_mm.models.utils.MomentumAverage` of it, no gradient,
    eval mode) encode the views into ``(N, D)`` vectors by averaging the
    backbone's output over every axis but the channels: for
    :class:`~aclnet_mm.models.backbones.SkeletonRNN` that is the CAE itself,
    for a GCN backbone ``(N, M, D, T, V)`` it is global average pooling. The
    loss is InfoNCE (:class:`~aclnet_mm.models.losses.InfoNCELoss`) of each
    query against its key and the ``K`` queued keys; then the keys of the
    whole global batch (all-gathered in rank order) overwrite the oldest
    queue entries, so every rank holds the same queue.

    The momentum update ``theta_k <- m theta_k + (1 - m) theta_q`` runs
    after each optimiser step through
    :class:`~aclnet_mm.engine.hooks.MomentumEncoderHook` (which calls
    :meth:`momentum_update`); the reference's epoch of queue filling
    without training is :class:`~aclnet_mm.engine.hooks.QueueWarmupHook`.

    Faithful to the reference: unnormalised dot products with
    ``tau = 0.06``, no projection head, the queue initialised to
    ``U(-s, s)`` with ``s = 1 / sqrt(D / 3)`` and used whole from the first
    step, the key encoder starting as a copy of the query encoder and
    blended from the first update on (``0.999 k + 0.001 q`` after the first
    optimiser step; MMEngine's own EMA would copy on its first update).

    Everything a resumed run needs is a parameter or a buffer (``queue``,
    ``queue_ptr``, ``queue_count``, and the EMA's ``steps``).

    Args:
        backbone (dict): Query encoder config.
        feat_dim (int): Encoding size ``D``. Defaults to 256.
        queue_size (int): Number ``K`` of queued keys (16384 for NTU).
            Defaults to 16384.
        momentum (float): Key encoder momentum ``m``. Defaults to 0.999.
        loss (dict): Contrastive loss config. Defaults to
            ``dict(type='InfoNCELoss', temperature=0.06, normalize=False)``.
        data_preprocessor (dict, optional): Defaults to MMAction2's
            ``ActionDataPreprocessor``, which only stacks the batch.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 backbone: Dict,
                 feat_dim: int = 256,
                 queue_size: int = 16384,
                 momentum: float = 0.999,
                 loss: Dict = dict(
                     type='InfoNCELoss', temperature=0.06, normalize=False),
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            # MMAction2's registry, whatever the current default scope.
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not 0 < momentum < 1:
            raise ValueError(f'momentum must be in (0, 1), got {momentum}')
        if queue_size < 1:
            raise ValueError(f'queue_size must be positive, got {queue_size}')
        self.feat_dim = feat_dim
        self.queue_size = queue_size
        self.momentum = momentum
        self.backbone = MODELS.build(backbone)
        # MMEngine's EMA weight is that of the new value: 1 - m.
        self.key_backbone = MomentumAverage(
            self.backbone, momentum=1. - momentum)
        self.key_backbone.train(False)
        self.loss_module = MODELS.build(loss)
        bound = 1. / math.sqrt(feat_dim / 3.)
        self.register_buffer(
            'queue',
            torch.empty(queue_size, feat_dim).uniform_(-bound, bound))
        self.register_buffer('queue_ptr', torch.zeros((), dtype=torch.long))
        self.register_buffer('queue_count', torch.zeros((), dtype=torch.long))

    def init_weights(self) -> None:
        """Initialise the query encoder, then copy it into the key
        encoder."""
        super().init_weights()
        self.key_backbone.module.load_state_dict(self.backbone.state_dict())

    def train(self, mode: bool = True) -> 'ASCALRecognizer':
        """Switch the mode; the key encoder always stays in eval mode."""
        super().train(mode)
        self.key_backbone.train(False)
        return self

    @staticmethod
    def _pool(feats: Tensor) -> Tensor:
        """``(N, D, ...)`` or ``(N, M, D, T, V)`` features to ``(N, D)``."""
        if feats.dim() == 2:
            return feats
        if feats.dim() == 5:
            return feats.mean(dim=(1, 3, 4))
        raise ValueError(f'cannot pool a backbone output of shape '
                         f'{tuple(feats.shape)}')

    def extract_feat(self, inputs: Tensor, key: bool = False) -> Tensor:
        """Encode a batch of single-clip skeletons.

        Args:
            inputs (Tensor): ``(N, M, T, V, C)``.
            key (bool): Use the key encoder (no gradient). Defaults to
                False.

        Returns:
            Tensor: ``(N, D)`` encodings.
        """
        if key:
            with torch.no_grad():
                return self._pool(self.key_backbone(inputs)).detach()
        return self._pool(self.backbone(inputs))

    @staticmethod
    def _split_views(inputs: Tensor) -> Sequence[Tensor]:
        if inputs.dim() != 6 or inputs.shape[1] != 2:
            raise ValueError(f'expected (N, 2, M, T, V, C) two-view inputs, '
                             f'got {tuple(inputs.shape)}')
        return inputs[:, 0], inputs[:, 1]

    @torch.no_grad()
    def enqueue(self, keys: Tensor) -> None:
        """Push the global batch's keys (gathered in rank order).

        Args:
            keys (Tensor): This rank's ``(B, D)`` keys.
        """
        ring_buffer_push_([self.queue], self.queue_ptr, self.queue_count,
                          [concat_all_gather(keys)])

    @torch.no_grad()
    def momentum_update(self) -> None:
        """``theta_k <- m theta_k + (1 - m) theta_q`` (after an optimiser
        step)."""
        self.key_backbone.update_parameters(self.backbone)

    @torch.no_grad()
    def warmup_step(self, data: Dict) -> None:
        """Encode a batch's key views and enqueue them, training nothing.

        Args:
            data (dict): A batch as the dataloader yields it.
        """
        data = self.data_preprocessor(data, True)
        _, key_view = self._split_views(data['inputs'])
        self.enqueue(self.extract_feat(key_view, key=True))

    def loss(self, inputs: Tensor, data_samples=None) -> Dict[str, Tensor]:
        """InfoNCE of the batch, then enqueue its keys.

        Args:
            inputs (Tensor): ``(N, 2, M, T, V, C)`` query and key views.
            data_samples (list, optional): Unused (no labels).

        Returns:
            dict: ``loss`` (the InfoNCE loss).
        """
        query_view, key_view = self._split_views(inputs)
        query = self.extract_feat(query_view)
        key = self.extract_feat(key_view, key=True)
        # A copy: the push below must not alter what backward reads.
        loss = self.loss_module(query, key, self.queue.clone().detach())
        self.enqueue(key)
        return dict(loss=loss)

    def predict(self, inputs: Tensor, data_samples: List) -> List:
        """Attach each sample's encoding (averaged over its clips).

        Args:
            inputs (Tensor): ``(N, num_clips, M, T, V, C)``.
            data_samples (list): The samples' ``ActionDataSample``.

        Returns:
            list: The data samples, each with a ``feature`` field ``(D, )``.
        """
        num, num_clips = inputs.shape[:2]
        feats = self.extract_feat(inputs.flatten(0, 1))
        feats = feats.view(num, num_clips, -1).mean(dim=1)
        for sample, feat in zip(data_samples, feats):
            sample.feature = feat
        return data_samples

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """Dispatch on ``mode``: ``'loss'``, ``'predict'`` or ``'tensor'``
        (the ``(N * num_clips, D)`` encodings)."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs.flatten(0, 1))
        raise RuntimeError(f'invalid mode {mode!r}')
