# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Property-based fuzzing of the losses' pure helpers.

Confusion counts, superclasses, temperatures and the ring-buffer queue
against independent re-statements (Python counters, a ``deque``) on random
sizes, including a single class, empty batches and pushes larger than the
queue. ``derandomize=True`` keeps the run reproducible.
"""
import collections
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

# yapf: disable
from aclnet_mm.models.utils import (anneal_factor, batch_confusion,
                                    build_superclasses, confusion_increment,
                                    interp_temperature, neighbor_overlap,
                                    pool_embedding, ring_buffer_latest,
                                    ring_buffer_push_, step_temperature,
                                    superclass_sizes, topk_neighbors)
from aclnet_mm.structures import SkeletonLayout

# yapf: enable

# The 'aclnet-mm' profile of tests/conftest.py (derandomised, no
# deadline) with more examples: these properties are cheap.
FUZZ = settings(max_examples=50)

EXAMPLES = collections.Counter()


@pytest.fixture(scope='module', autouse=True)
def _report_counts():
    """Print how many examples ran (visible with ``pytest -s``)."""
    yield
    print('\nfuzz examples per property:', dict(EXAMPLES))
    print('fuzz examples in all:', sum(EXAMPLES.values()))


@st.composite
def label_pairs(draw):
    num_classes = draw(st.integers(1, 7))
    classes = st.integers(0, num_classes - 1)
    size = draw(st.integers(0, 10))
    labels = draw(st.lists(classes, min_size=size, max_size=size))
    preds = draw(st.lists(classes, min_size=size, max_size=size))
    return num_classes, labels, preds


@FUZZ
@given(pairs=label_pairs(), faithful=st.booleans())
def test_confusion_counts(pairs, faithful):
    EXAMPLES['confusion'] += 1
    num_classes, labels, preds = pairs
    counts = batch_confusion(
        torch.tensor(labels, dtype=torch.long),
        torch.tensor(preds, dtype=torch.long), num_classes, torch.float64)
    pairs_seen = collections.Counter(zip(labels, preds))
    for (true, pred), times in pairs_seen.items():
        assert counts[true, pred] == times
    assert counts.sum() == len(labels)
    increment = confusion_increment(counts, faithful)
    assert not increment.diagonal().any()
    assert (increment >= 0).all()
    misses = counts - torch.diag(counts.diagonal())
    if faithful:
        per_class = torch.tensor([labels.count(c) for c in range(num_classes)],
                                 dtype=torch.float64)
        expected = misses + per_class[:, None] * misses.t()
    else:
        expected = misses + misses.t()
        assert torch.equal(increment, increment.t())
    assert torch.equal(increment, expected)


@FUZZ
@given(
    num_classes=st.integers(1, 8),
    k=st.integers(-2, 9),
    overlap_thr=st.integers(0, 4),
    faithful=st.booleans(),
    seed=st.integers(0, 2**31),
    zeros=st.floats(0, 1))
def test_superclasses(num_classes, k, overlap_thr, faithful, seed, zeros):
    EXAMPLES['superclass'] += 1
    generator = torch.Generator().manual_seed(seed)
    bank = torch.randint(
        0, 4, (num_classes, num_classes), generator=generator).double()
    bank[torch.rand(bank.shape, generator=generator) < zeros] = 0
    if k < 0:
        with pytest.raises(ValueError, match='k must be >= 0'):
            topk_neighbors(bank, k, faithful)
        return
    neighbors = topk_neighbors(bank, k, faithful)
    rows = neighbors.sum(dim=1)
    if faithful:
        assert (rows == min(k, num_classes)).all()
    else:
        assert (rows <= k).all()
        assert not neighbors.diagonal().any()
        assert not neighbors[bank == 0].any()
    # A neighbour is confused at least as often as any non-neighbour.
    for row in range(num_classes):
        chosen, other = bank[row][neighbors[row]], bank[row][~neighbors[row]]
        if faithful and chosen.numel() and other.numel():
            assert chosen.min() >= other.max()
    overlap = neighbor_overlap(neighbors)
    assert torch.equal(overlap, overlap.t())
    mask = build_superclasses(bank, k, overlap_thr, faithful)
    assert (mask | ~neighbors).all()
    assert torch.equal(superclass_sizes(mask), mask.sum(dim=1).float())


@FUZZ
@given(
    # Quarter steps: knots a denormal apart are not a schedule.
    thresholds=st.lists(
        st.integers(-200, 200).map(lambda q: q / 4),
        min_size=0,
        max_size=4,
        unique=True),
    sizes=st.lists(st.floats(-100, 100), min_size=0, max_size=10),
    data=st.data())
def test_temperatures(thresholds, sizes, data):
    EXAMPLES['temperature'] += 1
    thresholds = sorted(thresholds)
    temperatures = data.draw(
        st.lists(
            st.floats(0.01, 5),
            min_size=len(thresholds) + 1,
            max_size=len(thresholds) + 1))
    sizes_t = torch.tensor(sizes, dtype=torch.float64)
    tau = step_temperature(sizes_t, thresholds, temperatures)
    assert tau.shape == sizes_t.shape
    for size, value in zip(sizes, tau.tolist()):
        bucket = sum(size > thr for thr in thresholds)
        assert value == temperatures[bucket]
    if thresholds:
        knots, values = thresholds, temperatures[:-1]
        tau = interp_temperature(sizes_t, knots, values)
        assert torch.isfinite(tau).all()
        assert (tau >= min(values) - 1e-9).all()
        assert (tau <= max(values) + 1e-9).all()
        at_knots = interp_temperature(
            torch.tensor(knots, dtype=torch.float64), knots, values)
        torch.testing.assert_close(at_knots,
                                   torch.tensor(values, dtype=torch.float64))


@FUZZ
@given(
    progress=st.floats(-2, 3),
    start=st.floats(-10, 10),
    end=st.floats(-10, 10),
    mode=st.sampled_from(['linear', 'cosine']))
def test_anneal_factor(progress, start, end, mode):
    EXAMPLES['anneal'] += 1
    value = anneal_factor(progress, start, end, mode)
    assert math.isfinite(value)
    assert min(start, end) - 1e-9 <= value <= max(start, end) + 1e-9
    if progress <= 0:
        assert value == start
    if progress >= 1:
        assert math.isclose(value, end, abs_tol=1e-9)


@FUZZ
@given(
    size=st.integers(1, 8),
    pushes=st.lists(st.integers(0, 12), min_size=1, max_size=6),
    data=st.data())
def test_ring_buffer_is_a_fifo(size, pushes, data):
    """Against a ``deque(maxlen=size)``: the newest entries, oldest first,
    for any push sizes (larger than the queue included)."""
    EXAMPLES['ring_buffer'] += 1
    feats = torch.zeros(size, 2)
    labels = torch.full((size, ), -1, dtype=torch.long)
    ptr, count = torch.tensor(0), torch.tensor(0)
    reference = collections.deque(maxlen=size)
    next_value = 0
    for num in pushes:
        values = torch.arange(next_value, next_value + num)
        next_value += num
        ring_buffer_push_((feats, labels), ptr, count,
                          (values[:, None].float().repeat(1, 2), values))
        reference.extend(values.tolist())
        assert int(count) == len(reference)
        num_read = data.draw(st.integers(0, len(reference)))
        latest = ring_buffer_latest(labels, ptr, num_read).tolist()
        assert latest == list(reference)[len(reference) - num_read:]
        latest_feats = ring_buffer_latest(feats, ptr, num_read)
        assert latest_feats[:, 0].tolist() == [float(v) for v in latest]


def test_ring_buffer_without_slots_is_rejected():
    # Regression: a 0-slot buffer failed with a bare ZeroDivisionError.
    with pytest.raises(ValueError, match='no slots'):
        ring_buffer_push_((torch.zeros(0, 2), ), torch.tensor(0),
                          torch.tensor(0), (torch.ones(3, 2), ))


@FUZZ
@given(shape=st.tuples(*[st.integers(1, 3)] * 5), seed=st.integers(0, 99))
def test_pool_embedding_is_the_mean(shape, seed):
    EXAMPLES['pool'] += 1
    feature_map = torch.randn(
        shape, generator=torch.Generator().manual_seed(seed))
    pooled = pool_embedding(feature_map)
    assert pooled.shape == (shape[0], shape[2])
    torch.testing.assert_close(pooled, feature_map.mean(dim=(1, 3, 4)))


def _is_tree(num_node, inward, center):
    """Independent check: one parent per joint but the centre, and every
    joint's parent chain reaches the centre without revisiting a joint."""
    if num_node < 1 or not 0 <= center < num_node:
        return False
    parent = {}
    for child, par in inward:
        if not (0 <= child < num_node and 0 <= par < num_node):
            return False
        if child == center or child in parent:
            return False
        parent[child] = par
    for joint in range(num_node):
        seen = set()
        while joint != center:
            if joint in seen or joint not in parent:
                return False
            seen.add(joint)
            joint = parent[joint]
    return True


@st.composite
def layouts(draw):
    """Mostly valid trees, sometimes with one edge corrupted."""
    num_node = draw(st.integers(1, 8))
    order = draw(st.permutations(range(num_node)))
    center = order[0]
    inward = [(order[i], order[draw(st.integers(0, i - 1))])
              for i in range(1, num_node)]
    corrupt = draw(
        st.sampled_from(['none', 'retarget', 'drop', 'add', 'center']))
    if corrupt == 'retarget' and inward:
        index = draw(st.integers(0, len(inward) - 1))
        inward[index] = (inward[index][0], draw(st.integers(-1, num_node)))
    elif corrupt == 'drop' and inward:
        inward.pop(draw(st.integers(0, len(inward) - 1)))
    elif corrupt == 'add':
        inward.append((draw(st.integers(0, num_node - 1)),
                       draw(st.integers(0, num_node - 1))))
    elif corrupt == 'center':
        center = draw(st.integers(-1, num_node))
    joints = list(range(num_node))
    draw(st.randoms(use_true_random=False)).shuffle(joints)
    pairs = [(joints[i], joints[i + 1])
             for i in range(0,
                            draw(st.integers(0, num_node // 2)) * 2, 2)]
    if draw(st.booleans()) and pairs:
        # Overlapping or self pairs: not a flip.
        pairs.append((pairs[0][0], draw(st.integers(-1, num_node))))
    return num_node, inward, center, pairs


@FUZZ
@given(layout=layouts())
def test_layouts_accept_exactly_trees(layout):
    """A layout is accepted if and only if its edges form a tree rooted at
    the centre and its flip pairs are disjoint; else a ValueError."""
    EXAMPLES['layout'] += 1
    num_node, inward, center, pairs = layout
    flat = [joint for pair in pairs for joint in pair]
    good_pairs = (
        all(0 <= j < num_node for j in flat) and len(set(flat)) == len(flat))
    try:
        skeleton = SkeletonLayout(
            'fuzz', num_node, tuple(inward), center, flip_pairs=tuple(pairs))
    except ValueError as error:
        assert "layout 'fuzz'" in str(error)
        assert not (_is_tree(num_node, inward, center) and good_pairs)
        EXAMPLES['layout (rejected)'] += 1
        return
    assert _is_tree(num_node, inward, center) and good_pairs
    parents = skeleton.parents
    assert parents[center] == center
    assert (skeleton.ancestors(num_node) == center).all()


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_node=3, inward=((1, 2), (2, 1)), center=0), 'cycle'),
    (dict(num_node=3, inward=((1, 0), (2, 0)), center=-1), 'center -1'),
    (dict(
        num_node=3, inward=((1, 0), (2, 0)), center=0,
        flip_pairs=((1, 5), )), 'flip_pairs'),
    (dict(
        num_node=3,
        inward=((1, 0), (2, 0)),
        center=0,
        flip_pairs=((1, 2), (2, 0))), 'flip_pairs'),
])
def test_layout_regressions(kwargs, match):
    # Each was accepted before (a cycle, a wrapped centre, a flip that is
    # no involution) or failed later with an IndexError.
    with pytest.raises(ValueError, match=match):
        SkeletonLayout('bad', **kwargs)
