# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmaction.models.heads import GCNHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from torch import Tensor

from ..utils.pooling import pool_embedding

BackboneOutput = Union[Tensor, Tuple[Tensor, Tensor]]


@MODELS.register_module()
class ACLNetHead(GCNHead):
    """GCN classification head trained with ACLNet's contrastive losses.

    Prediction is :class:`~mmaction.models.heads.GCNHead`'s: global average
    pooling over time and joints, mean over persons, dropout, ``fc``. With
    the same ``fc`` weights the scores are identical, and :meth:`predict` and
    :meth:`forward` (what an exported model runs) never touch the losses.

    Training adds, on a per-sample contrastive feature, the inter-class
    affinity loss (:class:`AffinityContrastiveLoss`) and the intra-class
    margin loss (:class:`MarginContrastiveLoss`) to the classification
    loss: ``loss_cls + w_inter * loss_inter + w_intra * loss_intra``, each
    term returned already weighted under its own key.

    Backbone output: the feature map ``(N, M, C, T, V)`` (MMAction2's STGCN,
    and our backbones by default) or, from our backbones built with
    ``with_topology=True``, a tuple ``(feature_map, topology)`` with the last
    block's learned topology flattened to ``(N, V * V)``. The contrastive
    feature is chosen by ``feature_source``:

    - ``'topology'`` (ACLNet's reference): the topology; needs the tuple.
    - ``'embedding'``: the pooled ``(N, in_channels)`` embedding that feeds
      ``fc`` (works with any GCN backbone).

    The losses' ``in_channels`` is inferred when their configs omit it:
    ``num_nodes ** 2`` for the topology, the head's ``in_channels`` for the
    embedding. ``loss_inter`` takes ``num_classes`` from the head (state it
    once, on the head; a different value in ``loss_inter`` is an error).

    Besides the losses, :meth:`loss` returns 0-d tensors to log, whose keys
    do not contain ``'loss'`` so that they are not summed into the total:
    ``tau_mean`` (mean inter-loss temperature over the classes present in
    the batch), ``superclass_size_min`` / ``_mean`` / ``_max`` and
    ``queue_fill`` (fraction of the intra-loss queue filled).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Channels ``C`` of the backbone's feature map.
        loss_cls (dict): Classification loss. Defaults to
            ``dict(type='CrossEntropyLoss')``.
        loss_inter (dict, optional): Inter-class loss; None disables it.
            Defaults to ``dict(type='AffinityContrastiveLoss')``.
        loss_intra (dict, optional): Intra-class loss; None disables it.
            Defaults to ``dict(type='MarginContrastiveLoss')``.
        loss_inter_weight (float): Weight of the inter-class loss.
            Defaults to 0.1.
        loss_intra_weight (float): Weight of the intra-class loss.
            Defaults to 0.1.
        feature_source (str): ``'topology'`` or ``'embedding'``.
            Defaults to ``'topology'``.
        num_nodes (int, optional): Number of joints ``V`` of the topology;
            only used to infer the losses' ``in_channels``. Defaults to 25
            (NTU RGB+D, PKU-MMD) in topology mode.
        dropout (float): Dropout before ``fc``. Defaults to 0.
        average_clips (str, optional): How test clips are averaged:
            ``'prob'``, ``'score'`` or None. Defaults to ``'prob'``.
        init_cfg (dict or list[dict]): Initialisation. Defaults to N(0, 0.01)
            for ``fc`` only: the projections inside the losses keep PyTorch's
            default ``Linear`` initialisation, as in the reference.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss_cls: Dict = dict(type='CrossEntropyLoss'),
                 loss_inter: Optional[Dict] = dict(
                     type='AffinityContrastiveLoss'),
                 loss_intra: Optional[Dict] = dict(
                     type='MarginContrastiveLoss'),
                 loss_inter_weight: float = 0.1,
                 loss_intra_weight: float = 0.1,
                 feature_source: str = 'topology',
                 num_nodes: Optional[int] = None,
                 dropout: float = 0.,
                 average_clips: Optional[str] = 'prob',
                 init_cfg: Union[Dict, List[Dict]] = dict(
                     type='Normal', std=0.01, override=dict(name='fc')),
                 **kwargs) -> None:
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            dropout=dropout,
            average_clips=average_clips,
            init_cfg=init_cfg,
            **kwargs)
        if feature_source not in ('topology', 'embedding'):
            raise ValueError("feature_source must be 'topology' or "
                             f"'embedding', got {feature_source!r}")
        self.feature_source = feature_source
        self.num_nodes = 25 if num_nodes is None else num_nodes
        self.loss_inter_weight = loss_inter_weight
        self.loss_intra_weight = loss_intra_weight

        if feature_source == 'topology':
            feat_channels = self.num_nodes * self.num_nodes
        else:
            feat_channels = in_channels
        self.loss_inter = None
        if loss_inter is not None:
            loss_inter = dict(loss_inter)
            stated = loss_inter.get('num_classes', num_classes)
            if stated != num_classes:
                # A stale value inherited from a fragment (e.g. 60 under a
                # 120-class head) would misshape the prototypes.
                raise ValueError(
                    f'loss_inter.num_classes={stated} differs from the '
                    f"head's num_classes={num_classes}; drop it from "
                    'loss_inter, which takes the number from the head')
            loss_inter['num_classes'] = num_classes
            loss_inter.setdefault('in_channels', feat_channels)
            self.loss_inter = MODELS.build(loss_inter)
        self.loss_intra = None
        if loss_intra is not None:
            loss_intra = dict(loss_intra)
            loss_intra.setdefault('in_channels', feat_channels)
            self.loss_intra = MODELS.build(loss_intra)

    def _classify(self, embedding: Tensor) -> Tensor:
        if self.dropout is not None:
            embedding = self.dropout(embedding)
        return self.fc(embedding)

    def forward(self, x: BackboneOutput, **kwargs) -> Tensor:
        """Classify the backbone's output.

        Args:
            x (Tensor | tuple[Tensor, Tensor]): The feature map ``(N, M, C,
                T, V)``, or ``(feature_map, topology)``; the topology is not
                used for prediction.

        Returns:
            Tensor: Class scores of shape ``(N, num_classes)``.
        """
        feature_map = x[0] if isinstance(x, (tuple, list)) else x
        return self._classify(pool_embedding(feature_map))

    def loss(self, feats: BackboneOutput, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """Classification and contrastive losses of a training batch.

        Args:
            feats (Tensor | tuple[Tensor, Tensor]): Backbone output, see
                :meth:`forward`.
            data_samples (list[:obj:`ActionDataSample`]): The batch's data
                samples, with hard ``gt_label``\\ s.

        Returns:
            dict[str, Tensor]: ``loss_cls``, ``top1_acc``, ``top5_acc`` as
            :class:`GCNHead`, plus ``loss_inter``, ``loss_intra`` (weighted)
            and the logged statistics listed in the class docstring.
        """
        if isinstance(feats, (tuple, list)):
            feature_map, topology = feats
        else:
            feature_map, topology = feats, None
        embedding = pool_embedding(feature_map)
        cls_scores = self._classify(embedding)
        # float(): under bf16 autocast ``fc`` gives bf16 scores, which
        # BaseHead's top-k accuracy cannot turn into numpy (issue 10).
        losses = self.loss_by_feat(cls_scores.float(), data_samples)
        if self.loss_inter is None and self.loss_intra is None:
            return losses

        if self.feature_source == 'embedding':
            contrast_feats = embedding
        else:
            if topology is None:
                raise ValueError(
                    "ACLNetHead(feature_source='topology') needs the "
                    'backbone to return (feature_map, topology): build it '
                    'with with_topology=True, or use feature_source='
                    "'embedding'.")
            contrast_feats = topology.flatten(1)
            expected = self.num_nodes * self.num_nodes
            if contrast_feats.shape[1] != expected:
                raise ValueError(
                    f'ACLNetHead(num_nodes={self.num_nodes}) expects a '
                    f'topology of {expected} values per sample, the '
                    f'backbone gave {contrast_feats.shape[1]}: set '
                    'num_nodes to the number of joints of the layout '
                    '(e.g. 20 for coco_new, 17 for coco)')
        labels = self._hard_labels(data_samples, cls_scores)

        if self.loss_inter is not None:
            loss_inter = self.loss_inter(contrast_feats, labels,
                                         cls_scores.detach())
            losses['loss_inter'] = self.loss_inter_weight * loss_inter
            losses.update(self._inter_stats(labels))
        if self.loss_intra is not None:
            loss_intra = self.loss_intra(contrast_feats, labels)
            losses['loss_intra'] = self.loss_intra_weight * loss_intra
            losses['queue_fill'] = (
                self.loss_intra.queue_count.float() /
                self.loss_intra.queue_size)
        return losses

    def _hard_labels(self, data_samples: SampleList,
                     cls_scores: Tensor) -> Tensor:
        labels = torch.stack([x.gt_label for x in data_samples])
        if labels.numel() != cls_scores.shape[0]:
            raise ValueError(
                'the contrastive losses of ACLNetHead need one class index '
                f'per sample, got labels of shape {tuple(labels.shape)} for '
                f'{cls_scores.shape[0]} samples')
        return labels.reshape(-1).to(cls_scores.device, torch.long)

    @torch.no_grad()
    def _inter_stats(self, labels: Tensor) -> Dict[str, Tensor]:
        """Temperature and superclass sizes of the inter-class loss."""
        loss_inter = self.loss_inter
        # Not bincount: on CUDA it reads the largest label back to the host.
        present = labels.new_zeros(loss_inter.num_classes, dtype=torch.bool)
        present = present.index_fill(0, labels, True)
        tau = loss_inter.class_tau.float()
        sizes = loss_inter.superclass_sizes().float()
        return dict(
            tau_mean=(tau * present).sum() / present.sum().clamp(min=1),
            superclass_size_min=sizes.min(),
            superclass_size_mean=sizes.mean(),
            superclass_size_max=sizes.max())
