# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ProtoGCN's head: classification plus the class-prototype loss."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmaction.models.heads import GCNHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from torch import Tensor

from ..utils.pooling import pool_embedding

__all__ = ['ProtoGCNHead']


@MODELS.register_module()
class ProtoGCNHead(GCNHead):
    """GCN classification head trained with ProtoGCN's contrastive loss.

    Prediction is :class:`~mmaction.models.heads.GCNHead`'s (pooling over
    time, joints and persons, dropout, ``fc``); the reconstructed graph is
    only used by :meth:`loss`, which returns ``loss_cls`` (and the top-k
    accuracies) as ``GCNHead`` does, plus ``loss_proto``: the
    :class:`ClassPrototypeContrastiveLoss` of the backbone's reconstructed
    graph, given the labels and the detached class scores, already
    multiplied by ``loss_proto_weight``. The total is the reference's
    ``CE + weight * L_proto``; the reference logs it as one ``loss_cls``.

    The loss's ``num_classes`` and ``in_channels`` (``num_nodes ** 2``) come
    from the head; ``faithful`` is passed to it unless its config sets it.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Channels of the backbone's feature map.
        num_nodes (int): Joints ``V`` of the layout. Defaults to 25.
        loss_cls (dict): Classification loss. Defaults to
            ``dict(type='CrossEntropyLoss')``.
        loss_proto (dict): The prototype loss. Defaults to
            ``dict(type='ClassPrototypeContrastiveLoss')``.
        loss_proto_weight (float): Its weight. Defaults to 0.2, the
            reference's value for the joint streams (0.3 for bone, 0.1 for
            K-bone streams).
        faithful (bool): Passed to the loss. Defaults to True.
        dropout (float): Dropout before ``fc``. Defaults to 0.
        average_clips (str, optional): How test clips are averaged.
            Defaults to ``'prob'``.
        init_cfg (dict or list[dict]): Initialisation. Defaults to N(0,
            0.01) for ``fc`` only, the reference's ``normal_init``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_nodes: int = 25,
                 loss_cls: Dict = dict(type='CrossEntropyLoss'),
                 loss_proto: Dict = dict(type='ClassPrototypeContrastiveLoss'),
                 loss_proto_weight: float = 0.2,
                 faithful: bool = True,
                 dropout: float = 0.,
                 average_clips: Optional[str] = 'prob',
                 init_cfg: Union[Dict, List[Dict]] = dict(
                     type='Normal', std=0.01, override=dict(name='fc')),
                 **kwargs) -> None:
        loss_proto = dict(loss_proto)
        for key, value in (('num_classes', num_classes),
                           ('in_channels', num_nodes * num_nodes)):
            stated = loss_proto.setdefault(key, value)
            if stated != value:
                raise ValueError(
                    f'loss_proto.{key}={stated} differs from the head '
                    f'({value}); drop it from loss_proto')
        loss_proto.setdefault('faithful', faithful)
        # Built before ``fc``, as the reference builds its loss (memory
        # draw, then projection) before its classifier: from the same
        # generator state both draw the same initial memory and projection.
        loss_proto = MODELS.build(loss_proto)
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            dropout=dropout,
            average_clips=average_clips,
            init_cfg=init_cfg,
            **kwargs)
        self.num_nodes = num_nodes
        self.loss_proto_weight = loss_proto_weight
        self.loss_proto = loss_proto

    def forward(self, x: Union[Tensor, Tuple[Tensor, Tensor]],
                **kwargs) -> Tensor:
        """Class scores ``(N, num_classes)`` of the backbone's output
        (the feature map, or ``(feature_map, graph)``)."""
        feature_map = x[0] if isinstance(x, (tuple, list)) else x
        embedding = pool_embedding(feature_map)
        if self.dropout is not None:
            embedding = self.dropout(embedding)
        return self.fc(embedding)

    def loss(self, feats: Tuple[Tensor, Tensor], data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """Losses of a training batch.

        Args:
            feats (tuple[Tensor, Tensor]): ``(feature_map, graph)`` from
                :class:`ProtoGCN`.
            data_samples (list[:obj:`ActionDataSample`]): Samples with hard
                ``gt_label``\\ s.

        Returns:
            dict[str, Tensor]: ``loss_cls``, ``top1_acc``, ``top5_acc`` and
            ``loss_proto`` (weighted).
        """
        if not isinstance(feats, (tuple, list)) or len(feats) != 2:
            raise ValueError('ProtoGCNHead needs (feature_map, graph) from '
                             'the ProtoGCN backbone')
        graph = feats[1]
        cls_scores = self(feats)
        # float(): bf16 scores cannot become numpy for the top-k accuracy.
        losses = self.loss_by_feat(cls_scores.float(), data_samples)
        labels = torch.stack([x.gt_label for x in data_samples])
        if labels.numel() != cls_scores.shape[0]:
            raise ValueError('ProtoGCNHead needs one class index per sample,'
                             f' got labels of shape {tuple(labels.shape)}')
        labels = labels.reshape(-1).to(cls_scores.device, torch.long)
        expected = self.num_nodes * self.num_nodes
        if graph.shape[1] != expected:
            raise ValueError(
                f'ProtoGCNHead(num_nodes={self.num_nodes}) expects a graph '
                f'of {expected} values per sample, got {graph.shape[1]}')
        loss_proto = self.loss_proto(graph, labels, cls_scores.detach())
        losses['loss_proto'] = self.loss_proto_weight * loss_proto
        return losses
