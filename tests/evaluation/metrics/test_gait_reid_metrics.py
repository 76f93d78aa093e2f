# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
import torch

from aclnet_mm.evaluation.metrics import (GaitRank1Metric, ReIDMetric,
                                          format_gait_table)


def test_gait_metric_from_data_samples():
    metric = GaitRank1Metric(views=(0, 90), per_view_keys=True)
    samples = []
    for s in range(3):
        for cond, seqs in (('nm', range(1,
                                        7)), ('bg', (1, 2)), ('cl', (1, 2))):
            for q in seqs:
                for v in (0, 90):
                    samples.append(
                        dict(
                            embedding=torch.eye(3)[s],
                            subject=s + 1,
                            cond=cond,
                            seq=q,
                            view=v))
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert out['NM'] == out['BG'] == out['CL'] == out['mean'] == 100.0
    assert out['CL_090'] == 100.0
    with pytest.raises(KeyError, match='meta_keys'):
        metric.process(None, [dict(embedding=torch.ones(3), subject=1)])


def test_gait_table_regression_fixture():
    # GaitGraph's README, NM#5-6 per probe view; its mean is 87.7.
    values = [85.3, 88.5, 91.0, 92.5, 87.2, 86.5, 88.4, 89.2, 87.9, 85.9, 81.9]
    table = format_gait_table(
        {'NM': torch.tensor(values).double().numpy() / 100},
        tuple(range(0, 181, 18)))
    header, row = table.splitlines()
    assert header.split()[1:12] == [str(v) for v in range(0, 181, 18)]
    assert row.split() == ['NM'] + [f'{v:.1f}' for v in values] + ['87.7']


def test_reid_metric_settings():
    metric = ReIDMetric(topk=(1, ))
    samples = []
    for cond in ('nm', 'bg', 'cl'):
        for s in range(3):
            for _ in range(2):
                samples.append(
                    dict(embedding=torch.eye(3)[s], subject=s, cond=cond))
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert set(out) == {
        f'{n}_{k}'
        for n in ('N-N', 'B-B', 'C-C', 'C-N', 'B-N')
        for k in ('rank1', 'mAP')
    }
    assert all(v == 100.0 for v in out.values())
    batched = ReIDMetric(
        settings=(('N-N', 'nm', 'nm'), ), compat=True, compat_batch_size=4)
    batched.process(None, samples)
    assert batched._pool(batched.results, 'nm') == batched.results[:4]
