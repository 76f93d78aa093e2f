# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ProtoGCN's backbone (Liu et al., CVPR 2025).

The trunk is :class:`ACLGCN`'s: the same DG-STGCN blocks (dynamic-topology
GCN unit, global-joint multi-scale TCN) at the same widths, which is what
the reference ProtoGCN stacks. On top, the last block's learned topology
goes through the prototype reconstruction network.

Reference checkpoint keys are ours unchanged: the trunk's as listed in
:mod:`aclnet_mm.models.backbones.aclgcn`, plus ``post.*``, ``bn.*``,
``prn.query_matrix.weight`` and ``prn.memory_matrix.weight``
(:data:`PROTOGCN_KEY_MAP`, used by ``tools/convert_checkpoint.py``).
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from .aclgcn import _BN, _CONV, ACLGCN, REFERENCE_KEY_MAP

__all__ = ['PROTOGCN_KEY_MAP', 'PrototypeReconstruction', 'ProtoGCN']

ConfigType = Union[Dict, List[Dict]]

#: ``(reference key regex, our key template)`` pairs, backbone-local: the
#: trunk's (ACLGCN's) and the reconstruction's, all the identity.
PROTOGCN_KEY_MAP: Tuple[Tuple[str, str], ...] = REFERENCE_KEY_MAP + (
    (rf'post\.{_CONV}', r'post.\1'),
    (rf'bn\.{_BN}', r'bn.\1'),
    (r'prn\.(query_matrix|memory_matrix)\.weight', r'prn.\1.weight'),
)


class PrototypeReconstruction(BaseModule):
    """Re-express each vector as a soft mixture of learned prototypes.

    ``z = dropout(M softmax(Q x))`` with a query matrix ``Q`` of shape
    ``(num_prototypes, dim)`` and a memory matrix ``M`` of shape ``(dim,
    num_prototypes)``, both bias-free linear maps over the last dimension.

    Args:
        dim (int): Size of the vectors.
        num_prototypes (int): Number of prototypes. Defaults to 100.
        dropout (float): Dropout on the output. Defaults to 0.1.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None (PyTorch's defaults, as in the reference).
    """

    def __init__(self,
                 dim: int,
                 num_prototypes: int = 100,
                 dropout: float = 0.1,
                 init_cfg: Optional[ConfigType] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        # The reference's names, so that its checkpoints map one to one.
        self.query_matrix = nn.Linear(dim, num_prototypes, bias=False)
        self.memory_matrix = nn.Linear(num_prototypes, dim, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct ``(..., dim)`` vectors.

        Returns:
            torch.Tensor: The same shape as ``x``.
        """
        weights = self.query_matrix(x).softmax(dim=-1)
        return self.dropout(self.memory_matrix(weights))


@MODELS.register_module()
class ProtoGCN(ACLGCN):
    """ProtoGCN: :class:`ACLGCN`'s trunk plus prototype reconstruction.

    The last block's dynamic topology ``(N * M, C_g, V, V)`` (static graph
    excluded, see :class:`ACLGCN`) is averaged over the persons
    (zero-padded ones included, as in the reference), each of its ``V * V``
    joint pairs, a ``C_g``-vector, is reconstructed by
    :class:`PrototypeReconstruction`, then a 1x1 conv, BN and ReLU follow
    and the channels are averaged: the reconstructed graph ``(N, V * V)``
    that feeds :class:`ClassPrototypeContrastiveLoss`.

    The reference runs the reconstruction sample by sample; here it is one
    batched call (the same arithmetic; in training mode the dropout masks
    are drawn for the whole batch at once, so the random stream differs).

    ``faithful=True`` keeps the reference's shape rule: the topology is
    viewed with the feature map's width (the reference hard-codes 384, the
    width at its default settings), so ``C_g`` (subsets times channels per
    subset of the last unit) must equal ``out_channels``.
    ``faithful=False`` sizes the reconstruction by ``C_g`` itself.

    Args:
        graph_cfg (dict): See :class:`ACLGCN`.
        num_prototype (int): Number of prototypes. Defaults to 100 (the
            reference class's default; its configs use 400).
        prn_dropout (float): Dropout of the reconstruction. Defaults to 0.1.
        faithful (bool): See above. Defaults to True.
        **kwargs: The other arguments of :class:`ACLGCN` (not
            ``with_topology``: this backbone always returns the graph).
    """

    def __init__(self,
                 graph_cfg: Dict,
                 num_prototype: int = 100,
                 prn_dropout: float = 0.1,
                 faithful: bool = True,
                 **kwargs) -> None:
        if 'with_topology' in kwargs:
            raise TypeError('ProtoGCN always returns (feature_map, graph); '
                            'with_topology is not an argument')
        super().__init__(graph_cfg, with_topology=False, **kwargs)
        last = self.gcn[-1].gcn
        graph_channels = last.num_subsets * last.mid_channels
        if faithful and graph_channels != self.out_channels:
            raise ValueError(
                f'faithful ProtoGCN views the last topology ({graph_channels} '
                f'channels) with the feature width ({self.out_channels}); '
                'choose widths where they agree or set faithful=False')
        self.faithful = faithful
        self.graph_channels = graph_channels
        # Same creation order as the reference (post, bn, then prn), so the
        # random initial values come from the same draws.
        self.post = nn.Conv2d(graph_channels, graph_channels, 1)
        self.bn = nn.BatchNorm2d(graph_channels)
        self.relu = nn.ReLU()
        self.prn = PrototypeReconstruction(graph_channels, num_prototype,
                                           prn_dropout)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Extract features and the reconstructed graph.

        Args:
            x (torch.Tensor): Skeletons of shape ``(N, M, T, V, C)``.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: The feature map ``(N, M,
            C_out, T', V)`` and the reconstructed graph ``(N, V * V)``.
        """
        N = x.size(0)
        x = self.normalize_input(x)
        for block in self.gcn[:-1]:
            x = block(x)
        x, topology = self.gcn[-1](x, return_topology=True)
        x = x.reshape((N, -1) + x.shape[1:])
        num_person, num_joints = x.shape[1], x.shape[-1]
        channels = x.shape[2] if self.faithful else self.graph_channels
        graph = topology.reshape(N, num_person, channels,
                                 num_joints * num_joints).mean(1)
        # One vector per joint pair: reconstruct over the channels.
        graph = self.prn(graph.transpose(1, 2)).transpose(1, 2)
        graph = graph.reshape(N, channels, num_joints, num_joints)
        graph = self.relu(self.bn(self.post(graph)))
        return x, graph.mean(1).reshape(N, -1)
