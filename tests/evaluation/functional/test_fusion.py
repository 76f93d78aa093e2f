# Copyright (c) aclnet-mm contributors. All rights reserved.
import numpy as np
import pytest
import torch

from aclnet_mm.evaluation.functional import fusion

# Three classes, four samples. Row by row, the rank of the true class is
# 0 (hit), 1, 2 and 0 (a tie with class 2, broken towards the lower index).
SCORES = np.array([
    [0.7, 0.2, 0.1],
    [0.5, 0.3, 0.2],
    [0.1, 0.6, 0.3],
    [0.2, 0.4, 0.4],
])
LABELS = np.array([0, 1, 0, 1])


def _slow_top_k(scores, labels, k):
    """Sort each row by score, ties by class index; look for the label."""
    hits = 0
    for row, label in zip(scores, labels):
        order = sorted(range(len(row)), key=lambda c: (-row[c], c))
        hits += label in order[:k]
    return hits / len(labels)


def test_top_k_accuracy_hand_computed():
    assert fusion.top_k_accuracy(SCORES, LABELS, (1, 2, 3)) == (0.5, 0.75, 1.)
    # A tie with a lower class index is a miss at top-1, like argmax.
    assert fusion.top_k_accuracy(
        np.array([[0.5, 0.5]]), np.array([1]), (1, 2)) == (0., 1.)
    # k larger than the number of classes counts every sample.
    assert fusion.top_k_accuracy(SCORES, LABELS, (5, )) == (1., )


def test_top_k_accuracy_matches_loop_and_argmax():
    rng = np.random.default_rng(0)
    # Rounded scores make ties frequent.
    scores = np.round(rng.random((200, 7)), 1)
    labels = rng.integers(0, 7, 200)
    topk = (1, 2, 3, 5)
    expected = tuple(_slow_top_k(scores, labels, k) for k in topk)
    assert fusion.top_k_accuracy(scores, labels,
                                 topk) == pytest.approx(expected)
    assert fusion.top_k_accuracy(scores, labels, (1, ))[0] == pytest.approx(
        np.mean(scores.argmax(axis=1) == labels))


def test_top_k_accuracy_rejects_bad_input():
    with pytest.raises(ValueError, match='labels must lie'):
        fusion.top_k_accuracy(SCORES, np.array([0, 1, 3, 0]))
    with pytest.raises(ValueError, match=r'\(N, C\)'):
        fusion.top_k_accuracy(SCORES, LABELS[:3])


def test_mean_class_accuracy_hand_computed():
    # Class 0: samples 0 (hit) and 2 (miss) -> 1/2; class 1: samples 1
    # (miss) and 3 (hit) -> 1/2; class 2 has no sample and is left out.
    assert fusion.mean_class_accuracy(SCORES, LABELS) == pytest.approx(0.5)
    # Three samples of class 0 (one missed), one of class 1 (hit): top-1
    # is 3/4, but each class weighs the same in the mean.
    scores = np.array([[0.9, 0.1], [0.1, 0.9], [0.7, 0.3], [0.2, 0.8]])
    labels = np.array([0, 0, 0, 1])
    assert fusion.top_k_accuracy(scores, labels, (1, )) == (0.75, )
    assert fusion.mean_class_accuracy(scores, labels) == pytest.approx(
        (2 / 3 + 1) / 2)


def test_fuse_scores():
    a = np.array([[1., 0.], [0., 1.]])
    b = np.array([[0., 3.], [1., 1.]])
    np.testing.assert_allclose(fusion.fuse_scores([a, b]), a + b)
    np.testing.assert_allclose(
        fusion.fuse_scores([a, b], (2., 0.5)), [[2., 1.5], [0.5, 2.5]])
    # Fusion can flip the decision of a single stream.
    labels = np.array([0, 1])
    assert fusion.top_k_accuracy(b, labels, (1, )) == (0., )
    assert fusion.top_k_accuracy(
        fusion.fuse_scores([a, b], (4, 1)), labels, (1, )) == (1., )
    with pytest.raises(ValueError, match='2 weights for 1 streams'):
        fusion.fuse_scores([a], (1., 2.))
    with pytest.raises(ValueError, match='no scores'):
        fusion.fuse_scores([])


def test_softmax():
    logits = np.array([[1000., 1000.], [0., np.log(3.)]])
    np.testing.assert_allclose(
        fusion.softmax(logits), [[0.5, 0.5], [0.25, 0.75]])


def _dump(path, scores, labels):
    import mmengine
    samples = [
        dict(
            pred_score=torch.tensor(s, dtype=torch.float32),
            gt_label=torch.tensor([int(y)]),
            pred_label=torch.tensor([int(np.argmax(s))]),
            num_classes=len(s)) for s, y in zip(scores, labels)
    ]
    mmengine.dump(samples, str(path))
    return str(path)


def test_load_stream_scores_and_alignment(tmp_path):
    joint = fusion.load_stream_scores(
        _dump(tmp_path / 'j.pkl', SCORES, LABELS))
    assert joint.name.endswith('j.pkl')
    assert len(joint) == 4 and joint.num_classes == 3
    np.testing.assert_allclose(joint.scores, SCORES, rtol=1e-6)
    np.testing.assert_array_equal(joint.labels, LABELS)

    short = fusion.StreamScores('short.pkl', SCORES[:3], LABELS[:3])
    with pytest.raises(ValueError, match='short.pkl holds 3 samples'):
        fusion.check_streams_aligned([joint, short])
    relabelled = fusion.StreamScores('other.pkl', SCORES,
                                     np.array([0, 1, 2, 2]))
    with pytest.raises(ValueError, match='other.pkl: sample 2 has label 2'):
        fusion.check_streams_aligned([joint, relabelled])
    wide = fusion.StreamScores('wide.pkl', np.zeros((4, 5)), LABELS)
    with pytest.raises(ValueError, match='wide.pkl scores 5 classes'):
        fusion.check_streams_aligned([joint, wide])

    import mmengine
    mmengine.dump([dict(pred_score=torch.zeros(3))], str(tmp_path / 'x.pkl'))
    with pytest.raises(ValueError, match='sample 0 lacks'):
        fusion.load_stream_scores(str(tmp_path / 'x.pkl'))
    mmengine.dump([
        dict(pred_score=torch.zeros(3), gt_label=torch.tensor([0])),
        dict(pred_score=torch.zeros(4), gt_label=torch.tensor([0]))
    ], str(tmp_path / 'y.pkl'))
    with pytest.raises(ValueError, match='sample 1 has 4 classes'):
        fusion.load_stream_scores(str(tmp_path / 'y.pkl'))


def test_fusion_report(tmp_path):
    other = np.array([
        [0.1, 0.1, 0.8],
        [0.0, 1.0, 0.0],
        [0.9, 0.0, 0.1],
        [0.3, 0.3, 0.4],
    ])
    streams = [
        fusion.load_stream_scores(_dump(tmp_path / 'a.pkl', SCORES, LABELS)),
        fusion.load_stream_scores(_dump(tmp_path / 'b.pkl', other, LABELS)),
    ]
    # Equal weights: [0.8,0.3,0.9] miss, [0.5,1.3,0.2] hit, [1.0,0.6,0.4]
    # hit, [0.5,0.7,0.8] miss (label 1 is second).
    report = fusion.fusion_report(streams, topk=(1, 2))
    assert report == pytest.approx(dict(top1=0.5, top2=1., mean_class=0.5))
    # Weights 3:1 favour the first stream's hit on sample 0.
    report = fusion.fusion_report(streams, (3, 1), topk=(1, ))
    fused = 3 * SCORES + other
    assert report['top1'] == pytest.approx(
        np.mean(fused.argmax(axis=1) == LABELS))
    # Softmax before fusing the probabilities of logit dumps.
    report = fusion.fusion_report(streams, apply_softmax=True, topk=(1, ))
    fused = fusion.softmax(SCORES) + fusion.softmax(other)
    assert report['top1'] == pytest.approx(
        np.mean(fused.argmax(axis=1) == LABELS))
