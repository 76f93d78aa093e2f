# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Multi-scale temporal convolutions.

Two variants live here:

* :class:`MultiScaleTCN` is CTR-GCN's block as MMAction2's
  ``projects/ctrgcn`` builds it: dilated branches (1x1 conv, BN, act,
  temporal conv + BN), a max-pool branch ending in BN and a strided 1x1
  branch with BN, concatenated, plus an optional residual, then the
  activation.
* :class:`GlobalJointMSTCN` is the DG-STGCN / ACLNet block: the same kind of
  branches (no BN after the temporal convs), run on the joints plus a
  "global joint" (their mean) whose output is added back to every joint
  through a zero-initialised coefficient, then BN-act-1x1 conv and BN.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmaction.models.utils import unit_tcn
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule, ModuleList, Sequential

ConfigType = Union[Dict, List[Dict]]

_DEFAULT_INIT = (dict(type='Constant', layer='BatchNorm2d', val=1),
                 dict(type='Kaiming', layer='Conv2d', mode='fan_out'))


class MultiScaleTCN(BaseModule):
    """CTR-GCN's multi-scale temporal convolution.

    There are ``len(dilations) + 2`` branches of ``out_channels //
    num_branches`` channels each; the last (1x1) branch takes the remainder.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int | Sequence[int]): Temporal kernel of each dilated
            branch. Defaults to 3.
        stride (int): Temporal stride. Defaults to 1.
        dilations (Sequence[int]): Dilation of each temporal branch.
            Defaults to ``(1, 2, 3, 4)``.
        residual (bool): Add a residual (identity, or a strided 1x1
            ``unit_tcn`` when the shape changes). Defaults to True.
        act_cfg (dict): Activation config. Defaults to
            ``dict(type='ReLU')``.
        tcn_dropout (float): Dropout on the output. Defaults to 0.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to BN weights 1 and Kaiming (fan_out) convs.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: Union[int, Sequence[int]] = 3,
                 stride: int = 1,
                 dilations: Sequence[int] = (1, 2, 3, 4),
                 residual: bool = True,
                 act_cfg: Dict = dict(type='ReLU'),
                 tcn_dropout: float = 0.,
                 init_cfg: Optional[ConfigType] = _DEFAULT_INIT) -> None:
        super().__init__(init_cfg=init_cfg)
        num_branches = len(dilations) + 2
        branch_channels = out_channels // num_branches
        rem_channels = out_channels - branch_channels * (num_branches - 1)
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, ) * len(dilations)
        if len(kernel_size) != len(dilations):
            raise ValueError('kernel_size and dilations differ in length')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_branches = num_branches

        branches = [
            Sequential(
                nn.Conv2d(in_channels, branch_channels, 1),
                nn.BatchNorm2d(branch_channels),
                build_activation_layer(act_cfg),
                unit_tcn(
                    branch_channels,
                    branch_channels,
                    kernel_size=ks,
                    stride=stride,
                    dilation=dilation))
            for ks, dilation in zip(kernel_size, dilations)
        ]
        branches.append(
            Sequential(
                nn.Conv2d(in_channels, branch_channels, 1),
                nn.BatchNorm2d(branch_channels),
                build_activation_layer(act_cfg),
                nn.MaxPool2d((3, 1), stride=(stride, 1), padding=(1, 0)),
                nn.BatchNorm2d(branch_channels)))
        branches.append(
            Sequential(
                nn.Conv2d(in_channels, rem_channels, 1, stride=(stride, 1)),
                nn.BatchNorm2d(rem_channels)))
        self.branches = ModuleList(branches)

        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = unit_tcn(
                in_channels, out_channels, kernel_size=1, stride=stride)
        self.act = build_activation_layer(act_cfg)
        self.drop = nn.Dropout(tcn_dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to ``(N, C_in, T, V)`` features.

        Returns:
            torch.Tensor: Shape ``(N, C_out, T / stride, V)``.
        """
        out = torch.cat([branch(x) for branch in self.branches], dim=1)
        if self.residual is not None:
            out = out + self.residual(x)
        return self.drop(self.act(out))


class GlobalJointMSTCN(BaseModule):
    """DG-STGCN / ACLNet multi-scale temporal convolution with a global joint.

    ``ms_cfg`` lists the branches: ``(kernel, dilation)`` for a 1x1 conv,
    BN, ReLU and a dilated temporal conv (no norm); ``('max', kernel)`` for
    a 1x1 conv, BN, ReLU and a temporal max-pool; ``'1x1'`` for a strided
    1x1 conv. Every branch has ``out_channels // num_branches`` channels
    except the first, which takes the remainder.

    The input is extended with the mean over joints as joint ``V``; after
    the branches, that joint's output times ``add_coeff[v]`` is added to
    joint ``v``, and the extra joint is dropped. ``add_coeff`` starts at 0,
    so at initialisation the global joint only influences BN statistics.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        ms_cfg (Sequence): Branch specs. Defaults to
            ``((3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1')``.
        stride (int): Temporal stride. Defaults to 1.
        num_joints (int): Length of ``add_coeff``; must be at least the
            number of joints (the reference keeps 25 and slices it).
            Defaults to 25.
        dropout (float): Dropout on the output. Defaults to 0.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to None (PyTorch's defaults, as in the reference).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 ms_cfg: Sequence = ((3, 1), (3, 2), (3, 3), (3, 4),
                                     ('max', 3), '1x1'),
                 stride: int = 1,
                 num_joints: int = 25,
                 dropout: float = 0.,
                 init_cfg: Optional[ConfigType] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        num_branches = len(ms_cfg)
        mid_channels = out_channels // num_branches
        rem_channels = out_channels - mid_channels * (num_branches - 1)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_joints = num_joints
        self.add_coeff = nn.Parameter(torch.zeros(num_joints))

        branches = []
        for i, cfg in enumerate(ms_cfg):
            channels = rem_channels if i == 0 else mid_channels
            branches.append(
                self._make_branch(cfg, in_channels, channels, stride))
        self.branches = ModuleList(branches)
        self.transform = Sequential(
            nn.BatchNorm2d(out_channels), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 1))
        self.bn = nn.BatchNorm2d(out_channels)
        self.drop = nn.Dropout(dropout)

    @staticmethod
    def _make_branch(cfg: Union[str, Tuple], in_channels: int, channels: int,
                     stride: int) -> nn.Module:
        if cfg == '1x1':
            return nn.Conv2d(in_channels, channels, 1, stride=(stride, 1))
        if not isinstance(cfg, (tuple, list)) or len(cfg) != 2:
            raise ValueError(f'invalid branch spec {cfg!r}')
        if cfg[0] == 'max':
            last = nn.MaxPool2d((cfg[1], 1),
                                stride=(stride, 1),
                                padding=((cfg[1] - 1) // 2, 0))
        else:
            # Same padding as the reference's unit_tcn; no norm, and no
            # init_cfg so that the conv keeps PyTorch's default init.
            last = unit_tcn(
                channels,
                channels,
                kernel_size=cfg[0],
                stride=stride,
                dilation=cfg[1],
                norm=None,
                init_cfg=None)
        return Sequential(
            nn.Conv2d(in_channels, channels, 1), nn.BatchNorm2d(channels),
            nn.ReLU(), last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to ``(N, C_in, T, V)`` features.

        Returns:
            torch.Tensor: Shape ``(N, C_out, T / stride, V)``.
        """
        num_joints = x.shape[-1]
        x = torch.cat([x, x.mean(dim=-1, keepdim=True)], dim=-1)
        out = torch.cat([branch(x) for branch in self.branches], dim=1)
        local_feat = out[..., :num_joints]
        global_feat = out[..., num_joints:]
        feat = local_feat + global_feat * self.add_coeff[:num_joints]
        feat = self.transform(feat)
        return self.drop(self.bn(feat))
