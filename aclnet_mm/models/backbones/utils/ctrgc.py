# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Channel-wise topology refinement graph convolution (CTR-GC).

Chen et al., "Channel-wise Topology Refinement Graph Convolution for
Skeleton-Based Action Recognition", ICCV 2021. The arithmetic follows
MMAction2's ``projects/ctrgcn``, which differs from the authors' code in two
details worth knowing when loading their weights: the aggregation sums over
the *first* joint index of the topology (``y[v] = sum_u G[u, v] x[u]``, the
convention of MMAction2's ``Graph``), and a subset's relation channels are 8
whenever ``in_channels <= 16`` (not only for 3 or 9 input channels).
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule, ModuleList, Sequential

ConfigType = Union[Dict, List[Dict]]


class CTRGC(BaseModule):
    r"""One CTR-GC subset: a shared graph refined per output channel.

    With ``r`` relation channels, ``x1 = conv1(x)`` and ``x2 = conv2(x)``
    averaged over time (``(N, r, V)``), the refined topology of output
    channel ``c`` is

    .. math::

        G_c(u, v) = \alpha \cdot \mathrm{conv4}\big(
            \tanh(x1(u) - x2(v))\big)_c + A(u, v),

    and the output is ``y_c(t, v) = sum_u G_c(u, v) conv3(x)_c(t, u)``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        rel_reduction (int): ``r = in_channels // rel_reduction`` (8 when
            ``in_channels <= 16``). Defaults to 8.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to BN weights 1 and Kaiming (fan_out) convs.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        rel_reduction: int = 8,
        init_cfg: Optional[ConfigType] = (dict(
            type='Constant', layer='BatchNorm2d',
            val=1), dict(type='Kaiming', layer='Conv2d', mode='fan_out'))
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.rel_channels = (8 if in_channels <= 16 else in_channels //
                             rel_reduction)
        self.conv1 = nn.Conv2d(in_channels, self.rel_channels, 1)
        self.conv2 = nn.Conv2d(in_channels, self.rel_channels, 1)
        self.conv3 = nn.Conv2d(in_channels, out_channels, 1)
        self.conv4 = nn.Conv2d(self.rel_channels, out_channels, 1)

    def forward(
        self,
        x: torch.Tensor,
        A: torch.Tensor,
        alpha: Union[torch.Tensor, float] = 1.,
        return_topology: bool = False
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """Apply one subset.

        Args:
            x (torch.Tensor): Features of shape ``(N, C_in, T, V)``.
            A (torch.Tensor): Shared graph of shape ``(V, V)``.
            alpha (torch.Tensor | float): Scale of the refinement.
                Defaults to 1.
            return_topology (bool): Also return the refinement
                ``alpha * conv4(tanh(...))``. Defaults to False.

        Returns:
            torch.Tensor | tuple[torch.Tensor, torch.Tensor]: Output of
            shape ``(N, C_out, T, V)``; with ``return_topology`` also the
            refinement of shape ``(N, C_out, V, V)`` (``A`` excluded).
        """
        x1 = self.conv1(x).mean(dim=-2)
        x2 = self.conv2(x).mean(dim=-2)
        x3 = self.conv3(x)
        refine = self.conv4(torch.tanh(x1.unsqueeze(-1) - x2.unsqueeze(-2)))
        refine = refine * alpha
        graph = refine + A[None, None]
        out = torch.einsum('ncuv,nctu->nctv', graph, x3)
        if return_topology:
            return out, refine
        return out


class CTRGCUnit(BaseModule):
    """CTR-GCN's spatial unit: one :class:`CTRGC` per adjacency subset.

    The adjacency ``A`` is a learnable parameter initialised from the
    graph, ``alpha`` a scalar parameter initialised to 0; the subset outputs
    are summed, then BN (weight initialised to 1e-6), the ``down`` residual
    (1x1 conv + BN when the width changes) and ReLU.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        A (torch.Tensor): Initial adjacency of shape ``(K, V, V)``.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to BN weights 1 (``bn``: 1e-6) and Kaiming (fan_out)
            convs.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        A: torch.Tensor,
        init_cfg: Optional[ConfigType] = (dict(
            type='Constant',
            layer='BatchNorm2d',
            val=1,
            override=dict(type='Constant', name='bn', val=1e-6)),
                                          dict(
                                              type='Kaiming',
                                              layer='Conv2d',
                                              mode='fan_out'))
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if A.dim() != 3 or A.size(1) != A.size(2):
            raise ValueError(f'A must have shape (K, V, V), got {A.shape}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_subsets = A.size(0)
        self.convs = ModuleList(
            [CTRGC(in_channels, out_channels) for _ in range(A.size(0))])
        if in_channels != out_channels:
            self.down = Sequential(
                nn.Conv2d(in_channels, out_channels, 1),
                nn.BatchNorm2d(out_channels))
        else:
            self.down = nn.Identity()
        self.A = nn.Parameter(A.clone())
        self.alpha = nn.Parameter(torch.zeros(1))
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(
        self,
        x: torch.Tensor,
        return_topology: bool = False
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """Apply the unit.

        Args:
            x (torch.Tensor): Features of shape ``(N, C_in, T, V)``.
            return_topology (bool): Also return the refinements of all
                subsets. Defaults to False.

        Returns:
            torch.Tensor | tuple[torch.Tensor, torch.Tensor]: Output of
            shape ``(N, C_out, T, V)``; with ``return_topology`` also the
            refinements ``alpha * conv4(...)`` of shape
            ``(N, K, C_out, V, V)`` (``A`` excluded).
        """
        out = None
        refines = []
        # Index A rather than iterate over it: tracing stays warning-free.
        for i, conv in enumerate(self.convs):
            if return_topology:
                z, refine = conv(
                    x, self.A[i], self.alpha, return_topology=True)
                refines.append(refine)
            else:
                z = conv(x, self.A[i], self.alpha)
            # Same summation order as MMAction2: z_k + (... + z_0).
            out = z if out is None else z + out
        out = self.relu(self.bn(out) + self.down(x))
        if return_topology:
            return out, torch.stack(refines, dim=1)
        return out
