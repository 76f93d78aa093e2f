# Copyright (c) aclnet-mm contributors. All rights reserved.
"""k-NN accuracy: hand-computed votes and the metric's bank/query split."""
import pytest
import torch
from mmaction.structures import ActionDataSample

from aclnet_mm.evaluation.metrics import KNNAccuracy, knn_predict


def test_knn_predict_weighted_vote():
    bank = torch.tensor([[1., 0.], [0.9, 0.1], [0., 1.], [0.1, 1.]])
    labels = torch.tensor([0, 0, 1, 1])
    queries = torch.tensor([[1., 0.05], [0.05, 1.], [1., 1.02]])
    assert knn_predict(bank, labels, queries, 1, 2, 0.1).tolist() == [0, 1, 1]
    # k = 4 with a high temperature: near-equal votes of both classes, the
    # closer pair wins.
    assert knn_predict(bank, labels, queries, 4, 2, 10.).tolist() == [0, 1, 1]


def _sample(feat, label, bank):
    sample = ActionDataSample().set_gt_label(label)
    sample.set_metainfo(dict(knn_bank=bank))
    sample.feature = torch.tensor(feat)
    return sample.to_dict()


def test_metric_uses_flagged_bank():
    metric = KNNAccuracy(topk=(1, 3))
    samples = [
        _sample([1., 0.], 0, True),
        _sample([0., 1.], 1, True),
        _sample([0.2, 1.], 1, True),
        _sample([1., 0.1], 0, False),
        _sample([0.1, 1.], 0, False),  # wrong on purpose
    ]
    metric.process(None, samples)
    result = metric.evaluate(len(samples))
    assert result == {'knn/top1_k1': 0.5, 'knn/top1_k3': 0.5}


def test_metric_needs_both_roles():
    metric = KNNAccuracy()
    metric.process(None, [_sample([1., 0.], 0, True)])
    with pytest.raises(ValueError):
        metric.evaluate(1)


def test_temperature_decides_one_close_against_two_far():
    # Cosine similarities to the query: 1 (class 0) and 0.6, 0.6 (class 1).
    # Votes exp(s / T): class 0 wins when exp(0.4 / T) > 2, i.e. only for
    # T < 0.4 / ln 2 = 0.577.
    bank = torch.tensor([[1., 0.], [0.6, 0.8], [0.6, -0.8]])
    labels = torch.tensor([0, 1, 1])
    query = torch.tensor([[2., 0.]])
    assert knn_predict(bank, labels, query, 3, 2, 0.07).tolist() == [0]
    assert knn_predict(bank, labels, query, 3, 2, 0.5).tolist() == [0]
    assert knn_predict(bank, labels, query, 3, 2, 0.7).tolist() == [1]
    assert knn_predict(bank, labels, query, 3, 2, 10.).tolist() == [1]
    # Through the metric, at its default temperature 0.07 and at 1.
    samples = [
        _sample([1., 0.], 0, True),
        _sample([0.6, 0.8], 1, True),
        _sample([0.6, -0.8], 1, True),
        _sample([2., 0.], 0, False),
    ]
    for temperature, accuracy in ((0.07, 1.), (1., 0.)):
        metric = KNNAccuracy(topk=(3, ), temperature=temperature)
        metric.process(None, samples)
        assert metric.evaluate(4) == {'knn/top1_k3': accuracy}
