# Copyright (c) aclnet-mm contributors. All rights reserved.
"""k-nearest-neighbour accuracy of frozen encodings."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

__all__ = ['KNNAccuracy', 'knn_predict']


def knn_predict(bank_feats: torch.Tensor, bank_labels: torch.Tensor,
                query_feats: torch.Tensor, k: int, num_classes: int,
                temperature: float) -> torch.Tensor:
    """Weighted k-NN vote with cosine similarity.

    Each query's ``k`` most similar bank entries vote for their labels with
    weight ``exp(sim / temperature)`` (InstDisc's weighted k-NN).

    Args:
        bank_feats (Tensor): ``(N, D)`` reference encodings.
        bank_labels (Tensor): ``(N, )`` their labels.
        query_feats (Tensor): ``(Q, D)`` encodings to classify.
        k (int): Neighbours (capped at ``N``).
        num_classes (int): Number of classes.
        temperature (float): Vote temperature.

    Returns:
        Tensor: ``(Q, )`` predicted labels.
    """
    sims = F.normalize(query_feats, dim=1) @ F.normalize(bank_feats, dim=1).t()
    top_sims, top_idx = sims.topk(min(k, bank_feats.shape[0]), dim=1)
    votes = torch.zeros(
        query_feats.shape[0], num_classes,
        dtype=sims.dtype).scatter_add_(1, bank_labels[top_idx],
                                       (top_sims / temperature).exp())
    return votes.argmax(dim=1)


@METRICS.register_module()
class KNNAccuracy(BaseMetric):
    """k-NN top-1 accuracy of the encodings a model attaches in ``predict``.

    The evaluated data set holds two kinds of samples: the bank (labelled
    references, typically the training split) and the queries (typically a
    validation split). A sample belongs to the bank when its metainfo field
    ``bank_key`` is true (set it with
    :class:`~aclnet_mm.datasets.SkeletonPoseDataset`'s ``extra_info``
    and add the key to ``PackActionInputs``'s ``meta_keys``). Each query is
    classified by :func:`knn_predict` against the bank.

    Args:
        topk (Sequence[int]): Values of ``k``. Defaults to ``(1, 20)``.
        temperature (float): Vote temperature. Defaults to 0.07.
        feature_key (str): Data sample field with the encoding. Defaults to
            ``'feature'``.
        bank_key (str): Metainfo flag of bank samples. Defaults to
            ``'knn_bank'``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'knn'``.
    """
    default_prefix: Optional[str] = 'knn'

    def __init__(self,
                 topk: Sequence[int] = (1, 20),
                 temperature: float = 0.07,
                 feature_key: str = 'feature',
                 bank_key: str = 'knn_bank',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(topk)
        self.temperature = temperature
        self.feature_key = feature_key
        self.bank_key = bank_key

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        """Keep each sample's encoding, label and role.

        Args:
            data_batch: The batch (unused).
            data_samples (Sequence[dict]): Outputs of the model.
        """
        for sample in data_samples:
            label = sample['gt_label']
            self.results.append(
                dict(
                    feature=sample[self.feature_key].detach().float().cpu(),
                    label=int(
                        label.item() if torch.is_tensor(label) else label),
                    bank=bool(sample.get(self.bank_key, False))))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        """k-NN accuracy of the queries for every ``k``.

        Args:
            results (list[dict]): What :meth:`process` kept, all ranks.

        Returns:
            dict: ``top1_k{k}`` accuracies in [0, 1].
        """
        bank = [r for r in results if r['bank']]
        queries = [r for r in results if not r['bank']]
        if not bank or not queries:
            raise ValueError(f'k-NN needs bank and query samples, got '
                             f'{len(bank)} and {len(queries)}')
        bank_feats = torch.stack([r['feature'] for r in bank])
        bank_labels = torch.tensor([r['label'] for r in bank])
        query_feats = torch.stack([r['feature'] for r in queries])
        query_labels = torch.tensor([r['label'] for r in queries])
        num_classes = int(max(bank_labels.max(), query_labels.max())) + 1
        metrics = {}
        for k in self.topk:
            pred = knn_predict(bank_feats, bank_labels, query_feats, k,
                               num_classes, self.temperature)
            metrics[f'top1_k{k}'] = (
                pred == query_labels).float().mean().item()
        return metrics
