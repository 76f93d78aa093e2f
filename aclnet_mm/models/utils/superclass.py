# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Superclasses from a confusion bank: top-k neighbours and their overlap.

All functions work on whole ``[C, C]`` tensors (one sort, one matmul), so a
refresh costs the same few kernels for 60 or 400 classes.
"""
import torch
from torch import Tensor


def topk_neighbors(bank: Tensor, k: int, faithful: bool = True) -> Tensor:
    """Mark the ``k`` most confused classes of every class.

    Args:
        bank (Tensor): ``[C, C]`` confusion counts, row ``i`` holds how often
            class ``i`` was confused with each class.
        k (int): Neighbourhood size.
        faithful (bool): Reference selection: a stable descending sort, so
            ties go to the lower class index and zero-count classes, the
            class itself included, fill the list up to ``k`` members
            (aclnet_method.md §Q2). If False, self and zero-count
            classes are never neighbours, so a row may have fewer than ``k``
            members. Defaults to True.

    Returns:
        Tensor: ``[C, C]`` bool mask, ``mask[i, j]`` is True when ``j`` is a
        neighbour of ``i``.

    Raises:
        ValueError: ``k`` is negative.
    """
    if k < 0:
        # A negative k would slice from the end: C + k neighbours.
        raise ValueError(f'k must be >= 0, got {k}')
    num_classes = bank.size(0)
    k = min(k, num_classes)
    order = torch.sort(bank, dim=1, descending=True, stable=True).indices
    top = order[:, :k]
    mask = torch.zeros_like(bank, dtype=torch.bool)
    mask.scatter_(1, top, True)
    if not faithful:
        eye = torch.eye(num_classes, dtype=torch.bool, device=bank.device)
        mask &= (bank > 0) & ~eye
    return mask


def neighbor_overlap(neighbors: Tensor) -> Tensor:
    """Count the neighbours shared by every pair of classes.

    Args:
        neighbors (Tensor): ``[C, C]`` bool neighbour mask.

    Returns:
        Tensor: ``[C, C]`` float counts ``|N(i) & N(j)|``.
    """
    mask = neighbors.float()
    return mask @ mask.t()


def superclass_mask(neighbors: Tensor, overlap_thr: int) -> Tensor:
    """Superclass membership ``A(i) = N(i) | {j != i : |N(i) & N(j)| >= t}``.

    The reference also computes an affinity score per member and sorts by
    it, but uses only membership (aclnet_method.md §M4, §Q7), so the
    score is not formed here.

    Args:
        neighbors (Tensor): ``[C, C]`` bool neighbour mask.
        overlap_thr (int): Minimum number of shared neighbours.

    Returns:
        Tensor: ``[C, C]`` bool mask, row ``i`` is ``A(i)``. The diagonal is
        set only where the class is its own neighbour (faithful selection).
    """
    num_classes = neighbors.size(0)
    eye = torch.eye(num_classes, dtype=torch.bool, device=neighbors.device)
    shared = neighbor_overlap(neighbors) >= overlap_thr
    return neighbors | (shared & ~eye)


def superclass_sizes(mask: Tensor) -> Tensor:
    """Number of members of every superclass.

    Args:
        mask (Tensor): ``[C, C]`` bool superclass mask.

    Returns:
        Tensor: ``[C]`` float sizes ``|A(i)|``; a class counts itself when
        its own diagonal entry is set, as in the reference.
    """
    return mask.float().sum(dim=1)


def build_superclasses(bank: Tensor,
                       k: int,
                       overlap_thr: int,
                       faithful: bool = True) -> Tensor:
    """Superclass mask of every class from a confusion bank.

    Args:
        bank (Tensor): ``[C, C]`` confusion counts.
        k (int): Neighbourhood size.
        overlap_thr (int): Minimum number of shared neighbours.
        faithful (bool): Neighbour selection rule, see
            :func:`topk_neighbors`. Defaults to True.

    Returns:
        Tensor: ``[C, C]`` bool superclass mask.
    """
    return superclass_mask(topk_neighbors(bank, k, faithful), overlap_thr)
