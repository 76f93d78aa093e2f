# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ACLNet's spatial graph convolution with dynamic topologies.

The unit follows the reference ACLNet code (PYSKL's DG-STGCN ``unit_gcn``
with ``ctr='T'``, ``ada='T'``, ``ctr_act='tanh'``, ``ada_act='softmax'``,
``subset_wise=False``). The other switches of the reference unit are never
used by ACLNet's configs and are not offered.
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule, Sequential

ConfigType = Union[Dict, List[Dict]]


class DynamicGCNUnit(BaseModule):
    r"""Graph convolution over a static plus two sample-dependent graphs.

    With ``K`` subsets and ``c = int(ratio * out_channels)`` channels per
    subset, two 1x1 convs give ``x1`` and ``x2`` of shape ``(N, K, c, V)``
    (averaged over time) and the topology of subset ``k``, channel ``c`` is

    .. math::

        G_{kc}(u, v) = A_k(u, v)
            + \alpha_0 \tanh(x1_{kc}(u) - x2_{kc}(v))
            + \beta_0 \operatorname{softmax}_u \Big(\sum_{c'}
              x1_{kc'}(u)\, x2_{kc'}(v)\Big).

    The features ``pre(x)`` (1x1 conv, BN, activation) are aggregated as
    ``y_{kc}(t, v) = sum_u pre_{kc}(t, u) G_{kc}(u, v)``, flattened to
    ``K * c`` channels, then ``post`` (1x1 conv), BN, plus the ``down``
    residual, and the activation.

    ``alpha`` and ``beta`` are zero-initialised K-vectors of which only the
    first entry is used; the vectors are kept so that reference checkpoints
    load with identical shapes.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        A (torch.Tensor): Initial value of the learnable static graph,
            shape ``(K, V, V)``.
        ratio (float): Channels per subset over ``out_channels``.
            Defaults to 0.125.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None, which keeps PyTorch's default initialisation
            as the reference does.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 A: torch.Tensor,
                 ratio: float = 0.125,
                 norm_cfg: Dict = dict(type='BN'),
                 act_cfg: Dict = dict(type='ReLU'),
                 init_cfg: Optional[ConfigType] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if A.dim() != 3 or A.size(1) != A.size(2):
            raise ValueError(f'A must have shape (K, V, V), got {A.shape}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_subsets = A.size(0)
        self.mid_channels = int(ratio * out_channels)
        if self.mid_channels < 1:
            raise ValueError(f'ratio={ratio} leaves no channel per subset '
                             f'for out_channels={out_channels}')
        inner = self.mid_channels * self.num_subsets

        self.A = nn.Parameter(A.clone())
        self.alpha = nn.Parameter(torch.zeros(self.num_subsets))
        self.beta = nn.Parameter(torch.zeros(self.num_subsets))

        self.pre = Sequential(
            nn.Conv2d(in_channels, inner, 1),
            build_norm_layer(norm_cfg, inner)[1],
            build_activation_layer(act_cfg))
        self.post = nn.Conv2d(inner, out_channels, 1)
        self.conv1 = nn.Conv2d(in_channels, inner, 1)
        self.conv2 = nn.Conv2d(in_channels, inner, 1)
        if in_channels != out_channels:
            self.down = Sequential(
                nn.Conv2d(in_channels, out_channels, 1),
                build_norm_layer(norm_cfg, out_channels)[1])
        else:
            self.down = nn.Identity()
        self.bn = build_norm_layer(norm_cfg, out_channels)[1]
        self.act = build_activation_layer(act_cfg)

    def forward(
        self,
        x: torch.Tensor,
        return_topology: bool = False
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """Apply the unit.

        Args:
            x (torch.Tensor): Features of shape ``(N, C_in, T, V)``.
            return_topology (bool): Also return the dynamic part of the
                topology. Defaults to False.

        Returns:
            torch.Tensor | tuple[torch.Tensor, torch.Tensor]: Output of
            shape ``(N, C_out, T, V)``; with ``return_topology`` also
            ``G_ctr + G_ada`` (static ``A`` excluded) of shape
            ``(N, K * c, V, V)``.
        """
        n, _, t, v = x.shape
        k, c = self.num_subsets, self.mid_channels
        res = self.down(x)
        feats = self.pre(x).reshape(n, k, c, t, v)

        # Per-subset joint embeddings averaged over time: (N, K, c, 1, V).
        x1 = self.conv1(x).reshape(n, k, c, t, v).mean(dim=-2, keepdim=True)
        x2 = self.conv2(x).reshape(n, k, c, t, v).mean(dim=-2, keepdim=True)

        # Channel-wise refinement (CTR-GCN style): (N, K, c, 1, V, V).
        g_ctr = torch.tanh(x1.unsqueeze(-1) - x2.unsqueeze(-2)) * self.alpha[0]
        # Shared attention graph (AAGCN style), softmax over the source
        # joint u: (N, K, 1, 1, V, V).
        g_ada = torch.einsum('nkctu,nkctv->nktuv', x1, x2).unsqueeze(2)
        g_ada = g_ada.softmax(dim=-2) * self.beta[0]

        # The reference adds in this order: (G_ctr + A) + G_ada.
        graph = g_ctr + self.A[None, :, None, None]
        graph = (g_ada + graph).squeeze(3)
        out = torch.einsum('nkctu,nkcuv->nkctv', feats, graph)
        out = self.post(out.reshape(n, k * c, t, v))
        out = self.act(self.bn(out) + res)
        if not return_topology:
            return out
        topology = (g_ctr + g_ada).squeeze(3).reshape(n, k * c, v, v)
        return out, topology
