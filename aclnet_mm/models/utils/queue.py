# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A first-in-first-out memory kept in fixed-size tensors (a ring buffer).

The queue is a set of buffers with the same first dimension ``K`` that share
one write pointer ``ptr`` (the slot the next entry goes to) and one fill
counter ``count`` (how many slots hold data, at most ``K``). Both are 0-d
``long`` tensors living on the buffers' device, so reading and writing never
leave the device and never synchronise with the host. Any number of entries
can be pushed at once, including more than ``K`` (only the newest ``K``
survive), so the queue size need not be a multiple of the batch size.
"""
from typing import Sequence

import torch
from torch import Tensor

__all__ = ['ring_buffer_indices', 'ring_buffer_latest', 'ring_buffer_push_']


def ring_buffer_indices(ptr: Tensor, num: int, size: int) -> Tensor:
    """Slots of the ``num`` newest entries of a ring buffer, oldest first.

    Args:
        ptr (Tensor): 0-d ``long`` tensor, the next slot to write.
        num (int): How many entries to address, ``0 <= num <= size``.
        size (int): Number of slots ``K``.

    Returns:
        Tensor: ``long`` tensor of shape ``(num, )`` on ``ptr``'s device.
    """
    if not 0 <= num <= size:
        raise ValueError(f'cannot address {num} entries of a ring buffer '
                         f'with {size} slots')
    offsets = torch.arange(-num, 0, device=ptr.device)
    return torch.remainder(ptr + offsets, size)


def ring_buffer_latest(buffer: Tensor, ptr: Tensor, num: int) -> Tensor:
    """The ``num`` newest entries of a ring buffer, oldest first.

    Slots that were never written are returned as they are; the caller
    compares ``num`` with the fill counter to know whether they are valid.

    Args:
        buffer (Tensor): The buffer, of shape ``(K, ...)``.
        ptr (Tensor): 0-d ``long`` tensor, the next slot to write.
        num (int): How many entries to read, ``0 <= num <= K``.

    Returns:
        Tensor: A copy of shape ``(num, ...)``.
    """
    return buffer[ring_buffer_indices(ptr, num, buffer.shape[0])]


@torch.no_grad()
def ring_buffer_push_(buffers: Sequence[Tensor], ptr: Tensor, count: Tensor,
                      items: Sequence[Tensor]) -> None:
    """Append entries to ring buffers that share a pointer, in place.

    ``items[i]`` goes to ``buffers[i]``; all items have the same first
    dimension ``n``. When ``n > K`` only the last ``K`` items are written
    (the older ones would be overwritten by the same push anyway).

    Args:
        buffers (Sequence[Tensor]): Buffers of shape ``(K, ...)``.
        ptr (Tensor): 0-d ``long`` tensor, the next slot to write; advanced
            by ``n`` modulo ``K``.
        count (Tensor): 0-d ``long`` tensor, the number of filled slots;
            increased by ``n`` and capped at ``K``.
        items (Sequence[Tensor]): New entries, one tensor per buffer, each
            of shape ``(n, ...)`` with the buffer's trailing shape.

    Raises:
        ValueError: The buffers, or the items, differ in length, or the
            buffers have no slot.
    """
    if len(buffers) != len(items):
        raise ValueError(f'{len(items)} item tensors for {len(buffers)} '
                         'buffers')
    size = buffers[0].shape[0]
    num = items[0].shape[0]
    if any(b.shape[0] != size for b in buffers) or any(i.shape[0] != num
                                                       for i in items):
        raise ValueError('buffers, or items, differ in length')
    if size == 0:
        # The pointer arithmetic is modulo the size.
        raise ValueError('cannot push to a ring buffer with no slots')
    kept = min(num, size)
    # Slots of the kept items: they end right before the new pointer.
    new_ptr = torch.remainder(ptr + num, size)
    slots = ring_buffer_indices(new_ptr, kept, size)
    for buffer, item in zip(buffers, items):
        buffer.index_copy_(0, slots, item[num - kept:].to(buffer.dtype))
    ptr.copy_(new_ptr)
    count.copy_(torch.clamp(count + num, max=size))
