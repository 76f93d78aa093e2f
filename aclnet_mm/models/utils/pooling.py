# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Pooled embedding of a skeleton backbone's feature map."""
import torch
import torch.nn.functional as F

__all__ = ['pool_embedding']


def pool_embedding(feature_map: torch.Tensor) -> torch.Tensor:
    """Average a ``(N, M, C, T, V)`` feature map into ``(N, C)``.

    Global average over time and joints per person, then the mean over
    persons: the same arithmetic as MMAction2's ``GCNHead`` before its
    classifier, so a head can take the embedding from any GCN backbone.

    Args:
        feature_map (torch.Tensor): Backbone output ``(N, M, C, T, V)``.

    Returns:
        torch.Tensor: Embedding of shape ``(N, C)``.
    """
    if feature_map.dim() != 5:
        raise ValueError('expected a (N, M, C, T, V) feature map, got shape '
                         f'{tuple(feature_map.shape)}')
    N, M, C, T, V = feature_map.shape
    pooled = F.adaptive_avg_pool2d(feature_map.reshape(N * M, C, T, V), 1)
    return pooled.reshape(N, M, C).mean(dim=1)
