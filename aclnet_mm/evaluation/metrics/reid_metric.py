# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Skeleton person re-ID rank-k and mAP (Rao et al.'s CASIA-B protocol)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from ..functional.retrieval import reid_rank_map

__all__ = ['ReIDMetric']

ReIDSetting = Tuple[str, Optional[str], Optional[str]]


@METRICS.register_module()
class ReIDMetric(BaseMetric):
    """Rank-1/5/10 and mAP (%) of probe-gallery re-ID settings.

    Each setting is ``(name, probe cond, gallery cond)``: the probe pool is
    every evaluated sample of the probe condition, the gallery pool every
    one of the gallery condition (None: every sample). Equal conditions
    make the pools one (N-N, B-B, C-C), where each probe's own entry is
    excluded (:func:`~aclnet_mm.evaluation.functional.reid_rank_map`);
    ``compat=True`` instead reproduces the reference code (rank position 0
    skipped, self-match kept in the mAP, probe 0 skipped), and
    ``compat_batch_size`` also drops the samples of each pool beyond the
    last full batch, as the reference's feature extraction does. The
    model must put an ``embedding`` in each data sample; ``subject`` and
    ``cond`` must be in ``PackActionInputs(meta_keys=...)``.

    Returns ``<setting>_rank<k>`` and ``<setting>_mAP`` in percent.

    Args:
        settings (Sequence[tuple]): Defaults to N-N, B-B, C-C, C-N, B-N.
        topk (Sequence[int]): Defaults to ``(1, 5, 10)``.
        distance (str): ``'euclidean'`` (default, the reference's),
            ``'euclidean_normalized'`` or ``'cosine'``.
        compat (bool): Reference quirks. Defaults to False.
        compat_batch_size (int, optional): With ``compat``, keep only the
            first ``k * compat_batch_size`` samples of each pool (the
            reference: 256). Defaults to None.
        feature_key (str): Defaults to ``'embedding'``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'reid'``.
    """
    default_prefix: Optional[str] = 'reid'

    def __init__(self,
                 settings: Sequence[ReIDSetting] = (('N-N', 'nm', 'nm'),
                                                    ('B-B', 'bg', 'bg'),
                                                    ('C-C', 'cl', 'cl'),
                                                    ('C-N', 'cl', 'nm'),
                                                    ('B-N', 'bg', 'nm')),
                 topk: Sequence[int] = (1, 5, 10),
                 distance: str = 'euclidean',
                 compat: bool = False,
                 compat_batch_size: Optional[int] = None,
                 feature_key: str = 'embedding',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.settings = tuple(tuple(s) for s in settings)
        self.topk = tuple(topk)
        self.distance = distance
        self.compat = compat
        self.compat_batch_size = compat_batch_size
        self.feature_key = feature_key

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        """Keep each sample's embedding, subject and condition.

        Args:
            data_batch: The batch (unused).
            data_samples (Sequence[dict]): Outputs of the model.
        """
        for sample in data_samples:
            if 'subject' not in sample or 'cond' not in sample:
                raise KeyError('ReIDMetric needs subject and cond in the '
                               'data samples: add them to '
                               'PackActionInputs(meta_keys=...)')
            self.results.append(
                dict(
                    feature=sample[self.feature_key].detach().float().cpu(),
                    subject=int(sample['subject']),
                    cond=str(sample['cond'])))

    def _pool(self, results: List[Dict], cond: Optional[str]) -> List[Dict]:
        pool = [r for r in results if cond is None or r['cond'] == cond]
        if self.compat and self.compat_batch_size:
            size = self.compat_batch_size
            pool = pool[:len(pool) // size * size]
        if not pool:
            raise ValueError(f'no evaluated sample has cond={cond!r}')
        return pool

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        """Rank-k and mAP of every setting, in percent.

        Args:
            results (list[dict]): What :meth:`process` kept, all ranks.

        Returns:
            dict[str, float]: The metrics.
        """
        metrics = {}
        for name, probe_cond, gallery_cond in self.settings:
            probe = self._pool(results, probe_cond)
            same = probe_cond == gallery_cond
            gallery = probe if same else self._pool(results, gallery_cond)
            values = reid_rank_map(
                torch.stack([r['feature'] for r in probe]),
                [r['subject'] for r in probe],
                torch.stack([r['feature'] for r in gallery]),
                [r['subject'] for r in gallery],
                same=same,
                topk=self.topk,
                metric=self.distance,
                compat=self.compat)
            for key, value in values.items():
                metrics[f'{name}_{key}'] = 100 * value
        return metrics
