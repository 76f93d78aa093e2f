# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Late fusion of the class scores of several streams.

Skeleton recognisers are usually trained once per input modality (joint,
bone, joint motion, bone motion, ...) and their test-time class scores are
summed with per-stream weights. The scores come from ``tools/test.py
--dump``: MMEngine's ``DumpResults`` metric writes a list with one dict per
test sample, in data set order, holding at least ``pred_score`` (C,) and
``gt_label`` (1,).

The functions here are plain NumPy so that they can be tested against hand
computed cases and reused by weight searches and other reports.

ACLNet's standard fusions (reference ``tools/ensemble.py``) are in
:data:`FUSION_PRESETS`; ProtoGCN's authors fuse with the same weights (their
ensemble script is ACLNet's), so the presets serve both methods. Several
training seeds of one stream are averaged into one stream first
(:func:`average_streams`). Weights can also be
searched (:func:`search_fusion_weights`): do it on predictions on a
held-out *validation* split (e.g. ``SkeletonPoseDataset(carve='val')``)
and apply the result to the test predictions; searching on the test split
would report an optimistic number.
"""
import itertools
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    'StreamScores', 'load_stream_scores', 'check_streams_aligned', 'softmax',
    'fuse_scores', 'top_k_accuracy', 'mean_class_accuracy', 'fusion_report',
    'FUSION_PRESETS', 'average_streams', 'search_fusion_weights'
]

#: ACLNet's and ProtoGCN's fusions (the same in both authors' code): stream
#: names (``GenSkeletonStreams`` feats) and weights.
FUSION_PRESETS = {
    '2s': (('j', 1.), ('b', 1.)),
    '4s': (('j', 2.), ('b', 2.), ('jm', 1.), ('bm', 1.)),
    '6s':
    (('j', 2.), ('b', 2.), ('k', 2.), ('jm', 1.), ('bm', 1.), ('km', 1.)),
}


@dataclass
class StreamScores:
    """Class scores of one stream on a test set.

    Args:
        name (str): Where the scores come from (the dump file), used in
            error messages and reports.
        scores (np.ndarray): Class scores of shape (N, C).
        labels (np.ndarray): Ground-truth labels of shape (N, ), int64.
    """
    name: str
    scores: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_classes(self) -> int:
        return self.scores.shape[1]


def _to_numpy(value) -> np.ndarray:
    # Dumped tensors are on the CPU already; ``np.asarray`` reads them
    # without importing torch here.
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _sample_label(sample: dict, name: str, index: int) -> int:
    label = _to_numpy(sample['gt_label']).reshape(-1)
    if label.size != 1:
        raise ValueError(f'{name}: sample {index} has {label.size} labels; '
                         'only single-label predictions can be fused')
    return int(label[0])


def load_stream_scores(path: str,
                       name: Optional[str] = None,
                       allow_unsafe: Optional[bool] = None) -> StreamScores:
    """Read the predictions dumped by ``tools/test.py --dump``.

    The dump is unpickled by
    :func:`~aclnet_mm.utils.safe_pickle.load_pickle` (plain data and torch
    tensors only; anything else is refused naming the file and global).

    Args:
        path (str): A pickle written by MMEngine's ``DumpResults``.
        name (str, optional): Name used in messages. Defaults to ``path``.
        allow_unsafe (bool, optional): Unpickle a trusted legacy file in
            full. None defers to ``ACLNET_MM_ALLOW_UNSAFE_LOAD``.

    Returns:
        StreamScores: The stacked scores and labels.
    """
    from aclnet_mm.utils.safe_pickle import load_pickle
    name = path if name is None else name
    samples = load_pickle(
        path, name, allow_tensors=True, allow_unsafe=allow_unsafe)
    if not isinstance(samples, (list, tuple)) or not samples:
        raise ValueError(f'{name}: expected a non-empty list of predictions '
                         f'(a DumpResults pickle), got {type(samples)}')
    scores, labels = [], []
    for index, sample in enumerate(samples):
        if not isinstance(sample, dict) or 'pred_score' not in sample \
                or 'gt_label' not in sample:
            raise ValueError(f'{name}: sample {index} lacks `pred_score` or '
                             '`gt_label`')
        score = _to_numpy(sample['pred_score']).astype(np.float64)
        if score.ndim != 1:
            raise ValueError(f'{name}: sample {index} has a pred_score of '
                             f'shape {score.shape}; expected (C, )')
        if scores and score.shape != scores[0].shape:
            raise ValueError(f'{name}: sample {index} has {score.shape[0]} '
                             f'classes, sample 0 has {scores[0].shape[0]}')
        scores.append(score)
        labels.append(_sample_label(sample, name, index))
    return StreamScores(
        name=name,
        scores=np.stack(scores),
        labels=np.asarray(labels, dtype=np.int64))


def check_streams_aligned(streams: Sequence[StreamScores]) -> None:
    """Check that all streams score the same samples in the same order.

    Args:
        streams (Sequence[StreamScores]): At least one stream.

    Raises:
        ValueError: Naming the first stream and sample that disagree with
            the first stream in length, number of classes or label.
    """
    if not streams:
        raise ValueError('no streams to fuse')
    ref = streams[0]
    for stream in streams[1:]:
        if len(stream) != len(ref):
            raise ValueError(
                f'{stream.name} holds {len(stream)} samples but '
                f'{ref.name} holds {len(ref)}; dump all streams on the '
                'same test split')
        if stream.num_classes != ref.num_classes:
            raise ValueError(
                f'{stream.name} scores {stream.num_classes} classes but '
                f'{ref.name} scores {ref.num_classes}')
        mismatch = np.flatnonzero(stream.labels != ref.labels)
        if mismatch.size:
            index = int(mismatch[0])
            raise ValueError(
                f'{stream.name}: sample {index} has label '
                f'{stream.labels[index]} but {ref.name} has '
                f'{ref.labels[index]} ({mismatch.size} samples differ); '
                'the dumps are not in the same sample order')


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits, stable for large values."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def fuse_scores(scores: Sequence[np.ndarray],
                weights: Optional[Sequence[float]] = None) -> np.ndarray:
    """Weighted sum of the score matrices of several streams.

    Args:
        scores (Sequence[np.ndarray]): One (N, C) array per stream.
        weights (Sequence[float], optional): One weight per stream.
            Defaults to equal weights of 1.

    Returns:
        np.ndarray: The fused (N, C) scores, ``sum_s w_s * scores_s``.
    """
    if not scores:
        raise ValueError('no scores to fuse')
    if weights is None:
        weights = (1., ) * len(scores)
    if len(weights) != len(scores):
        raise ValueError(f'got {len(weights)} weights for {len(scores)} '
                         'streams')
    stacked = np.stack([np.asarray(s, dtype=np.float64) for s in scores])
    if stacked.ndim != 3:
        raise ValueError('every score array must have shape (N, C), got '
                         f'{[np.shape(s) for s in scores]}')
    weights = np.asarray(weights, dtype=np.float64)
    return np.tensordot(weights, stacked, axes=1)


def _label_ranks(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """0-based rank of the true class in each row of ``scores``.

    Ties go to the lower class index, as with ``np.argmax``, so a rank of 0
    means the sample is a top-1 hit exactly when ``argmax == label``.
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels, dtype=np.int64)
    if scores.ndim != 2 or labels.shape != scores.shape[:1]:
        raise ValueError(f'scores (N, C) and labels (N, ) expected, got '
                         f'{scores.shape} and {labels.shape}')
    if labels.size and (labels.min() < 0 or labels.max() >= scores.shape[1]):
        raise ValueError(f'labels must lie in [0, {scores.shape[1]})')
    true = np.take_along_axis(scores, labels[:, None], axis=1)
    classes = np.arange(scores.shape[1])[None]
    higher = scores > true
    tied_before = (scores == true) & (classes < labels[:, None])
    return (higher | tied_before).sum(axis=1)


def top_k_accuracy(scores: np.ndarray,
                   labels: np.ndarray,
                   topk: Sequence[int] = (1, 5)) -> tuple:
    """Fraction of samples whose label is among the k best-scored classes.

    Args:
        scores (np.ndarray): Class scores (N, C).
        labels (np.ndarray): Labels (N, ).
        topk (Sequence[int]): The k values. Defaults to ``(1, 5)``.

    Returns:
        tuple[float]: One accuracy per k, in [0, 1].
    """
    ranks = _label_ranks(scores, labels)
    return tuple(float(np.mean(ranks < k)) for k in topk)


def mean_class_accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of each class, averaged over the classes present.

    Classes without any sample in ``labels`` are left out of the mean, as
    their accuracy is undefined.

    Args:
        scores (np.ndarray): Class scores (N, C).
        labels (np.ndarray): Labels (N, ).

    Returns:
        float: The mean class accuracy in [0, 1].
    """
    labels = np.asarray(labels, dtype=np.int64)
    hits = (_label_ranks(scores, labels) == 0).astype(np.float64)
    num_classes = np.shape(scores)[1]
    per_class_hits = np.bincount(labels, weights=hits, minlength=num_classes)
    per_class_count = np.bincount(labels, minlength=num_classes)
    present = per_class_count > 0
    return float(np.mean(per_class_hits[present] / per_class_count[present]))


def fusion_report(streams: Sequence[StreamScores],
                  weights: Optional[Sequence[float]] = None,
                  topk: Sequence[int] = (1, 5),
                  apply_softmax: bool = False) -> Dict[str, float]:
    """Fuse aligned streams and measure the fused accuracy.

    Args:
        streams (Sequence[StreamScores]): Streams of the same test set.
        weights (Sequence[float], optional): One weight per stream.
            Defaults to equal weights.
        topk (Sequence[int]): The k of the top-k accuracies.
            Defaults to ``(1, 5)``.
        apply_softmax (bool): Turn each stream's scores into probabilities
            first; use it for logits (``average_clips='score'``).
            Defaults to False.

    Returns:
        dict[str, float]: ``top{k}`` for each k and ``mean_class``.
    """
    check_streams_aligned(streams)
    scores = [s.scores for s in streams]
    if apply_softmax:
        scores = [softmax(s) for s in scores]
    fused = fuse_scores(scores, weights)
    labels = streams[0].labels
    report = {
        f'top{k}': acc
        for k, acc in zip(topk, top_k_accuracy(fused, labels, topk))
    }
    report['mean_class'] = mean_class_accuracy(fused, labels)
    return report


def average_streams(streams: Sequence[StreamScores],
                    name: Optional[str] = None) -> StreamScores:
    """Average the scores of several runs (seeds) of one stream.

    Args:
        streams (Sequence[StreamScores]): Aligned runs of the same stream.
        name (str, optional): Name of the result. Defaults to the runs'
            names joined with ``+``.

    Returns:
        StreamScores: The mean scores, with the shared labels.
    """
    check_streams_aligned(streams)
    if name is None:
        name = '+'.join(s.name for s in streams)
    scores = np.mean(np.stack([s.scores for s in streams]), axis=0)
    return StreamScores(name=name, scores=scores, labels=streams[0].labels)


def search_fusion_weights(
        scores: Sequence[np.ndarray],
        labels: np.ndarray,
        candidates: Sequence[float] = (0., 0.5, 1., 2., 3.),
        method: str = 'coordinate',
        init: Optional[Sequence[float]] = None,
        max_rounds: int = 10) -> Tuple[Tuple[float, ...], float]:
    """Fusion weights that maximise top-1 accuracy on the given scores.

    Only call it with *validation* scores; apply the weights to the test
    scores with :func:`fuse_scores`.

    - ``'grid'``: every combination of ``candidates`` (all-zero excluded);
      ``len(candidates) ** S`` fusions, for a few streams.
    - ``'coordinate'``: start from ``init`` (default all 1), then, stream
      after stream, take the candidate that raises the accuracy most,
      until a whole round changes nothing or ``max_rounds`` is reached.

    Ties keep the earlier weights (grid: the first combination in
    ``itertools.product`` order; coordinate: the current weight), so the
    result is deterministic.

    Args:
        scores (Sequence[np.ndarray]): One (N, C) array per stream.
        labels (np.ndarray): Labels (N, ).
        candidates (Sequence[float]): Weights tried for each stream.
            Defaults to ``(0, 0.5, 1, 2, 3)``.
        method (str): ``'grid'`` or ``'coordinate'``. Defaults to
            ``'coordinate'``.
        init (Sequence[float], optional): Start of the coordinate ascent.
            Defaults to all 1.
        max_rounds (int): Most rounds of the coordinate ascent.
            Defaults to 10.

    Returns:
        tuple: The weights (one per stream) and their top-1 accuracy.
    """
    if method not in ('grid', 'coordinate'):
        raise ValueError(f"method must be 'grid' or 'coordinate', got "
                         f'{method!r}')
    if not candidates:
        raise ValueError('no candidate weights')
    stacked = np.stack([np.asarray(s, dtype=np.float64) for s in scores])
    labels = np.asarray(labels, dtype=np.int64)

    def accuracy(weights):
        fused = np.tensordot(np.asarray(weights, dtype=np.float64), stacked, 1)
        return top_k_accuracy(fused, labels, (1, ))[0]

    num_streams = len(stacked)
    if method == 'grid':
        best, best_acc = None, -1.
        for weights in itertools.product(candidates, repeat=num_streams):
            if not any(weights):
                continue
            acc = accuracy(weights)
            if acc > best_acc:
                best, best_acc = weights, acc
        return tuple(float(w) for w in best), best_acc

    weights = list(init) if init is not None else [1.] * num_streams
    if len(weights) != num_streams:
        raise ValueError(f'init has {len(weights)} weights for '
                         f'{num_streams} streams')
    best_acc = accuracy(weights)
    for _ in range(max_rounds):
        changed = False
        for index in range(num_streams):
            for value in candidates:
                trial = weights[:index] + [value] + weights[index + 1:]
                if not any(trial):
                    continue
                acc = accuracy(trial)
                if acc > best_acc:
                    weights, best_acc, changed = trial, acc, True
        if not changed:
            break
    return tuple(float(w) for w in weights), best_acc
