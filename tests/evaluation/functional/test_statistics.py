# Copyright (c) aclnet-mm contributors. All rights reserved.
import itertools
import math

import numpy as np
import pytest
from scipy import stats

from aclnet_mm.evaluation.functional import (bootstrap_ci, bootstrap_means,
                                             minimum_detectable_difference,
                                             paired_comparison)


def test_bootstrap_ci_hand_case_two_seeds():
    # Resamples of (80, 90): (80, 80) (80, 90) (90, 80) (90, 90), means
    # 80, 85, 85, 90. numpy's linear quantile at 2.5 % sits 0.075 of the
    # way from the 1st to the 2nd sorted mean, at 97.5 % 0.925 of the way
    # from the 3rd to the 4th.
    low, high = bootstrap_ci([80., 90.])
    assert low == pytest.approx(80 + 0.075 * 5)
    assert high == pytest.approx(85 + 0.925 * 5)
    assert sorted(bootstrap_means([80., 90.])) == [80., 85., 85., 90.]


def test_bootstrap_enumerates_every_resample():
    values = [1., 4., 10.]
    slow = sorted(
        np.mean([values[i] for i in index])
        for index in itertools.product(range(3), repeat=3))
    np.testing.assert_allclose(sorted(bootstrap_means(values)), slow)
    # 90 % interval from the 27 equally likely means, by the definition of
    # numpy's linear quantile: position q * (27 - 1) in the sorted list.
    low, high = bootstrap_ci(values, confidence=0.9)
    for q, bound in ((0.05, low), (0.95, high)):
        pos = q * 26
        below = slow[int(math.floor(pos))]
        above = slow[int(math.ceil(pos))]
        assert bound == pytest.approx(below + (pos - math.floor(pos)) *
                                      (above - below))


def test_bootstrap_draws_when_enumeration_is_too_big():
    values = np.arange(8.)  # 8 ** 8 resamples: drawn, seeded
    means = bootstrap_means(values, num_resamples=500, seed=3)
    assert means.shape == (500, )
    np.testing.assert_array_equal(
        means, bootstrap_means(values, num_resamples=500, seed=3))
    low, high = bootstrap_ci(values)
    assert low < values.mean() < high
    with pytest.raises(ValueError, match='at least one'):
        bootstrap_means([])
    with pytest.raises(ValueError, match='confidence'):
        bootstrap_ci(values, confidence=95)


def test_paired_comparison_against_scipy_and_hand_cases():
    variant = np.array([91.4, 88.9, 92.6, 90.1, 93.8])
    baseline = np.array([90.1, 88.9, 90.1, 91.4, 92.6])
    out = paired_comparison(variant, baseline)
    ref = stats.ttest_rel(variant, baseline)
    assert out['t'] == pytest.approx(ref.statistic)
    assert out['p_t'] == pytest.approx(ref.pvalue)
    diffs = variant - baseline
    assert out['mean_diff'] == pytest.approx(diffs.mean())
    assert out['std_diff'] == pytest.approx(diffs.std(ddof=1))
    assert (out['wins'], out['losses'], out['n']) == (3, 1, 5)
    assert (out['ci_low'],
            out['ci_high']) == pytest.approx(bootstrap_ci(diffs))
    # Sign flips by hand: the |sum| of the 32 sign patterns of the diffs
    # that reach the observed one.
    observed = abs(diffs.sum())
    extreme = sum(
        abs(np.dot(signs, diffs)) >= observed - 1e-12
        for signs in itertools.product((1, -1), repeat=5))
    assert out['p_sign_flip'] == pytest.approx(extreme / 32)

    # All three seeds better: only the all-plus and all-minus patterns
    # reach |1 + 2 + 3|, p = 2 / 8.
    out = paired_comparison([11., 12., 13.], [10., 10., 10.])
    assert out['p_sign_flip'] == pytest.approx(0.25)
    # Identical differences: no t-test (zero scatter), the interval is a
    # point.
    out = paired_comparison([2., 2.], [1., 1.])
    assert math.isnan(out['p_t']) and out['ci_low'] == out['ci_high'] == 1.
    with pytest.raises(ValueError, match='same seeds'):
        paired_comparison([1., 2.], [1.])
    with pytest.raises(ValueError, match='at least 2'):
        paired_comparison([1.], [1.])


def test_minimum_detectable_difference_hand_case():
    # n = 5: t[0.975, 4] = 2.7764, t[0.8, 4] = 0.9410 (tables).
    assert minimum_detectable_difference(1.0, 5) == pytest.approx(
        (2.7764 + 0.9410) / math.sqrt(5), abs=1e-3)
    assert minimum_detectable_difference(2.0, 5) == pytest.approx(
        2 * minimum_detectable_difference(1.0, 5))
    with pytest.raises(ValueError):
        minimum_detectable_difference(1.0, 1)
