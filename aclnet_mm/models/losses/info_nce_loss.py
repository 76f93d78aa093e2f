# Copyright (c) aclnet-mm contributors. All rights reserved.
"""InfoNCE over one positive key and a bank of negative keys."""
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

__all__ = ['InfoNCELoss', 'info_nce_logits']


def info_nce_logits(query: Tensor,
                    key: Tensor,
                    negatives: Tensor,
                    temperature: float,
                    normalize: bool = False) -> Tensor:
    """Logits ``[q.k+, q.n_1, ..., q.n_K] / tau`` of each query.

    Args:
        query (Tensor): ``(B, D)`` queries.
        key (Tensor): ``(B, D)`` positive keys, row ``i`` for query ``i``.
        negatives (Tensor): ``(K, D)`` negative keys shared by all queries.
        temperature (float): Temperature ``tau``.
        normalize (bool): L2-normalise queries, keys and negatives first
            (MoCo); AS-CAL uses raw dot products. Defaults to False.

    Returns:
        Tensor: ``(B, 1 + K)`` logits, the positive in column 0.
    """
    if normalize:
        query = F.normalize(query, dim=1)
        key = F.normalize(key, dim=1)
        negatives = F.normalize(negatives, dim=1)
    positive = (query * key).sum(dim=1, keepdim=True)
    negative = query @ negatives.t()
    return torch.cat((positive, negative), dim=1) / temperature


@MODELS.register_module()
class InfoNCELoss(nn.Module):
    """InfoNCE: cross-entropy of the positive among ``1 + K`` candidates.

    ``loss = mean_i -log softmax([q_i.k_i, q_i.n_1, ..., q_i.n_K] / tau)_0``
    (:func:`info_nce_logits`). The defaults are AS-CAL's: ``tau = 0.06``
    on unnormalised dot products (the reference's "Dot Product");
    ``normalize=True`` is MoCo's cosine form, for which ``tau = 0.07`` is
    the usual choice.

    Args:
        temperature (float): Temperature ``tau``. Defaults to 0.06.
        normalize (bool): L2-normalise before the dot products. Defaults to
            False.
        loss_weight (float): Factor on the loss. Defaults to 1.
    """

    def __init__(self,
                 temperature: float = 0.06,
                 normalize: bool = False,
                 loss_weight: float = 1.) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'temperature must be positive, got '
                             f'{temperature}')
        self.temperature = temperature
        self.normalize = normalize
        self.loss_weight = loss_weight

    def forward(self, query: Tensor, key: Tensor, negatives: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            query (Tensor): ``(B, D)`` queries (with gradient).
            key (Tensor): ``(B, D)`` positive keys.
            negatives (Tensor): ``(K, D)`` negative keys.

        Returns:
            Tensor: 0-d loss.
        """
        if query.shape[0] == 0:
            # The mean over no query is NaN; an empty batch adds nothing.
            return query.sum() * 0
        logits = info_nce_logits(query, key, negatives, self.temperature,
                                 self.normalize)
        target = logits.new_zeros(logits.shape[0], dtype=torch.long)
        return self.loss_weight * F.cross_entropy(logits, target)
