# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Retrieval metrics of CASIA-B gait recognition and person re-ID.

Pure, vectorised functions on embedding matrices; the registered metrics
(:class:`~aclnet_mm.evaluation.metrics.GaitRank1Metric`,
:class:`~aclnet_mm.evaluation.metrics.ReIDMetric`) only gather the
embeddings and metadata and call them.
"""
from typing import Dict, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'DISTANCES', 'pairwise_distance', 'gait_rank1', 'reid_rank_map',
    'average_precision'
]

DISTANCES = ('euclidean', 'euclidean_normalized', 'cosine')
ArrayLike = Union[Tensor, np.ndarray, Sequence]


def pairwise_distance(query: Tensor,
                      gallery: Tensor,
                      metric: str = 'euclidean_normalized') -> Tensor:
    """Distances between every query and every gallery embedding.

    Args:
        query (Tensor): ``(m, d)``.
        gallery (Tensor): ``(n, d)``.
        metric (str): ``'euclidean'`` on the raw embeddings,
            ``'euclidean_normalized'`` after L2 normalisation (GaitGraph;
            the same ranking as cosine) or ``'cosine'`` (``1 - cos``,
            GaitMixer). Defaults to ``'euclidean_normalized'``.

    Returns:
        Tensor: ``(m, n)`` distances.
    """
    if metric not in DISTANCES:
        raise ValueError(f'metric must be one of {DISTANCES}, got {metric!r}')
    query, gallery = query.double(), gallery.double()
    if metric != 'euclidean':
        query, gallery = F.normalize(query, dim=1), F.normalize(gallery, dim=1)
    if metric == 'cosine':
        return 1 - query @ gallery.t()
    # Exact differences, not the |a|^2 - 2ab + |b|^2 expansion, so equal
    # embeddings are at distance 0 and ties stay ties.
    return torch.cdist(
        query, gallery, compute_mode='donot_use_mm_for_euclid_dist')


def _as_tensor(values: ArrayLike) -> Tensor:
    return torch.as_tensor(np.asarray(values))


def gait_rank1(
        feats: Tensor,
        subjects: ArrayLike,
        conds: Sequence[str],
        seqs: ArrayLike,
        views: ArrayLike,
        gallery: Tuple[str, Sequence[int]] = ('nm', (1, 2, 3, 4)),
        probes: Sequence[Tuple[str, str,
                               Sequence[int]]] = (('NM', 'nm', (5, 6)),
                                                  ('BG', 'bg', (1, 2)),
                                                  ('CL', 'cl', (1, 2))),
        view_list: Sequence[int] = tuple(range(0, 181, 18)),
        metric: str = 'euclidean_normalized',
        exclude_identical_view: bool = True
) -> Dict[str, Dict[str, np.ndarray]]:
    """CASIA-B cross-view rank-1 accuracy, identical views excluded.

    For every probe condition, probe view ``p`` and gallery view ``g``, each
    probe at view ``p`` is matched to its nearest gallery sequence among
    those at view ``g`` only (the first one on ties, the gallery being
    sorted by subject, sequence and view so the input order does not
    matter); ``acc[p, g]`` is the fraction whose nearest sequence has the
    probe's subject. A probe whose subject has no gallery sequence at
    view ``g`` is a miss. The per-view accuracy averages ``acc[p, g]``
    over ``g != p`` (divisor ``len(view_list) - 1``: GaitGraph's
    ``accuracy_flat``, FastPoseGait's ``de_diag``), or over all ``g``
    when ``exclude_identical_view=False``; the condition's rank-1 is the
    mean over the probe views that have probes.

    Args:
        feats (Tensor): ``(N, d)`` embeddings of all test sequences.
        subjects (array-like): ``(N, )`` subject ids.
        conds (Sequence[str]): ``(N, )`` conditions (``'nm'``, ...).
        seqs (array-like): ``(N, )`` sequence numbers.
        views (array-like): ``(N, )`` views in degrees.
        gallery (tuple): ``(cond, seqs)`` of the gallery. Defaults to
            ``('nm', (1, 2, 3, 4))``.
        probes (Sequence[tuple]): ``(name, cond, seqs)`` of each probe set.
            Defaults to NM (nm 5-6), BG (bg 1-2) and CL (cl 1-2).
        view_list (Sequence[int]): The views, in table order. Defaults to
            CASIA-B's 0, 18, ..., 180; samples at other views are ignored.
        metric (str): See :func:`pairwise_distance`.
        exclude_identical_view (bool): Defaults to True.

    Returns:
        dict: ``accuracy`` (``{name: (V, V)}`` array, NaN for views without
        probes), ``per_view`` (``{name: (V, )}``) and ``rank1``
        (``{name: float}``), all fractions in ``[0, 1]``.
    """
    feats = torch.as_tensor(feats)
    subjects, seqs, views = (_as_tensor(subjects), _as_tensor(seqs),
                             _as_tensor(views))
    conds = np.asarray(conds)
    view_arr = _as_tensor(view_list)
    num_views = view_arr.numel()
    if exclude_identical_view and num_views < 2:
        raise ValueError('excluding identical views needs two views or more')

    def members(cond: str, seq_ids: Sequence[int]) -> Tensor:
        mask = torch.from_numpy(conds == cond) & torch.isin(
            seqs, _as_tensor(seq_ids)) & torch.isin(views, view_arr)
        return mask.nonzero().flatten()

    gal = members(*gallery)
    order = np.lexsort(
        (views[gal].numpy(), seqs[gal].numpy(), subjects[gal].numpy()))
    gal = gal[torch.from_numpy(order)]
    gal_subjects = subjects[gal]
    # (V, G): which gallery sequences lie at each view.
    gal_at_view = views[gal][None] == view_arr[:, None]

    out = dict(accuracy={}, per_view={}, rank1={})
    for name, cond, seq_ids in probes:
        probe = members(cond, seq_ids)
        dist = pairwise_distance(feats[probe], feats[gal], metric)
        # (V, Q, G) distances with other views' gallery pushed to +inf.
        masked = torch.where(gal_at_view[:, None], dist[None],
                             dist.new_tensor(float('inf')))
        if masked.shape[-1] == 0:
            hits = torch.zeros(num_views, probe.numel(), dtype=torch.bool)
        else:
            nearest = masked.argmin(dim=-1)
            hits = (gal_subjects[nearest] == subjects[probe][None]) & (
                gal_at_view.any(dim=1)[:, None])
        probe_at_view = (views[probe][None] == view_arr[:, None]).double()
        counts = probe_at_view.sum(dim=1, keepdim=True)
        acc = (probe_at_view @ hits.double().t()) / counts  # (Vp, Vg)
        if exclude_identical_view:
            per_view = (acc.sum(dim=1) - acc.diagonal()) / (num_views - 1)
        else:
            per_view = acc.mean(dim=1)
        acc, per_view = acc.numpy(), per_view.numpy()
        out['accuracy'][name] = acc
        out['per_view'][name] = per_view
        valid = ~np.isnan(per_view)
        out['rank1'][name] = (
            float(per_view[valid].mean()) if valid.any() else float('nan'))
    return out


def average_precision(matches: Tensor, dist: Tensor) -> Tensor:
    """Average precision of ranked galleries, ties as scikit-learn.

    Equals ``sklearn.metrics.average_precision_score(matches[i],
    -dist[i])`` for every row: gallery items at equal distance share one
    threshold, so each positive gets the precision at the end of its tie
    group.

    Args:
        matches (Tensor): ``(m, n)`` bool, gallery item shares the label.
        dist (Tensor): ``(m, n)`` distances.

    Returns:
        Tensor: ``(m, )`` AP, NaN for rows without a positive.
    """
    num = dist.shape[1]
    sorted_dist, order = dist.sort(dim=1, stable=True)
    hits = matches.gather(1, order).double()
    last = torch.ones_like(hits, dtype=torch.bool)
    last[:, :-1] = sorted_dist[:, 1:] != sorted_dist[:, :-1]
    index = torch.arange(num).expand_as(hits)
    candidate = torch.where(last, index, torch.full_like(index, num))
    group_end = candidate.flip(1).cummin(dim=1).values.flip(1)
    precision = hits.cumsum(dim=1).gather(1, group_end) / (group_end + 1)
    positives = hits.sum(dim=1)
    return (hits * precision).sum(dim=1) / positives.where(
        positives > 0, positives.new_tensor(float('nan')))


def reid_rank_map(probe_feats: Tensor,
                  probe_labels: ArrayLike,
                  gallery_feats: Tensor,
                  gallery_labels: ArrayLike,
                  same: bool = False,
                  topk: Sequence[int] = (1, 5, 10),
                  metric: str = 'euclidean',
                  compat: bool = False) -> Dict[str, float]:
    """Re-ID rank-k accuracy and mAP (Rao et al.'s protocol).

    Each probe ranks the gallery by ascending distance (stable: the
    earlier gallery index first on ties). Rank-k is the fraction of probes
    with a same-label item among the first ``k``; AP is computed over the
    whole ranked gallery as scikit-learn's ``average_precision_score``
    (:func:`average_precision`) and averaged over the probes that have a
    positive.

    ``same=True`` means probe and gallery are the same pool (N-N, B-B,
    C-C; index ``i`` is the same sample on both sides). Clean mode removes
    exactly each probe's own index from its gallery, for rank-k and AP.
    ``compat=True`` reproduces the reference code (``metrics`` /
    ``mean_ap`` of TranSG / SPC-MGR): rank-k skips ranked position 0,
    whatever it holds, and tests positions ``1..k``; AP keeps the
    self-match as a positive and skips probe 0. Cross-pool evaluation is
    the same in both modes.

    Args:
        probe_feats (Tensor): ``(m, d)``.
        probe_labels (array-like): ``(m, )``.
        gallery_feats (Tensor): ``(n, d)``.
        gallery_labels (array-like): ``(n, )``.
        same (bool): Probe and gallery are the same pool. Defaults to
            False.
        topk (Sequence[int]): Defaults to ``(1, 5, 10)``.
        metric (str): See :func:`pairwise_distance`. Defaults to
            ``'euclidean'`` (the reference's, on raw embeddings).
        compat (bool): Reference quirks. Defaults to False.

    Returns:
        dict[str, float]: ``rank{k}`` and ``mAP`` as fractions.
    """
    probe_labels = _as_tensor(probe_labels)
    gallery_labels = _as_tensor(gallery_labels)
    dist = pairwise_distance(
        torch.as_tensor(probe_feats), torch.as_tensor(gallery_feats), metric)
    matches = probe_labels[:, None] == gallery_labels[None]
    if same and dist.shape[0] != dist.shape[1]:
        raise ValueError('same=True needs the probe and gallery to be one '
                         f'pool, got {dist.shape[0]} and {dist.shape[1]}')

    rank_dist, skip = dist, 0
    if same and compat:
        skip = 1
    elif same:
        # The probe's own entry goes last and never counts as a hit.
        rank_dist = dist.clone()
        rank_dist.fill_diagonal_(float('inf'))
        matches = matches.clone()
        matches.fill_diagonal_(False)
    order = rank_dist.argsort(dim=1, stable=True)
    ranked = matches.gather(1, order)[:, skip:]
    out = {
        f'rank{k}': ranked[:, :k].any(dim=1).double().mean().item()
        for k in topk
    }
    ap = average_precision(matches, rank_dist)
    if same and compat:
        ap = ap[1:]
    ap = ap[~ap.isnan()]
    out['mAP'] = ap.mean().item() if ap.numel() else float('nan')
    return out
