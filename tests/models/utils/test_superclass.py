# Copyright (c) aclnet-mm contributors. All rights reserved.
import pytest
import torch

from aclnet_mm.models.utils import (build_superclasses, neighbor_overlap,
                                    superclass_mask, superclass_sizes,
                                    topk_neighbors)


def _reference_superclasses(bank, k, overlap_thr, faithful):
    """Loop re-statement of the reference superclass construction."""
    num_classes = len(bank)
    neighbors = []
    for i in range(num_classes):
        # sorted() is stable: equal counts keep the lower index first.
        order = sorted(range(num_classes), key=lambda j: -bank[i][j])[:k]
        if not faithful:
            order = [j for j in order if j != i and bank[i][j] > 0]
        neighbors.append(set(order))
    groups = []
    for i in range(num_classes):
        group = set(neighbors[i])
        for j in range(num_classes):
            if j != i and len(neighbors[i] & neighbors[j]) > overlap_thr - 1:
                group.add(j)
        groups.append(sorted(group))
    return neighbors, groups


def _to_mask(sets, num_classes):
    mask = torch.zeros(num_classes, num_classes, dtype=torch.bool)
    for i, members in enumerate(sets):
        mask[i, list(members)] = True
    return mask


def test_hand_computed_k1():
    bank = torch.tensor([[0., 3., 2.], [2., 0., 0.], [1., 0., 0.]])
    neighbors = topk_neighbors(bank, 1)
    assert neighbors.tolist() == [[False, True, False], [True, False, False],
                                  [True, False, False]]
    assert neighbor_overlap(neighbors).tolist() == [[1., 0., 0.], [0., 1., 1.],
                                                    [0., 1., 1.]]
    # Classes 1 and 2 share neighbour 0, so each joins the other's group.
    mask = superclass_mask(neighbors, 1)
    assert mask.tolist() == [[False, True, False], [True, False, True],
                             [True, True, False]]
    assert superclass_sizes(mask).tolist() == [1., 2., 2.]


def test_hand_computed_zero_fill_and_self():
    bank = torch.tensor([[0., 0., 0.], [5., 0., 0.], [0., 0., 0.]])
    # Faithful: zero counts fill the list, lowest index first, so class 1
    # is its own neighbour and the all-zero rows pick {0, 1}.
    faithful = topk_neighbors(bank, 2, faithful=True)
    assert faithful.tolist() == [[True, True, False], [True, True, False],
                                 [True, True, False]]
    # Every pair shares both neighbours; class 2 is not its own neighbour
    # and the overlap rule never adds a class to itself.
    mask = superclass_mask(faithful, 2)
    assert mask.tolist() == [[True, True, True], [True, True, True],
                             [True, True, False]]
    assert superclass_sizes(mask).tolist() == [3., 3., 2.]
    # Clean: only real confusers, never the class itself.
    clean = topk_neighbors(bank, 2, faithful=False)
    assert clean.tolist() == [[False, False, False], [True, False, False],
                              [False, False, False]]
    mask = superclass_mask(clean, 2)
    assert superclass_sizes(mask).tolist() == [0., 1., 0.]


@pytest.mark.parametrize('faithful', [True, False])
@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_matches_loop(faithful, seed):
    gen = torch.Generator().manual_seed(seed)
    num_classes, k, thr = 15, 4, 2
    # Small integer counts give many ties and zero rows.
    bank = torch.randint(0, 4, (num_classes, num_classes), generator=gen)
    bank = bank * (torch.rand(num_classes, num_classes, generator=gen) < 0.4)
    bank = bank.double().fill_diagonal_(0)
    bank[seed] = 0
    neighbors, groups = _reference_superclasses(bank.tolist(), k, thr,
                                                faithful)
    got_neighbors = topk_neighbors(bank, k, faithful)
    assert torch.equal(got_neighbors, _to_mask(neighbors, num_classes))
    expected_overlap = torch.tensor([[len(a & b) for b in neighbors]
                                     for a in neighbors]).float()
    assert torch.equal(neighbor_overlap(got_neighbors), expected_overlap)
    mask = build_superclasses(bank, k, thr, faithful)
    assert torch.equal(mask, _to_mask(groups, num_classes))
    assert superclass_sizes(mask).tolist() == [float(len(g)) for g in groups]
    if faithful:
        assert got_neighbors.sum(1).eq(k).all()
    else:
        assert not mask.diagonal().any()


@pytest.mark.parametrize('num_classes', [60, 120])
@pytest.mark.parametrize('faithful', [True, False])
def test_ties_at_full_size_match_loop(num_classes, faithful):
    # CPU sorts of up to 16 entries happen to be stable even when not asked
    # to be; at 60 and 120 classes an unstable sort reorders ties, so this
    # pins the stable order (the reference's default, k = 10, threshold 5).
    gen = torch.Generator().manual_seed(num_classes)
    bank = torch.randint(0, 3, (num_classes, num_classes), generator=gen)
    bank = bank.double()
    neighbors, groups = _reference_superclasses(bank.tolist(), 10, 5, faithful)
    assert torch.equal(
        topk_neighbors(bank, 10, faithful), _to_mask(neighbors, num_classes))
    assert torch.equal(
        build_superclasses(bank, 10, 5, faithful),
        _to_mask(groups, num_classes))
