# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Gathering a batch across ranks, with and without gradient.

Both helpers concatenate along the first dimension in rank order, so every
rank sees the same global batch, and both are the identity outside
distributed training. Every rank must pass a tensor of the same shape (as
``torch.distributed.all_gather`` requires): MMEngine's ``DefaultSampler``
pads the dataset so that ranks always get batches of equal size.
"""
from typing import Optional

import torch
from mmengine import dist
from torch import Tensor
from torch.distributed import ProcessGroup

__all__ = ['all_gather_with_grad', 'concat_all_gather']


@torch.no_grad()
def concat_all_gather(tensor: Tensor,
                      group: Optional[ProcessGroup] = None) -> Tensor:
    """Concatenate a tensor from all ranks, without gradient.

    Args:
        tensor (Tensor): This rank's part, of shape ``(n, ...)``.
        group (ProcessGroup, optional): Process group; the default group if
            None.

    Returns:
        Tensor: Shape ``(world_size * n, ...)``, rank 0's part first.
    """
    if dist.get_world_size(group) == 1:
        return tensor.detach()
    return torch.cat(dist.all_gather(tensor.detach(), group), dim=0)


class _AllGatherWithGrad(torch.autograd.Function):
    """All-gather forward; backward returns this rank's slice of the
    gradient summed over ranks.

    Every rank's loss may depend on every rank's features, so the gradient
    with respect to this rank's features is the sum of the gradients that
    all ranks computed for them.
    """

    @staticmethod
    def forward(ctx, tensor: Tensor, group: Optional[ProcessGroup]) -> Tensor:
        ctx.group = group
        ctx.rank = dist.get_rank(group)
        ctx.num = tensor.shape[0]
        return torch.cat(dist.all_gather(tensor, group), dim=0)

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        grad = grad_output.contiguous().clone()
        dist.all_reduce(grad, op='sum', group=ctx.group)
        start = ctx.rank * ctx.num
        return grad[start:start + ctx.num], None


def all_gather_with_grad(tensor: Tensor,
                         group: Optional[ProcessGroup] = None) -> Tensor:
    """Concatenate a tensor from all ranks, keeping the autograd graph.

    The gradient that reaches ``tensor`` is the sum, over ranks, of the
    gradients with respect to its copy in each rank's gathered tensor. With
    DDP, which averages parameter gradients over ranks, a per-rank loss that
    sums its anchors' terms scaled by ``world_size / global_normaliser``
    therefore gives exactly the gradient of the single-process loss.

    Args:
        tensor (Tensor): This rank's part, of shape ``(n, ...)``.
        group (ProcessGroup, optional): Process group; the default group if
            None.

    Returns:
        Tensor: Shape ``(world_size * n, ...)``, rank 0's part first.
    """
    if dist.get_world_size(group) == 1:
        return tensor
    return _AllGatherWithGrad.apply(tensor, group)
