# Copyright (c) aclnet-mm contributors. All rights reserved.
"""CASIA-B gait recognition rank-1 of a retrieval model's embeddings."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from ..functional.retrieval import gait_rank1

__all__ = ['GaitRank1Metric', 'format_gait_table']


def format_gait_table(per_view: Dict[str, np.ndarray],
                      view_list: Sequence[int]) -> str:
    """The per-probe-view rank-1 table (percent, one decimal).

    Args:
        per_view (dict[str, np.ndarray]): ``(V, )`` fractions per probe set.
        view_list (Sequence[int]): The views, in table order.

    Returns:
        str: One header line and one line per probe set, with its mean.
    """
    lines = ['probe ' + ' '.join(f'{v:>5d}' for v in view_list) + '   mean']
    for name, values in per_view.items():
        valid = ~np.isnan(values)
        mean = 100 * values[valid].mean() if valid.any() else float('nan')
        lines.append(f'{name:<5} ' + ' '.join(f'{100 * v:5.1f}'
                                              for v in values) +
                     f'  {mean:5.1f}')
    return '\n'.join(lines)


@METRICS.register_module()
class GaitRank1Metric(BaseMetric):
    """CASIA-B cross-view rank-1 (%), identical views excluded.

    The protocol of GaitGraph 1/2, GaitMixer and FastPoseGait
    (:func:`~aclnet_mm.evaluation.functional.gait_rank1`): gallery NM
    #1-4, probes NM #5-6, BG #1-2 and CL #1-2, every probe view against
    every other gallery view, divisor 10 for 11 views. The model must put
    an ``embedding`` in each data sample
    (:class:`~aclnet_mm.models.recognizers.RetrievalRecognizerGCN`), and
    ``subject``, ``cond``, ``seq`` and ``view`` must reach the metric:
    list them in ``PackActionInputs(meta_keys=...)``.

    Returns ``NM``, ``BG``, ``CL`` (one per probe set) and ``mean`` in
    percent, plus ``<set>_<view>`` per probe view when ``per_view_keys``;
    the 3 x 11 table is logged.

    Args:
        gallery (tuple): ``(cond, seqs)``. Defaults to
            ``('nm', (1, 2, 3, 4))``.
        probes (Sequence[tuple]): ``(name, cond, seqs)`` per probe set.
        views (Sequence[int]): Views in table order. Defaults to 0-180
            by 18.
        distance (str): ``'euclidean_normalized'`` (default),
            ``'euclidean'`` or ``'cosine'``.
        exclude_identical_view (bool): Defaults to True.
        per_view_keys (bool): Also return the per-view values. Defaults
            to False.
        feature_key (str): Data sample field of the embedding. Defaults to
            ``'embedding'``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'gait'``.
    """
    default_prefix: Optional[str] = 'gait'

    def __init__(self,
                 gallery: Tuple[str, Sequence[int]] = ('nm', (1, 2, 3, 4)),
                 probes: Sequence[Tuple[str, str,
                                        Sequence[int]]] = (('NM', 'nm',
                                                            (5,
                                                             6)), ('BG', 'bg',
                                                                   (1, 2)),
                                                           ('CL', 'cl', (1,
                                                                         2))),
                 views: Sequence[int] = tuple(range(0, 181, 18)),
                 distance: str = 'euclidean_normalized',
                 exclude_identical_view: bool = True,
                 per_view_keys: bool = False,
                 feature_key: str = 'embedding',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.gallery = (gallery[0], tuple(gallery[1]))
        self.probes = tuple((n, c, tuple(s)) for n, c, s in probes)
        self.views = tuple(int(v) for v in views)
        self.distance = distance
        self.exclude_identical_view = exclude_identical_view
        self.per_view_keys = per_view_keys
        self.feature_key = feature_key

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        """Keep each sample's embedding and CASIA-B metadata.

        Args:
            data_batch: The batch (unused).
            data_samples (Sequence[dict]): Outputs of the model.
        """
        for sample in data_samples:
            missing = [
                k for k in ('subject', 'cond', 'seq', 'view')
                if k not in sample
            ]
            if missing:
                raise KeyError(
                    f'GaitRank1Metric needs {missing} in the data samples: '
                    'add them to PackActionInputs(meta_keys=...)')
            self.results.append(
                dict(
                    feature=sample[self.feature_key].detach().float().cpu(),
                    subject=int(sample['subject']),
                    cond=str(sample['cond']),
                    seq=int(sample['seq']),
                    view=int(sample['view'])))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        """Rank-1 per probe set and their mean, in percent.

        Args:
            results (list[dict]): What :meth:`process` kept, all ranks.

        Returns:
            dict[str, float]: The metrics.
        """
        out = gait_rank1(
            torch.stack([r['feature'] for r in results]),
            [r['subject'] for r in results], [r['cond'] for r in results],
            [r['seq'] for r in results], [r['view'] for r in results],
            gallery=self.gallery,
            probes=self.probes,
            view_list=self.views,
            metric=self.distance,
            exclude_identical_view=self.exclude_identical_view)
        MMLogger.get_current_instance().info(
            'CASIA-B rank-1 (%) per probe view, identical views '
            f'{"excluded" if self.exclude_identical_view else "included"}:'
            f'\n{format_gait_table(out["per_view"], self.views)}')
        metrics = {name: 100 * value for name, value in out['rank1'].items()}
        metrics['mean'] = float(np.mean(list(metrics.values())))
        if self.per_view_keys:
            for name, values in out['per_view'].items():
                for view, value in zip(self.views, values):
                    metrics[f'{name}_{view:03d}'] = 100 * float(value)
        return metrics
