# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Seed averaging, the authors' presets (ACLNet's and ProtoGCN's are the
same) and the fusion weight search."""
import itertools

import numpy as np
import pytest

from aclnet_mm.evaluation.functional import (FUSION_PRESETS, StreamScores,
                                             average_streams, fuse_scores,
                                             search_fusion_weights,
                                             top_k_accuracy)

# Two classes, three samples. Alone, each stream gets 2 of 3: j misses
# sample 1, b misses sample 0. Fused with weights (wj, wb), sample 0 is a
# hit iff 0.2 wj > 0.5 wb, sample 1 iff 0.7 wb > 0.2 wj, sample 2 always
# (a tie at wj = 0 goes to class 0): all three iff 2.5 wb < wj < 3.5 wb,
# a range no ratio of the candidates below falls on the edge of.
J = np.array([[.6, .4], [.6, .4], [.9, .1]])
B = np.array([[.25, .75], [.15, .85], [.5, .5]])
LABELS = np.array([0, 1, 0])


def test_presets_are_the_authors():
    # 1:1, 2:2:1:1, 2:2:2:1:1:1, in the ensemble scripts of ACLNet and of
    # ProtoGCN alike.
    assert FUSION_PRESETS['2s'] == (('j', 1.), ('b', 1.))
    assert FUSION_PRESETS['4s'] == (('j', 2.), ('b', 2.), ('jm', 1.), ('bm',
                                                                       1.))
    assert [n for n, _ in FUSION_PRESETS['6s']
            ] == ['j', 'b', 'k', 'jm', 'bm', 'km']
    assert [w for _, w in FUSION_PRESETS['6s']] == [2., 2., 2., 1., 1., 1.]


def test_average_streams_hand_computed():
    first = StreamScores('s0', np.array([[1., 0.], [0., 1.]]), LABELS[:2])
    second = StreamScores('s1', np.array([[0., 1.], [0., 1.]]), LABELS[:2])
    mean = average_streams([first, second])
    np.testing.assert_allclose(mean.scores, [[.5, .5], [0., 1.]])
    np.testing.assert_array_equal(mean.labels, LABELS[:2])
    assert mean.name == 's0+s1'
    assert average_streams([first], 'j').name == 'j'
    other = StreamScores('bad', first.scores, np.array([1, 1]))
    with pytest.raises(ValueError, match='bad: sample 0'):
        average_streams([first, other])


def test_grid_search_hand_computed():
    candidates = (0., 0.5, 1., 2., 3.)
    for scores in (J, B):
        assert top_k_accuracy(scores, LABELS,
                              (1, )) == (pytest.approx(2 / 3), )
    weights, acc = search_fusion_weights([J, B],
                                         LABELS,
                                         candidates,
                                         method='grid')
    # The only candidates with 2.5 wb < wj < 3.5 wb: (3, 1).
    assert weights == (3., 1.) and acc == 1.
    # Same as an obvious loop over the grid keeping the first best.
    best = max(
        (w for w in itertools.product(candidates, repeat=2) if any(w)),
        key=lambda w: top_k_accuracy(fuse_scores([J, B], w), LABELS, (1, ))[0])
    assert best == weights


def test_coordinate_search_hand_computed():
    # From (1, 1) (2/3): raising wj to 3 reaches 3/3 in the first round;
    # nothing beats it afterwards.
    weights, acc = search_fusion_weights([J, B], LABELS, (0., 1., 2., 3.))
    assert weights == (3., 1.) and acc == 1.
    # Candidates that cannot reach 3/3: the start is kept (ties keep the
    # current weights).
    weights, acc = search_fusion_weights([J, B],
                                         LABELS, (1., 2.),
                                         init=(1., 1.))
    assert weights == (1., 1.) and acc == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        search_fusion_weights([J, B], LABELS, method='test')
    with pytest.raises(ValueError):
        search_fusion_weights([J, B], LABELS, init=(1., ))
