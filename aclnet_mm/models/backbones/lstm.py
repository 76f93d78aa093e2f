# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL's recurrent encoder: an LSTM (or GRU / RNN) over flattened
skeleton frames, pooled over time into the Contrastive Action Encoding."""
from typing import Dict, Optional, Union

from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

__all__ = ['SkeletonRNN']

_CELLS = dict(LSTM=nn.LSTM, GRU=nn.GRU, RNN=nn.RNN)
_POOLS = ('mean', 'last', 'sum')


@MODELS.register_module()
class SkeletonRNN(BaseModule):
    """Recurrent skeleton encoder with temporal pooling (AS-CAL).

    Each frame of ``(N, M, T, V, C)`` input is flattened in the reference's
    ``(C, V, M)`` order into ``C * V * M`` features (150 for 3D NTU with two
    persons) and read by a unidirectional recurrent network. The hidden
    states of the last layer, ``h_1 .. h_T``, are pooled over time:
    ``'mean'`` is AS-CAL's Contrastive Action Encoding (CAE, every step
    counted, zero padding included), ``'last'`` keeps ``h_T`` and ``'sum'``
    adds them up (the reference's ablations). Weights keep PyTorch's
    default initialisation, as in the reference.

    The output has the shape of a GCN feature map, ``(N, 1, D, 1, 1)``, so
    MMAction2's ``RecognizerGCN`` + ``GCNHead`` (which average-pools it back
    to the ``D``-vector) build the linear probe and the supervised
    baseline unchanged.

    Args:
        in_channels (int): Channels per joint ``C``. Defaults to 3.
        num_joints (int): Joints ``V``. Defaults to 25.
        num_person (int): Persons ``M``. Defaults to 2.
        hidden_channels (int): Hidden size ``D``. Defaults to 256.
        num_layers (int): Stacked recurrent layers. Defaults to 1.
        rnn_type (str): ``'LSTM'``, ``'GRU'`` or ``'RNN'`` (tanh).
            Defaults to ``'LSTM'``.
        temporal_pool (str): ``'mean'``, ``'last'`` or ``'sum'``.
            Defaults to ``'mean'``.
        frozen (bool): Freeze every parameter and keep the module in eval
            mode (linear evaluation). Defaults to False.
        init_cfg (dict, optional): MMEngine initialisation config, e.g.
            ``dict(type='Pretrained', checkpoint=..., prefix='backbone.')``.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int = 3,
                 num_joints: int = 25,
                 num_person: int = 2,
                 hidden_channels: int = 256,
                 num_layers: int = 1,
                 rnn_type: str = 'LSTM',
                 temporal_pool: str = 'mean',
                 frozen: bool = False,
                 init_cfg: Optional[Union[Dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if rnn_type not in _CELLS:
            raise ValueError(f'rnn_type must be one of {tuple(_CELLS)}, got '
                             f'{rnn_type!r}')
        if temporal_pool not in _POOLS:
            raise ValueError(f'temporal_pool must be one of {_POOLS}, got '
                             f'{temporal_pool!r}')
        self.in_channels = in_channels
        self.num_joints = num_joints
        self.num_person = num_person
        self.hidden_channels = hidden_channels
        self.temporal_pool = temporal_pool
        self.frozen = frozen
        self.rnn = _CELLS[rnn_type](
            in_channels * num_joints * num_person,
            hidden_channels,
            num_layers=num_layers,
            batch_first=True)
        if frozen:
            self.requires_grad_(False)

    def train(self, mode: bool = True) -> 'SkeletonRNN':
        """Switch the mode; a frozen encoder stays in eval mode."""
        return super().train(mode and not self.frozen)

    def forward(self, x: Tensor) -> Tensor:
        """Encode a batch of sequences.

        Args:
            x (Tensor): ``(N, M, T, V, C)`` skeletons.

        Returns:
            Tensor: ``(N, 1, D, 1, 1)``: the pooled hidden states.
        """
        n, m, t, v, c = x.shape
        if (m, v, c) != (self.num_person, self.num_joints, self.in_channels):
            raise ValueError(
                f'expected (M, V, C) = ({self.num_person}, '
                f'{self.num_joints}, {self.in_channels}), got {(m, v, c)}')
        frames = x.permute(0, 2, 4, 3, 1).reshape(n, t, c * v * m)
        states, _ = self.rnn(frames)
        if self.temporal_pool == 'mean':
            pooled = states.mean(dim=1)
        elif self.temporal_pool == 'sum':
            pooled = states.sum(dim=1)
        else:
            pooled = states[:, -1]
        return pooled[:, None, :, None, None]
