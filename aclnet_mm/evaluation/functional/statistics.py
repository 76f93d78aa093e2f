# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Statistics over seeds: bootstrap intervals and paired tests.

Used by ``tools/ablation.py``. A seed is the unit of replication: each value
is the test accuracy of one training run. With a handful of seeds the
bootstrap is enumerated exactly (every one of the ``n ** n`` resamples, all
equally likely), so the interval is a deterministic function of the values
and can be checked by hand; beyond ``max_exact`` resamples it is drawn with a
seeded generator.
"""
import itertools
import math
from typing import Dict, Sequence

import numpy as np
from scipy import stats

__all__ = [
    'bootstrap_means', 'bootstrap_ci', 'paired_comparison',
    'minimum_detectable_difference'
]


def bootstrap_means(values: Sequence[float],
                    num_resamples: int = 10000,
                    max_exact: int = 100000,
                    seed: int = 0) -> np.ndarray:
    """Means of bootstrap resamples (with replacement) of ``values``.

    Args:
        values (Sequence[float]): One value per seed, at least one.
        num_resamples (int): Resamples drawn when the exact enumeration is
            too large. Defaults to 10000.
        max_exact (int): Enumerate all ``n ** n`` resamples when there are
            at most this many (n <= 6 with the default). Defaults to 100000.
        seed (int): Seed of the drawn resamples. Defaults to 0.

    Returns:
        np.ndarray: The resample means.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    if n == 0:
        raise ValueError('bootstrap needs at least one value')
    if n**n <= max_exact:
        # Row k of the grid is the k-th tuple of indices in base n.
        index = np.indices((n, ) * n).reshape(n, -1).T
    else:
        index = np.random.default_rng(seed).integers(
            0, n, size=(num_resamples, n))
    return values[index].mean(axis=1)


def bootstrap_ci(values: Sequence[float],
                 confidence: float = 0.95,
                 **kwargs) -> tuple:
    """Percentile bootstrap interval of the mean.

    The bounds are the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2``
    quantiles (numpy's default linear interpolation) of the resample means.

    Args:
        values (Sequence[float]): One value per seed.
        confidence (float): Coverage. Defaults to 0.95.
        **kwargs: Passed to :func:`bootstrap_means`.

    Returns:
        tuple[float, float]: Lower and upper bound.
    """
    if not 0 < confidence < 1:
        raise ValueError(f'confidence must be in (0, 1), got {confidence}')
    means = bootstrap_means(values, **kwargs)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def _sign_flip_p(diffs: np.ndarray) -> float:
    """Exact two-sided p of the paired sign-flip (permutation) test."""
    n = diffs.size
    observed = abs(diffs.sum())
    signs = np.array(list(itertools.product((1., -1.), repeat=n)))
    sums = np.abs(signs @ diffs)
    # A small tolerance so that ties with the observed sum count as extreme.
    return float(np.mean(sums >= observed - 1e-12))


def paired_comparison(variant: Sequence[float],
                      baseline: Sequence[float],
                      confidence: float = 0.95,
                      **kwargs) -> Dict[str, float]:
    """Compare two runs of the same seeds: ``variant - baseline`` per seed.

    Args:
        variant (Sequence[float]): Values of the variant, seed by seed.
        baseline (Sequence[float]): Values of the baseline, same seeds in the
            same order.
        confidence (float): Coverage of the bootstrap interval of the mean
            difference. Defaults to 0.95.
        **kwargs: Passed to :func:`bootstrap_means`.

    Returns:
        dict: ``n``, ``mean_diff``, ``std_diff`` (ddof 1), ``ci_low`` /
        ``ci_high`` (bootstrap of the mean difference), ``t`` and ``p_t``
        (two-sided paired t-test; NaN when every difference is the same),
        ``p_sign_flip`` (exact two-sided sign-flip test, at most 16 seeds;
        its smallest possible value is ``2 / 2 ** n``) and ``wins`` /
        ``losses`` (seeds where the variant is above / below).
    """
    variant = np.asarray(variant, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    if variant.shape != baseline.shape or variant.ndim != 1:
        raise ValueError('paired values need the same seeds: got '
                         f'{variant.shape} and {baseline.shape}')
    diffs = variant - baseline
    n = diffs.size
    if n < 2:
        raise ValueError('a paired comparison needs at least 2 seeds')
    mean = float(diffs.mean())
    std = float(diffs.std(ddof=1))
    if std > 0:
        t = mean / (std / math.sqrt(n))
        p_t = float(2 * stats.t.sf(abs(t), df=n - 1))
    else:
        t, p_t = math.nan, math.nan
    low, high = bootstrap_ci(diffs, confidence, **kwargs)
    return dict(
        n=n,
        mean_diff=mean,
        std_diff=std,
        ci_low=low,
        ci_high=high,
        t=float(t),
        p_t=p_t,
        p_sign_flip=_sign_flip_p(diffs) if n <= 16 else math.nan,
        wins=int((diffs > 0).sum()),
        losses=int((diffs < 0).sum()))


def minimum_detectable_difference(std_diff: float,
                                  n: int,
                                  alpha: float = 0.05,
                                  power: float = 0.8) -> float:
    """Smallest mean paired difference a two-sided t-test detects.

    ``(t[1 - alpha / 2, n - 1] + t[power, n - 1]) * std_diff / sqrt(n)``:
    the usual approximation of the difference that a paired t-test on ``n``
    seeds finds significant at level ``alpha`` with probability ``power``,
    when the per-seed differences scatter with ``std_diff``.

    Args:
        std_diff (float): Standard deviation of the per-seed differences.
        n (int): Number of seeds, at least 2.
        alpha (float): Test level. Defaults to 0.05.
        power (float): Wanted power. Defaults to 0.8.

    Returns:
        float: The difference, in the unit of the values.
    """
    if n < 2:
        raise ValueError(f'needs at least 2 seeds, got {n}')
    df = n - 1
    factor = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)
    return float(factor * std_diff / math.sqrt(n))
