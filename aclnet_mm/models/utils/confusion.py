# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Batch confusion counts and the ACLNet "Neighborhood Bank" increment."""
import torch
import torch.nn.functional as F
from torch import Tensor


def batch_confusion(labels: Tensor,
                    preds: Tensor,
                    num_classes: int,
                    dtype: torch.dtype = torch.float32) -> Tensor:
    """Count (true class, predicted class) pairs of a batch.

    Args:
        labels (Tensor): Ground-truth class indices, shape ``[B]``.
        preds (Tensor): Predicted class indices, shape ``[B]``.
        num_classes (int): Number of classes ``C``.
        dtype (torch.dtype): Dtype of the returned counts.
            Defaults to ``torch.float32``.

    Returns:
        Tensor: ``[C, C]`` counts, rows are true classes and columns are
        predictions. The diagonal holds the true positives of each class and
        a row sum is the number of samples of that class in the batch.
    """
    true_onehot = F.one_hot(labels.long(), num_classes).to(dtype)
    pred_onehot = F.one_hot(preds.long(), num_classes).to(dtype)
    return true_onehot.t() @ pred_onehot


def confusion_increment(confusion: Tensor, faithful: bool = True) -> Tensor:
    """Turn a batch confusion matrix into a Neighborhood Bank increment.

    With ``M`` the confusion matrix with its diagonal zeroed and ``n`` the
    per-class sample counts (row sums of ``confusion``):

    - faithful: ``M + diag(n) M^T``. The reference adds, for every anchor of
      class ``c``, one count per false positive predicted as ``c``, so a
      false positive is counted ``n_c`` times and not at all when ``c`` is
      absent from the batch (aclnet_method.md §M3, §Q1).
    - clean: ``M + M^T``, each miss and each false positive counted once.

    Args:
        confusion (Tensor): ``[C, C]`` batch confusion counts as returned by
            :func:`batch_confusion` (summed over ranks in distributed runs).
        faithful (bool): Reproduce the reference weighting.
            Defaults to True.

    Returns:
        Tensor: ``[C, C]`` increment of the bank (zero diagonal), same dtype
        as ``confusion``.
    """
    eye = torch.eye(
        confusion.size(0), dtype=torch.bool, device=confusion.device)
    misses = confusion.masked_fill(eye, 0)
    if faithful:
        counts = confusion.sum(dim=1, keepdim=True)
        return misses + counts * misses.t()
    return misses + misses.t()
