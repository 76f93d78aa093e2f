# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ACLNet's GCN backbone (DG-STGCN block design at ProtoGCN's width).

The network, parameter shapes, initialisation and forward arithmetic follow
the reference ACLNet code (``GCN_Module`` of firework8/ACLNet, a PYSKL
fork), so that a reference checkpoint loads after renaming keys only.

Reference checkpoint keys (backbone-local, i.e. after stripping the
``backbone.`` prefix that both PYSKL's and MMAction2's recognizers add) map
onto ours as follows; ``i`` is the block index and ``j`` the TCN branch.
Our names were chosen equal to the reference's, so the renaming is the
identity; :data:`REFERENCE_KEY_MAP` and :func:`map_reference_key` state it
for the converter and reject anything unexpected.

==========================================  ===============================
reference (``GCN_Module``)                  ours (:class:`ACLGCN`)
==========================================  ===============================
``data_bn.*``                               ``data_bn.*``
``gcn.{i}.gcn.{A,alpha,beta}``              same (``DynamicGCNUnit``)
``gcn.{i}.gcn.{pre.0,pre.1,post}.*``        same
``gcn.{i}.gcn.{conv1,conv2,bn}.*``          same
``gcn.{i}.gcn.down.{0,1}.*``                same (only when width changes)
``gcn.{i}.tcn.add_coeff``                   same (``GlobalJointMSTCN``)
``gcn.{i}.tcn.branches.{j}.{0,1}.*``        same (1x1 conv, BN)
``gcn.{i}.tcn.branches.{j}.3.conv.*``       same (dilated temporal conv)
``gcn.{i}.tcn.branches.{j}.*``              same (the '1x1' branch conv)
``gcn.{i}.tcn.{transform.0,transform.2}.*`` same
``gcn.{i}.tcn.bn.*``                        same
``gcn.{i}.residual.{conv,bn}.*``            same (strided 1x1 ``unit_tcn``)
==========================================  ===============================
"""
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmaction.models.utils import unit_tcn
from mmaction.registry import MODELS
from mmengine.model import BaseModule, ModuleList

from aclnet_mm.structures import get_layout
from ..utils.graph import build_graph
from .utils import DynamicGCNUnit, GlobalJointMSTCN, run_blocks

ConfigType = Union[Dict, List[Dict]]

_EPS = 1e-4
_BN = r'(weight|bias|running_mean|running_var|num_batches_tracked)'
_CONV = r'(weight|bias)'

#: ``(reference key regex, our key template)`` pairs, backbone-local.
REFERENCE_KEY_MAP: Tuple[Tuple[str, str], ...] = (
    (rf'data_bn\.{_BN}', r'data_bn.\1'),
    (r'gcn\.(\d+)\.gcn\.(A|alpha|beta)', r'gcn.\1.gcn.\2'),
    (rf'gcn\.(\d+)\.gcn\.(pre\.0|post|conv1|conv2|down\.0)\.{_CONV}',
     r'gcn.\1.gcn.\2.\3'),
    (rf'gcn\.(\d+)\.gcn\.(pre\.1|bn|down\.1)\.{_BN}', r'gcn.\1.gcn.\2.\3'),
    (r'gcn\.(\d+)\.tcn\.add_coeff', r'gcn.\1.tcn.add_coeff'),
    (rf'gcn\.(\d+)\.tcn\.branches\.(\d+)\.(0|3\.conv)\.{_CONV}',
     r'gcn.\1.tcn.branches.\2.\3.\4'),
    (rf'gcn\.(\d+)\.tcn\.branches\.(\d+)\.1\.{_BN}',
     r'gcn.\1.tcn.branches.\2.1.\3'),
    (rf'gcn\.(\d+)\.tcn\.branches\.(\d+)\.{_CONV}',
     r'gcn.\1.tcn.branches.\2.\3'),
    (rf'gcn\.(\d+)\.tcn\.transform\.2\.{_CONV}', r'gcn.\1.tcn.transform.2.\2'),
    (rf'gcn\.(\d+)\.tcn\.(transform\.0|bn)\.{_BN}', r'gcn.\1.tcn.\2.\3'),
    (rf'gcn\.(\d+)\.residual\.conv\.{_CONV}', r'gcn.\1.residual.conv.\2'),
    (rf'gcn\.(\d+)\.residual\.bn\.{_BN}', r'gcn.\1.residual.bn.\2'),
)


def map_reference_key(
        key: str,
        key_map: Sequence[Tuple[str, str]] = REFERENCE_KEY_MAP) -> str:
    """Name in :class:`ACLGCN` of a reference ``GCN_Module`` state-dict key.

    Args:
        key (str): A backbone-local reference key, e.g.
            ``'gcn.9.gcn.alpha'``.
        key_map (Sequence[tuple[str, str]]): ``(regex, template)`` pairs.
            Defaults to :data:`REFERENCE_KEY_MAP`; a backbone built on this
            trunk passes its extension (e.g. ProtoGCN's
            ``PROTOGCN_KEY_MAP``).

    Returns:
        str: Our key.

    Raises:
        KeyError: If the key matches no entry of ``key_map``.
    """
    for pattern, template in key_map:
        match = re.fullmatch(pattern, key)
        if match is not None:
            return match.expand(template)
    raise KeyError(f'unexpected reference backbone key {key!r}')


class ACLGCNBlock(BaseModule):
    """``relu(GlobalJointMSTCN(DynamicGCNUnit(x)) + residual(x))``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        A (torch.Tensor): Initial static graph, shape ``(K, V, V)``.
        stride (int): Temporal stride. Defaults to 1.
        residual (bool): Use the block residual (identity, or a strided 1x1
            ``unit_tcn`` when the shape changes). Defaults to True.
        gcn_ratio (float): Channels per subset over ``out_channels``.
            Defaults to 0.125.
        ms_cfg (Sequence): TCN branch specs, see
            :class:`GlobalJointMSTCN`.
        tcn_num_joints (int): Length of the TCN's ``add_coeff``.
            Defaults to 25.
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
                 gcn_ratio: float = 0.125,
                 ms_cfg: Sequence = ((3, 1), (3, 2), (3, 3), (3, 4),
                                     ('max', 3), '1x1'),
                 tcn_num_joints: int = 25,
                 tcn_dropout: float = 0.,
                 init_cfg: Optional[ConfigType] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.gcn = DynamicGCNUnit(in_channels, out_channels, A, gcn_ratio)
        self.tcn = GlobalJointMSTCN(
            out_channels,
            out_channels,
            ms_cfg=ms_cfg,
            stride=stride,
            num_joints=tcn_num_joints,
            dropout=tcn_dropout)
        self.relu = nn.ReLU()
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            # init_cfg=None: the reference never re-initialises this conv.
            self.residual = unit_tcn(
                in_channels,
                out_channels,
                kernel_size=1,
                stride=stride,
                init_cfg=None)

    def forward(
        self,
        x: torch.Tensor,
        return_topology: bool = False
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """Apply the block to ``(N, C_in, T, V)`` features.

        Returns:
            torch.Tensor | tuple[torch.Tensor, torch.Tensor]: Output of
            shape ``(N, C_out, T / stride, V)``; with ``return_topology``
            also the unit's dynamic topology ``(N, K * c, V, V)``.
        """
        res = 0 if self.residual is None else self.residual(x)
        if return_topology:
            out, topology = self.gcn(x, return_topology=True)
            return self.relu(self.tcn(out) + res), topology
        return self.relu(self.tcn(self.gcn(x)) + res)


@MODELS.register_module()
class ACLGCN(BaseModule):
    """The GCN backbone of ACLNet.

    Ten blocks by default (96 -> 192 -> 384 channels, temporal stride 2 at
    blocks 5 and 8). Each block is a :class:`DynamicGCNUnit` with ``K``
    learnable subsets, a six-branch :class:`GlobalJointMSTCN` and a block
    residual; the first block (3 -> 96 channels) has no residual. As in the
    reference, the first block is omitted when ``in_channels ==
    base_channels``.

    Graph: with ``graph_cfg['mode'] == 'random'`` (the default, and
    ACLNet's setting) the layout only fixes ``V``; the static graph is a
    learnable ``(K, V, V)`` parameter drawn once as ``graph_init_mean +
    graph_init_std * N(0, 1)`` and copied into every block. Any other mode
    is passed to MMAction2's ``Graph`` whose adjacency initialises the
    learnable graph (``K`` is then the graph's number of subsets).

    Topology output (``with_topology=True``): the last block's
    ``G_ctr + G_ada`` (broadcast over channels), shape
    ``(N * M, K * c, V, V)``, averaged over the persons, then over all
    ``K * c`` subset-channel slices, and flattened to ``(N, V * V)``. The
    static graph ``A`` is not included, so the output is exactly zero at
    initialisation (``alpha = beta = 0``). Zero-padded persons are averaged
    in, as in the reference.

    Initialisation: PyTorch's defaults everywhere (the reference never
    re-initialises), so ``init_cfg=None`` reproduces it.

    Args:
        graph_cfg (dict): ``layout`` (a registered name or a layout dict)
            and optionally ``mode`` (default ``'random'``); for other
            modes, further MMAction2 ``Graph`` arguments.
        in_channels (int): Input channels ``C``. Defaults to 3.
        base_channels (int): Width of the first stage. Defaults to 96.
        ch_ratio (float): Width factor at each inflate stage.
            Defaults to 2.
        num_stages (int): Number of blocks. Defaults to 10.
        inflate_stages (Sequence[int]): 1-based blocks that widen.
            Defaults to ``(5, 8)``.
        down_stages (Sequence[int]): 1-based blocks with temporal stride 2.
            Defaults to ``(5, 8)``.
        data_bn_type (str, optional): ``'VC'`` (BatchNorm1d over ``V * C``
            with persons folded into the batch, the reference's default),
            ``'MVC'`` (over ``M * V * C``) or None (no input norm).
            Defaults to ``'VC'``.
        num_person (int): Persons ``M`` (used by ``'MVC'``). Defaults to 2.
        num_subsets (int): ``K`` in random mode. Defaults to 8.
        gcn_ratio (float): Channels per subset over the block width.
            Defaults to 0.125.
        graph_init_mean (float): Mean of the random graph. Defaults to 0.04.
        graph_init_std (float): Std of the random graph. Defaults to 0.02.
        ms_cfg (Sequence): TCN branch specs. Defaults to
            ``((3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1')``.
        tcn_dropout (float): TCN dropout of blocks 2 and later.
            Defaults to 0.
        with_topology (bool): Also return the topology described above.
            Defaults to False.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 graph_cfg: Dict,
                 in_channels: int = 3,
                 base_channels: int = 96,
                 ch_ratio: float = 2,
                 num_stages: int = 10,
                 inflate_stages: Sequence[int] = (5, 8),
                 down_stages: Sequence[int] = (5, 8),
                 data_bn_type: Optional[str] = 'VC',
                 num_person: int = 2,
                 num_subsets: int = 8,
                 gcn_ratio: float = 0.125,
                 graph_init_mean: float = 0.04,
                 graph_init_std: float = 0.02,
                 ms_cfg: Sequence = ((3, 1), (3, 2), (3, 3), (3, 4),
                                     ('max', 3), '1x1'),
                 tcn_dropout: float = 0.,
                 with_topology: bool = False,
                 init_cfg: Optional[ConfigType] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        A = self._build_graph(graph_cfg, num_subsets, graph_init_mean,
                              graph_init_std)
        num_joints = A.size(-1)
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.num_person = num_person
        self.with_topology = with_topology
        self.data_bn_type = data_bn_type
        if data_bn_type == 'VC':
            self.data_bn = nn.BatchNorm1d(in_channels * num_joints)
        elif data_bn_type == 'MVC':
            self.data_bn = nn.BatchNorm1d(num_person * in_channels *
                                          num_joints)
        elif data_bn_type is None:
            self.data_bn = nn.Identity()
        else:
            raise ValueError(f'unknown data_bn_type {data_bn_type!r}')

        # The reference sizes add_coeff for 25 joints and slices it.
        block_cfg = dict(
            gcn_ratio=gcn_ratio,
            ms_cfg=ms_cfg,
            tcn_num_joints=max(25, num_joints))
        blocks = []
        if in_channels != base_channels:
            blocks.append(
                ACLGCNBlock(
                    in_channels,
                    base_channels,
                    A.clone(),
                    residual=False,
                    **block_cfg))
        channels = base_channels
        inflate_times = 0
        for i in range(2, num_stages + 1):
            inflate_times += i in inflate_stages
            out_channels = int(base_channels * ch_ratio**inflate_times + _EPS)
            blocks.append(
                ACLGCNBlock(
                    channels,
                    out_channels,
                    A.clone(),
                    stride=2 if i in down_stages else 1,
                    tcn_dropout=tcn_dropout,
                    **block_cfg))
            channels = out_channels
        self.out_channels = channels
        self.gcn = ModuleList(blocks)

    @staticmethod
    def _build_graph(graph_cfg: Dict, num_subsets: int, mean: float,
                     std: float) -> torch.Tensor:
        graph_cfg = dict(graph_cfg)
        mode = graph_cfg.pop('mode', 'random')
        if mode != 'random':
            graph = build_graph(mode=mode, **graph_cfg)
            return torch.tensor(graph.A, dtype=torch.float32)
        layout = graph_cfg.pop('layout')
        if graph_cfg:
            raise ValueError('graph_cfg in random mode takes only layout and '
                             f'mode, got extra keys {sorted(graph_cfg)}')
        num_joints = get_layout(layout).num_node
        return torch.randn(num_subsets, num_joints, num_joints) * std + mean

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
        return run_blocks(self.gcn, self.normalize_input(x), x.size(0),
                          self.with_topology)

    def normalize_input(self, x: torch.Tensor) -> torch.Tensor:
        """Apply ``data_bn`` and fold the persons into the batch.

        Args:
            x (torch.Tensor): Skeletons of shape ``(N, M, T, V, C)``.

        Returns:
            torch.Tensor: Shape ``(N * M, C, T, V)``.
        """
        N, M, T, V, C = x.size()
        x = x.permute(0, 1, 3, 4, 2).contiguous()
        if self.data_bn_type == 'MVC':
            x = self.data_bn(x.view(N, M * V * C, T))
        else:
            x = self.data_bn(x.view(N * M, V * C, T))
        x = x.view(N, M, V, C, T).permute(0, 1, 3, 4, 2).contiguous()
        return x.view(N * M, C, T, V)
