# Copyright (c) aclnet-mm contributors. All rights reserved.
"""CTR-GCN backbone (Chen et al., ICCV 2021).

Same architecture, parameter names and arithmetic as MMAction2's
``projects/ctrgcn`` (so its checkpoints load as they are), with an optional
topology output for the contrastive heads.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmaction.models.utils import unit_tcn
from mmaction.registry import MODELS
from mmengine.model import BaseModule, ModuleList

from ..utils.graph import build_graph
from .utils import CTRGCUnit, MultiScaleTCN, run_blocks

ConfigType = Union[Dict, List[Dict]]


class CTRGCNBlock(BaseModule):
    """``relu(MultiScaleTCN(CTRGCUnit(x)) + residual(x))``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        A (torch.Tensor): Adjacency of shape ``(K, V, V)``.
        stride (int): Temporal stride. Defaults to 1.
        residual (bool): Use the block residual. Defaults to True.
        kernel_size (int): Temporal kernel of the TCN branches.
            Defaults to 5.
        dilations (Sequence[int]): TCN dilations. Defaults to ``(1, 2)``.
        tcn_dropout (float): TCN output dropout. Defaults to 0.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 A: torch.Tensor,
                 stride: int = 1,
                 residual: bool = True,
                 kernel_size: int = 5,
                 dilations: Sequence[int] = (1, 2),
                 tcn_dropout: float = 0.,
                 init_cfg: Optional[ConfigType] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.gcn1 = CTRGCUnit(in_channels, out_channels, A)
        self.tcn1 = MultiScaleTCN(
            out_channels,
            out_channels,
            kernel_size=kernel_size,
            stride=stride,
            dilations=dilations,
            residual=False,
            tcn_dropout=tcn_dropout)
        self.relu = nn.ReLU()
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = unit_tcn(
                in_channels, out_channels, kernel_size=1, stride=stride)

    def forward(
        self,
        x: torch.Tensor,
        return_topology: bool = False
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """Apply the block to ``(N, C_in, T, V)`` features.

        Returns:
            torch.Tensor | tuple[torch.Tensor, torch.Tensor]: Output of
            shape ``(N, C_out, T / stride, V)``; with ``return_topology``
            also the unit's refinements ``(N, K, C_out, V, V)``.
        """
        res = 0 if self.residual is None else self.residual(x)
        if return_topology:
            out, topology = self.gcn1(x, return_topology=True)
            return self.relu(self.tcn1(out) + res), topology
        return self.relu(self.tcn1(self.gcn1(x)) + res)


@MODELS.register_module()
class CTRGCN(BaseModule):
    """CTR-GCN backbone.

    Ten blocks by default, ``base_channels`` wide, doubling the width at
    ``inflate_stages`` and halving the time at ``down_stages``: the output
    has ``4 * base_channels`` channels and ``T / 4`` frames.

    Topology output (``with_topology=True``): the last block's channel-wise
    refinements ``alpha * conv4(tanh(x1_u - x2_v))`` of every subset,
    shape ``(N * M, K, C_out, V, V)``, averaged over the persons, then over
    all ``K * C_out`` subset-channel slices, and flattened to ``(N, V * V)``.
    The learnable static adjacency ``A`` is not included, so the topology
    is exactly zero at initialisation (``alpha = 0``).

    Args:
        graph_cfg (dict): Config of MMAction2's ``Graph`` (e.g.
            ``dict(layout='nturgb+d', mode='spatial')``); every layout name
            registered in :mod:`aclnet_mm.structures` works.
        in_channels (int): Input channels ``C``. Defaults to 3.
        base_channels (int): Width of the first stage. Defaults to 64.
        num_stages (int): Number of blocks. Defaults to 10.
        inflate_stages (Sequence[int]): 1-based blocks that double the
            width. Defaults to ``(5, 8)``.
        down_stages (Sequence[int]): 1-based blocks with temporal stride 2.
            Defaults to ``(5, 8)``.
        num_person (int): Persons ``M`` (``data_bn`` normalises
            ``M * V * C`` channels). Defaults to 2.
        with_topology (bool): Also return the topology described above.
            Defaults to False.
        kernel_size (int): TCN kernel. Defaults to 5.
        dilations (Sequence[int]): TCN dilations. Defaults to ``(1, 2)``.
        tcn_dropout (float): TCN dropout of blocks 2 and later.
            Defaults to 0.
        init_cfg (dict or list[dict], optional): Initialisation config of
            the whole backbone; the units carry their own (BN 1, Kaiming
            convs, unit BN 1e-6). Defaults to None.
    """

    def __init__(self,
                 graph_cfg: Dict,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 num_stages: int = 10,
                 inflate_stages: Sequence[int] = (5, 8),
                 down_stages: Sequence[int] = (5, 8),
                 num_person: int = 2,
                 with_topology: bool = False,
                 kernel_size: int = 5,
                 dilations: Sequence[int] = (1, 2),
                 tcn_dropout: float = 0.,
                 init_cfg: Optional[ConfigType] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.graph = build_graph(**graph_cfg)
        A = torch.tensor(self.graph.A, dtype=torch.float32)
        self.register_buffer('A', A)
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.num_person = num_person
        self.with_topology = with_topology
        self.data_bn = nn.BatchNorm1d(num_person * in_channels * A.size(1))

        blocks = [
            CTRGCNBlock(
                in_channels,
                base_channels,
                A.clone(),
                residual=False,
                kernel_size=kernel_size,
                dilations=dilations)
        ]
        channels = base_channels
        for i in range(2, num_stages + 1):
            out_channels = channels * (2 if i in inflate_stages else 1)
            blocks.append(
                CTRGCNBlock(
                    channels,
                    out_channels,
                    A.clone(),
                    stride=2 if i in down_stages else 1,
                    kernel_size=kernel_size,
                    dilations=dilations,
                    tcn_dropout=tcn_dropout))
            channels = out_channels
        self.out_channels = channels
        self.net = ModuleList(blocks)

    def forward(
        self, x: torch.Tensor
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """Extract features.

        Args:
            x (torch.Tensor): Skeletons of shape ``(N, M, T, V, C)``.

        Returns:
            torch.Tensor | tuple[torch.Tensor, torch.Tensor]: Features of
            shape ``(N, M, C_out, T', V)``; with ``with_topology`` also the
            topology of shape ``(N, V * V)``.
        """
        N, M, T, V, C = x.size()
        x = x.permute(0, 1, 3, 4, 2).contiguous()
        x = self.data_bn(x.view(N, M * V * C, T))
        x = x.view(N, M, V, C, T).permute(0, 1, 3, 4, 2).contiguous()
        x = x.view(N * M, C, T, V)

        return run_blocks(self.net, x, N, self.with_topology)
