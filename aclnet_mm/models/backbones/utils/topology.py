# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import Sequence, Tuple, Union

import torch.nn as nn
from torch import Tensor

__all__ = ['run_blocks']


def run_blocks(blocks: Sequence[nn.Module], x: Tensor, num_samples: int,
               with_topology: bool) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Run GCN blocks, optionally keeping the last block's topology.

    Shared by :class:`CTRGCN` and :class:`ACLGCN`: both fold persons into
    the batch, and both can return the learned dynamic topology of their
    last block as the feature of ACLNet's contrastive losses, averaged over
    persons (zero-padded ones included, as the reference does) and over all
    channel / subset slices.

    Args:
        blocks (Sequence[nn.Module]): Blocks taking ``(N * M, C, T, V)``;
            the last one must accept ``return_topology=True`` and then
            return ``(x, topology)`` with topology ``(N * M, ..., V, V)``.
        x (Tensor): Input of shape ``(N * M, C, T, V)``.
        num_samples (int): ``N``.
        with_topology (bool): Also return the topology.

    Returns:
        Tensor | tuple[Tensor, Tensor]: The feature map ``(N, M, C', T',
        V)``, and with ``with_topology`` the topology ``(N, V * V)``.
    """
    last = len(blocks) - 1
    topology = None
    for i, block in enumerate(blocks):
        if with_topology and i == last:
            x, topology = block(x, return_topology=True)
        else:
            x = block(x)
    x = x.reshape((num_samples, -1) + x.shape[1:])
    if not with_topology:
        return x
    num_person, num_joints = x.shape[1], x.shape[-1]
    topology = topology.reshape(num_samples, num_person, -1, num_joints,
                                num_joints).mean(1).mean(1)
    return x, topology.reshape(num_samples, num_joints * num_joints)
