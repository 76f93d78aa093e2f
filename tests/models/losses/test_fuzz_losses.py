# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Property-based fuzzing of the contrastive losses.

Random batch sizes (1 included), feature sizes and magnitudes, labels (all
one class, all distinct, random), classifier logits, hyper-parameters and
dtypes (float32 / float64 modules): the loss is a finite 0-d tensor and
every gradient is finite; NaN / inf features raise nothing. Several steps
run on one module, so the queue and the prototype / superclass state see
varied histories. ``derandomize=True`` keeps the run reproducible.
"""
import collections

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from aclnet_mm.models.losses import (AffinityContrastiveLoss, InfoNCELoss,
                                     MarginContrastiveLoss, info_nce_logits)

# The 'aclnet-mm' profile of tests/conftest.py: derandomised, no deadline,
# 40 examples per property.
FUZZ = settings()

EXAMPLES = collections.Counter()
DTYPES = (torch.float32, torch.float64)


@pytest.fixture(scope='module', autouse=True)
def _report_counts():
    """Print how many examples ran (visible with ``pytest -s``)."""
    yield
    print('\nfuzz examples per property:', dict(EXAMPLES))
    print('fuzz examples in all:', sum(EXAMPLES.values()))


@st.composite
def batches(draw, num_classes, in_channels, dtype):
    """Features, labels and logits of one batch."""
    size = draw(st.integers(1, 6))
    generator = torch.Generator().manual_seed(draw(st.integers(0, 2**31)))
    scale = draw(st.sampled_from([0., 1e-4, 1., 1e3]))
    feats = torch.randn(
        size, in_channels, generator=generator, dtype=dtype) * scale
    kind = draw(st.sampled_from(['random', 'one class', 'distinct']))
    if kind == 'one class':
        labels = torch.full((size, ), draw(st.integers(0, num_classes - 1)))
    elif kind == 'distinct' and size <= num_classes:
        labels = torch.randperm(num_classes, generator=generator)[:size]
    else:
        labels = torch.randint(num_classes, (size, ), generator=generator)
    logits = torch.randn(size, num_classes, generator=generator, dtype=dtype)
    if draw(st.booleans()):
        # A perfect classifier: every sample is a true positive.
        logits = logits + 100 * torch.nn.functional.one_hot(
            labels, num_classes).to(dtype)
    return feats.requires_grad_(), labels, logits


def _check_finite_step(module, loss, feats):
    assert loss.dim() == 0
    assert torch.isfinite(loss), loss
    module.zero_grad()
    feats.grad = None
    loss.backward()
    for name, param in module.named_parameters():
        assert param.grad is None or torch.isfinite(param.grad).all(), name
    assert feats.grad is None or torch.isfinite(feats.grad).all()


@FUZZ
@given(
    data=st.data(),
    num_classes=st.integers(2, 8),
    in_channels=st.integers(1, 6),
    proj_channels=st.integers(1, 6),
    momentum=st.floats(0, 1),
    faithful=st.booleans(),
    dtype=st.sampled_from(DTYPES),
    steps=st.integers(1, 4))
def test_affinity_loss_finite(data, num_classes, in_channels, proj_channels,
                              momentum, faithful, dtype, steps):
    EXAMPLES['affinity'] += 1
    num_neighbors = data.draw(st.integers(1, num_classes - 1))
    torch.manual_seed(0)
    module = AffinityContrastiveLoss(
        num_classes,
        in_channels,
        proj_channels,
        momentum=momentum,
        num_neighbors=num_neighbors,
        overlap_thr=data.draw(st.integers(0, 4)),
        size_thresholds=(2, 4),
        temperatures=data.draw(
            st.lists(st.floats(0.05, 2), min_size=3, max_size=3)),
        faithful=faithful).to(dtype)
    for step in range(steps):
        stats, active = data.draw(st.tuples(st.booleans(), st.booleans()))
        module.set_phase(stats, active)
        if data.draw(st.booleans()):
            module.request_refresh()
        feats, labels, logits = data.draw(
            batches(num_classes, in_channels, dtype))
        loss = module(feats, labels, logits)
        _check_finite_step(module, loss, feats)
        if not active:
            assert loss.item() == 0
        elif not faithful:
            # Cross-entropy over a candidate set that holds the label.
            assert loss.item() >= -1e-6
        assert torch.isfinite(module.prototypes).all()
        assert torch.isfinite(module.class_tau).all()
        assert (module.class_tau > 0).all()
        assert (module.confusion >= 0).all()
        assert not module.confusion.diagonal().any()


@FUZZ
@given(
    data=st.data(),
    num_classes=st.integers(2, 6),
    in_channels=st.integers(1, 6),
    proj_channels=st.integers(1, 6),
    queue_size=st.integers(1, 12),
    temperature=st.floats(0.02, 2),
    margin=st.floats(0, 2),
    faithful=st.booleans(),
    dtype=st.sampled_from(DTYPES),
    steps=st.integers(1, 5))
def test_margin_loss_finite(data, num_classes, in_channels, proj_channels,
                            queue_size, temperature, margin, faithful, dtype,
                            steps):
    EXAMPLES['margin'] += 1
    torch.manual_seed(0)
    module = MarginContrastiveLoss(in_channels, proj_channels, queue_size,
                                   temperature, margin, faithful).to(dtype)
    for _ in range(steps):
        feats, labels, _ = data.draw(batches(num_classes, in_channels, dtype))
        loss = module(feats, labels)
        _check_finite_step(module, loss, feats)
        assert loss.dtype == dtype
        # Each positive pair costs at least -margin (faithful: up to the
        # 1e-6 inside the log).
        assert loss.item() >= -margin - 1e-3
        assert int(module.queue_count) <= queue_size
        assert torch.isfinite(module.queue_feats).all()


@FUZZ
@given(
    batch=st.integers(1, 6),
    dim=st.integers(1, 8),
    num_negatives=st.integers(0, 8),
    temperature=st.floats(0.01, 2),
    normalize=st.booleans(),
    scale=st.sampled_from([0., 1e-4, 1., 1e2]),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**31))
def test_info_nce_finite(batch, dim, num_negatives, temperature, normalize,
                         scale, dtype, seed):
    EXAMPLES['info_nce'] += 1
    generator = torch.Generator().manual_seed(seed)
    query = (torch.randn(batch, dim, generator=generator, dtype=dtype) *
             scale).requires_grad_()
    key = torch.randn(batch, dim, generator=generator, dtype=dtype) * scale
    negatives = torch.randn(
        num_negatives, dim, generator=generator, dtype=dtype) * scale
    logits = info_nce_logits(query, key, negatives, temperature, normalize)
    assert logits.shape == (batch, 1 + num_negatives)
    loss = InfoNCELoss(temperature, normalize)(query, key, negatives)
    assert loss.dim() == 0 and loss.dtype == dtype
    assert torch.isfinite(loss)
    # Cross-entropy of 1 + K candidates: in [0, inf), 0 without negatives.
    assert loss.item() >= 0
    if num_negatives == 0:
        assert loss.item() == 0
    loss.backward()
    assert torch.isfinite(query.grad).all()


@FUZZ
@given(
    data=st.data(),
    which=st.sampled_from(['affinity', 'margin', 'info_nce']),
    bad=st.sampled_from([float('nan'),
                         float('inf'), -float('inf')]))
def test_losses_non_finite_features_do_not_raise(data, which, bad):
    """Non-finite features give a non-finite (or finite) loss, never an
    exception: the optimizer wrapper decides what to do with it."""
    EXAMPLES['non_finite'] += 1
    torch.manual_seed(0)
    feats, labels, logits = data.draw(batches(4, 3, torch.float32))
    feats = feats.detach().clone()
    feats.view(-1)[data.draw(st.integers(0, feats.numel() - 1))] = bad
    if which == 'affinity':
        module = AffinityContrastiveLoss(4, 3, 5, num_neighbors=2)
        module.set_phase(True, True)
        loss = module(feats, labels, logits)
    elif which == 'margin':
        loss = MarginContrastiveLoss(3, 5, queue_size=2)(feats, labels)
    else:
        loss = InfoNCELoss()(feats, feats, feats)
    assert loss.dim() == 0


@pytest.mark.parametrize('temperature', [0., -0.1])
def test_info_nce_rejects_non_positive_temperature(temperature):
    with pytest.raises(ValueError, match='temperature must be positive'):
        InfoNCELoss(temperature)


# Regressions: a zero temperature divided the logits by zero (inf / NaN
# losses) instead of being rejected like InfoNCELoss's.
@pytest.mark.parametrize('temperature', [0., -0.1])
def test_margin_loss_rejects_non_positive_temperature(temperature):
    with pytest.raises(ValueError, match='temperature must be positive'):
        MarginContrastiveLoss(4, temperature=temperature)


@pytest.mark.parametrize('temperatures', [(0., 0.5, 1.), (0.1, -1., 1.)])
def test_affinity_loss_rejects_non_positive_temperatures(temperatures):
    with pytest.raises(ValueError, match='temperatures must be positive'):
        AffinityContrastiveLoss(12, 4, temperatures=temperatures)
