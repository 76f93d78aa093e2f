# Copyright (c) aclnet-mm contributors. All rights reserved.

import numpy as np
import pytest
import torch

from aclnet_mm.evaluation.functional import (average_precision, gait_rank1,
                                             pairwise_distance, reid_rank_map)

VIEWS = tuple(range(0, 181, 18))
CONDS = (('nm', (1, 2, 3, 4, 5, 6)), ('bg', (1, 2)), ('cl', (1, 2)))


def casia_rows(num_subjects, views=VIEWS):
    """(subject, cond, seq, view) of a complete CASIA-B-shaped test set."""
    return [(s, c, q, v) for s in range(num_subjects) for c, seqs in CONDS
            for q in seqs for v in views]


def run(feats, rows, **kwargs):
    s, c, q, v = zip(*rows)
    return gait_rank1(torch.as_tensor(feats), s, c, q, v, **kwargs)


def is_probe(cond, seq):
    return cond != 'nm' or seq > 4


def test_one_hot_embeddings_give_100():
    rows = casia_rows(5)
    feats = torch.eye(5)[[r[0] for r in rows]]
    for metric in ('euclidean', 'euclidean_normalized', 'cosine'):
        out = run(feats, rows, metric=metric)
        assert out['rank1'] == dict(NM=1.0, BG=1.0, CL=1.0)
        np.testing.assert_array_equal(out['accuracy']['BG'], np.ones((11, 11)))


def test_view_diagonal_only_matches_give_zero_not_9_1():
    # Gallery (s, g) is the one-hot e(s, g). A probe (s, p) is e(s, p) plus
    # half of e(s + 1, g) for every other view g, so at its own view its
    # nearest gallery entry is its subject and at any other view s + 1.
    num = 4
    rows = casia_rows(num)

    def onehot(s, v):
        return torch.eye(num * 11)[s * 11 + VIEWS.index(v)]

    feats = []
    for s, c, q, v in rows:
        feat = onehot(s, v)
        if is_probe(c, q):
            for g in VIEWS:
                if g != v:
                    feat = feat + 0.5 * onehot((s + 1) % num, g)
        feats.append(feat)
    feats = torch.stack(feats)
    out = run(feats, rows)
    assert out['rank1'] == dict(NM=0.0, BG=0.0, CL=0.0)
    np.testing.assert_array_equal(out['accuracy']['NM'], np.eye(11))
    included = run(feats, rows, exclude_identical_view=False)
    assert round(100 * included['rank1']['CL'], 1) == 9.1


def two_view_toy():
    # Subjects 0 (A), 1 (B); views 0, 90; gallery nm-01, probes nm-05.
    gallery = {(0, 0): 0., (1, 0): 10., (0, 90): 20., (1, 90): 30.}
    probes = {(0, 0): 14., (1, 0): 9., (0, 90): 26., (1, 90): 24.}
    rows, feats = [], []
    for (s, v), x in gallery.items():
        rows.append((s, 'nm', 1, v))
        feats.append([x])
    for (s, v), x in probes.items():
        rows.append((s, 'nm', 5, v))
        feats.append([x])
    return rows, torch.tensor(feats)


def test_two_view_toy_by_hand():
    rows, feats = two_view_toy()
    kwargs = dict(
        view_list=(0, 90), probes=(('NM', 'nm', (5, )), ), metric='euclidean')
    out = run(feats, rows, **kwargs)
    # Probe A@0 (14): g0 {A 14, B 4} -> B miss; g90 {A 6, B 16} -> A hit.
    # Probe B@0 (9): g0 {A 9, B 1} -> B hit; g90 {A 11, B 21} -> A miss.
    # Probe A@90 (26): g0 {A 26, B 16} -> B miss; g90 {A 6, B 4} -> B miss.
    # Probe B@90 (24): g0 {A 24, B 14} -> B hit; g90 {A 4, B 6} -> A miss.
    np.testing.assert_array_equal(out['accuracy']['NM'],
                                  [[0.5, 0.5], [0.5, 0.0]])
    np.testing.assert_array_equal(out['per_view']['NM'], [0.5, 0.5])
    assert out['rank1']['NM'] == 0.5
    included = run(feats, rows, exclude_identical_view=False, **kwargs)
    assert included['rank1']['NM'] == pytest.approx(0.375)


def test_missing_gallery_subject_is_a_miss():
    rows = [
        r for r in casia_rows(2, views=(0, 90))
        if not (r[0] == 1 and r[1] == 'nm' and r[2] <= 4 and r[3] == 90)
    ]
    feats = torch.eye(2)[[r[0] for r in rows]]
    out = run(feats, rows, view_list=(0, 90))
    # Subject 1's probes find only subject 0 at gallery view 90.
    np.testing.assert_array_equal(out['accuracy']['NM'], [[1, .5], [1, .5]])
    assert out['rank1']['NM'] == pytest.approx(0.75)
    # A gallery view with nobody at all: every probe misses there.
    rows = [r for r in rows if not (r[1] == 'nm' and r[2] <= 4 and r[3] == 90)]
    feats = torch.eye(2)[[r[0] for r in rows]]
    out = run(feats, rows, view_list=(0, 90))
    np.testing.assert_array_equal(out['accuracy']['BG'], [[1, 0], [1, 0]])


def test_input_order_does_not_matter():
    rows = casia_rows(4, views=(0, 54, 90))
    gen = torch.Generator().manual_seed(0)
    # Coarse values so that many distances tie.
    feats = torch.randint(0, 3, (len(rows), 3), generator=gen).float()
    kwargs = dict(view_list=(0, 54, 90), metric='euclidean')
    ref = run(feats, rows, **kwargs)
    perm = torch.randperm(len(rows), generator=gen)
    out = run(feats[perm], [rows[i] for i in perm], **kwargs)
    for name in ('NM', 'BG', 'CL'):
        np.testing.assert_array_equal(out['accuracy'][name],
                                      ref['accuracy'][name])


def test_gait_rank1_matches_a_loop():
    views = (0, 90, 180)
    rows = casia_rows(3, views=views)
    feats = torch.randn(
        len(rows), 4, generator=torch.Generator().manual_seed(1))
    out = run(feats, rows, view_list=views, metric='cosine')
    gallery = sorted(
        (i for i, r in enumerate(rows) if r[1] == 'nm' and r[2] <= 4),
        key=lambda i: (rows[i][0], rows[i][2], rows[i][3]))
    for name, cond, seqs in (('NM', 'nm', (5, 6)), ('BG', 'bg', (1, 2))):
        for pi, p in enumerate(views):
            for gi, g in enumerate(views):
                probes = [
                    i for i, r in enumerate(rows)
                    if r[1] == cond and r[2] in seqs and r[3] == p
                ]
                hits = 0
                for i in probes:
                    cands = [j for j in gallery if rows[j][3] == g]
                    d = [
                        1 - torch.cosine_similarity(feats[i], feats[j], 0)
                        for j in cands
                    ]
                    hits += rows[cands[int(np.argmin(d))]][0] == rows[i][0]
                assert out['accuracy'][name][pi, gi] == pytest.approx(
                    hits / len(probes))


def test_pairwise_distance_metrics():
    a = torch.tensor([[3., 4.], [1., 0.]])
    b = torch.tensor([[0., 2.]])
    torch.testing.assert_close(
        pairwise_distance(a, b, 'euclidean'),
        torch.tensor([[13.**.5], [5.**.5]], dtype=torch.double))
    torch.testing.assert_close(
        pairwise_distance(a, b, 'cosine'),
        torch.tensor([[0.2], [1.0]], dtype=torch.double))
    torch.testing.assert_close(
        pairwise_distance(a, b, 'euclidean_normalized'),
        torch.tensor([[0.4**.5], [2**.5]], dtype=torch.double))
    with pytest.raises(ValueError):
        pairwise_distance(a, b, 'manhattan')


def brute_ap(labels_true, dists):
    """AP as the mean precision at each positive, no ties."""
    order = sorted(range(len(dists)), key=lambda j: dists[j])
    hits, precisions = 0, []
    for rank, j in enumerate(order, start=1):
        if labels_true[j]:
            hits += 1
            precisions.append(hits / rank)
    return sum(precisions) / len(precisions) if precisions else float('nan')


def test_cross_mode_ap_against_a_3x4_toy():
    probe = torch.tensor([[0.], [10.], [4.]])
    gallery = torch.tensor([[1.], [9.], [3.], [12.]])
    plabels, glabels = [0, 1, 2], [0, 1, 0, 0]
    out = reid_rank_map(probe, plabels, gallery, glabels, topk=(1, 2))
    # Probe 0 (0): ranking 1, 3, 9, 12 -> labels 0,0,1,0: AP (1+1+3/4)/3.
    # Probe 1 (10): ranking 9, 12, 3, 1 -> labels 1,0,0,0: AP 1.
    # Probe 2 has no positive and is left out of the mAP.
    assert out['mAP'] == pytest.approx(((1 + 1 + 0.75) / 3 + 1) / 2)
    assert out['rank1'] == pytest.approx(2 / 3)
    assert out['rank2'] == pytest.approx(2 / 3)
    d = pairwise_distance(probe, gallery, 'euclidean')
    for i in range(2):
        mask = [g == plabels[i] for g in glabels]
        assert average_precision(torch.tensor([mask]),
                                 d[i:i + 1]).item() == pytest.approx(
                                     brute_ap(mask, d[i].tolist()))


def test_average_precision_ties_as_sklearn():
    # Sklearn's step-wise AP with tied scores, restated by thresholds.
    def sklearn_ap(y, score):
        ap, prev = 0., 0.
        for t in sorted(set(score), reverse=True):
            sel = [i for i in range(len(y)) if score[i] >= t]
            tp = sum(y[i] for i in sel)
            ap += (tp / sum(y) - prev) * tp / len(sel)
            prev = tp / sum(y)
        return ap

    gen = torch.Generator().manual_seed(2)
    dist = torch.randint(0, 3, (50, 6), generator=gen).double()
    matches = torch.rand(50, 6, generator=gen) < 0.4
    ap = average_precision(matches, dist)
    for i in range(50):
        if matches[i].any():
            assert ap[i].item() == pytest.approx(
                sklearn_ap(matches[i].tolist(), (-dist[i]).tolist()))
        else:
            assert ap[i].isnan()


def test_same_mode_never_counts_the_self_index():
    # All embeddings equal: every position ties, "position 0" is ambiguous.
    feats = torch.zeros(4, 2)
    out = reid_rank_map(feats, [0, 1, 2, 3], feats, [0, 1, 2, 3], same=True)
    assert out['rank1'] == 0 and out['rank10'] == 0
    assert np.isnan(out['mAP'])
    # The reference skips ranked position 0, which is probe 0's own entry
    # only: probe 1 then finds itself at position 1.
    compat = reid_rank_map(
        feats, [0, 1, 2, 3], feats, [0, 1, 2, 3], same=True, compat=True)
    assert compat['rank1'] == pytest.approx(1 / 4)


def test_same_mode_clean_matches_a_loop():
    gen = torch.Generator().manual_seed(3)
    feats = torch.randn(12, 3, generator=gen)
    labels = [i % 4 for i in range(12)]
    out = reid_rank_map(feats, labels, feats, labels, same=True, topk=(1, 3))
    d = pairwise_distance(feats, feats, 'euclidean')
    r1 = r3 = 0
    aps = []
    for i in range(12):
        others = [j for j in range(12) if j != i]
        order = sorted(others, key=lambda j: d[i, j].item())
        r1 += labels[order[0]] == labels[i]
        r3 += any(labels[j] == labels[i] for j in order[:3])
        aps.append(
            brute_ap([labels[j] == labels[i] for j in others],
                     [d[i, j].item() for j in others]))
    assert out['rank1'] == pytest.approx(r1 / 12)
    assert out['rank3'] == pytest.approx(r3 / 12)
    assert out['mAP'] == pytest.approx(np.mean(aps))


def test_compat_and_clean_differ_only_in_self_handling():
    gen = torch.Generator().manual_seed(4)
    probe, gallery = torch.randn(
        6, 3, generator=gen), torch.randn(
            9, 3, generator=gen)
    plabels, glabels = [0, 1, 2, 0, 1, 2], [0, 1, 2] * 3
    assert reid_rank_map(probe, plabels, gallery, glabels) == reid_rank_map(
        probe, plabels, gallery, glabels, compat=True)
    # Same pool with distinct embeddings: the self is uniquely at rank 0, so
    # rank-k agree; the mAP differs by the self-match and probe 0.
    feats = torch.randn(9, 3, generator=gen)
    labels = [0, 1, 2] * 3
    clean = reid_rank_map(feats, labels, feats, labels, same=True)
    compat = reid_rank_map(
        feats, labels, feats, labels, same=True, compat=True)
    for k in (1, 5, 10):
        assert clean[f'rank{k}'] == compat[f'rank{k}']
    d = pairwise_distance(feats, feats, 'euclidean')
    aps = [
        brute_ap([lab == labels[i] for lab in labels], d[i].tolist())
        for i in range(1, 9)
    ]
    assert compat['mAP'] == pytest.approx(np.mean(aps))
    assert compat['mAP'] > clean['mAP']


@pytest.mark.parametrize('same', [False, True])
def test_reid_order_invariant_without_ties(same):
    gen = torch.Generator().manual_seed(5)
    feats = torch.randn(10, 4, generator=gen)
    labels = torch.tensor([0, 1, 2, 3, 4] * 2)
    gallery = feats if same else torch.randn(7, 4, generator=gen)
    glabels = labels if same else torch.tensor([0, 1, 2, 3, 4, 0, 1])
    ref = reid_rank_map(feats, labels, gallery, glabels, same=same)
    perm = torch.randperm(10, generator=gen)
    if same:
        out = reid_rank_map(
            feats[perm], labels[perm], feats[perm], labels[perm], same=True)
    else:
        out = reid_rank_map(feats[perm], labels[perm], gallery, glabels)
    assert out == pytest.approx(ref)
