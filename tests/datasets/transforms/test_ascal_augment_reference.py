# Copyright (c) aclnet-mm contributors. All rights reserved.
"""AS-CAL's augmentations against re-statements of the reference's
(LZU-SIAT/AS-CAL ``feeders/tools.py``): with Python's ``random`` and numpy's
global RNG seeded alike, each transform draws the same numbers in the same
order and gives the same output.

The re-statements work as the reference does, on one ``(C, T, V, M)``
float64 sample, drawing from the global ``random`` / ``np.random``; ours
work on ``(M, T, V, C)`` and use the global sources too (``seed=None``,
what the dataloader workers use)."""
import math
import random

import numpy as np
import pytest

from aclnet_mm.datasets.transforms import (SkeletonAxisMask,
                                           SkeletonAxisRotate,
                                           SkeletonGaussianNoise,
                                           SkeletonJointMask, SkeletonReverse,
                                           SkeletonShear, SkeletonTemporalBlur,
                                           SkeletonTwoView)


def _flip(x):
    """``RandomHorizontalFlip``: reverse time when random.random() < 0.5."""
    if random.random() < 0.5:
        return x[:, ::-1]
    return x.copy()


def _points(x, matrix):
    """``p -> matrix @ p`` for every point of a (C, T, V, M) array."""
    c, t, v, m = x.shape
    out = np.empty_like(x)
    for i in range(c):
        out[i] = sum(matrix[i][j] * x[j] for j in range(c))
    return out


def _shear(x):
    """``Shear``: s1 = 3 uniforms, s2 = 3 uniforms, then
    [[1, s1_0, s2_0], [s1_1, 1, s2_1], [s1_2, s2_2, 1]]."""
    s1 = [random.uniform(-1, 1) for _ in range(3)]
    s2 = [random.uniform(-1, 1) for _ in range(3)]
    matrix = [[1, s1[0], s2[0]], [s1[1], 1, s2[1]], [s1[2], s2[2], 1]]
    return _points(x, matrix)


def _rotate(x):
    """``Rotate``: axis randint(0, 2), then angle uniform(0, 30) degrees."""
    axis = random.randint(0, 2)
    a = math.radians(random.uniform(0, 30))
    c, s = math.cos(a), math.sin(a)
    matrix = {
        0: [[1, 0, 0], [0, c, s], [0, -s, c]],
        1: [[c, 0, -s], [0, 1, 0], [s, 0, c]],
        2: [[c, s, 0], [-s, c, 0], [0, 0, 1]],
    }[axis]
    return _points(x, matrix)


def _noise(x):
    """``Gaus_noise``: np.random.normal(0, 0.05) of shape (C, T, V, M)."""
    return x + np.random.normal(0, 0.05, size=x.shape)


def _blur(x):
    """``Gaus_filter``: sigma = uniform(0.1, 2), taps exp(-i^2 / 2 s^2),
    i in -7..7 (not normalised), then the coin np.random.random_sample()
    < 0.5; zero-padded temporal correlation per channel, joint, person."""
    sigma = random.uniform(0.1, 2)
    taps = [math.exp(-i * i / (2 * sigma * sigma)) for i in range(-7, 8)]
    if not np.random.random_sample() < 0.5:
        return x
    c, t, v, m = x.shape
    out = np.zeros_like(x)
    for f in range(t):
        for i, w in zip(range(-7, 8), taps):
            if 0 <= f + i < t:
                out[:, f] += w * x[:, f + i]
    return out


def _joint_mask(x):
    """``Zero_out_joints``: randint(5, 15) joints, sorted sample; then
    randint(20, 50) frames if T < 100 else randint(50, 100), sorted
    sample; the chosen (frame, joint) cells zeroed."""
    c, t, v, m = x.shape
    joints = sorted(random.sample(range(v), random.randint(5, 15)))
    count = random.randint(20, 50) if t < 100 else random.randint(50, 100)
    frames = sorted(random.sample(range(t), count))
    out = x.copy()
    for f in frames:
        for j in joints:
            out[:, f, j, :] = 0
    return out


def _axis_mask(x):
    """``Zero_out_axis``: randint(0, 2), that coordinate zeroed."""
    out = x.copy()
    out[random.randint(0, 2)] = 0
    return out


CASES = [
    ('reverse', _flip, SkeletonReverse, dict(prob=0.5)),
    ('shear', _shear, SkeletonShear, dict(magnitude=1.)),
    ('rotate', _rotate, SkeletonAxisRotate, dict()),
    ('noise', _noise, SkeletonGaussianNoise, dict(std=0.05)),
    ('blur', _blur, SkeletonTemporalBlur, dict()),
    ('joint_mask', _joint_mask, SkeletonJointMask, dict()),
    ('axis_mask', _axis_mask, SkeletonAxisMask, dict()),
]


def _seed(seed):
    random.seed(seed)
    np.random.seed(seed)


@pytest.mark.parametrize('num_frames', [60, 120])
@pytest.mark.parametrize('name,reference,cls,kwargs', CASES)
def test_same_draws_same_output(name, reference, cls, kwargs, num_frames):
    rng = np.random.default_rng(0)
    ctvm = rng.normal(size=(3, num_frames, 25, 2))
    transform = cls(**kwargs)
    # Several calls in a row: the streams stay aligned call after call
    # (e.g. the blur's sigma is drawn even when its coin says no).
    for seed in range(3):
        _seed(seed)
        expected = [reference(ctvm) for _ in range(4)]
        _seed(seed)
        got = [
            transform(dict(keypoint=ctvm.transpose(3, 1, 2, 0).copy()))
            ['keypoint'].transpose(3, 1, 2, 0) for _ in range(4)
        ]
        for call, (want, have) in enumerate(zip(expected, got)):
            np.testing.assert_allclose(
                have, want, rtol=1e-12, atol=1e-12, err_msg=f'{name} {call}')
        # And the sources were left in the same state.
        state = (random.random(), np.random.random_sample())
        _seed(seed)
        for _ in range(4):
            reference(ctvm)
        assert state == (random.random(), np.random.random_sample()), name


def test_private_seed_equals_seeded_globals():
    ctvm = np.random.default_rng(1).normal(size=(3, 30, 25, 2))
    mtvc = ctvm.transpose(3, 1, 2, 0).copy()
    for name, reference, cls, kwargs in CASES:
        _seed(7)
        want = reference(ctvm)
        have = cls(**kwargs, seed=7)(dict(keypoint=mtvc.copy()))['keypoint']
        np.testing.assert_allclose(
            have.transpose(3, 1, 2, 0), want, rtol=1e-12, err_msg=name)


def test_two_views_are_the_reference_query_then_key():
    # The reference's feeder applies transform1 (query) then transform2
    # (key) to the same sample: subtract, randomFlip, shear each.
    ctvm = np.random.default_rng(2).normal(size=(3, 40, 25, 2))
    pipeline = [
        dict(type='SkeletonReverse', prob=0.5),
        dict(type='SkeletonShear', magnitude=1.)
    ]
    two_view = SkeletonTwoView(transforms=pipeline)
    for seed in range(4):
        _seed(seed)
        query = _shear(_flip(ctvm))
        key = _shear(_flip(ctvm))
        _seed(seed)
        out = two_view(dict(keypoint=ctvm.transpose(3, 1, 2, 0).copy()))
        both = out['keypoint'].transpose(3, 1, 2, 0)
        np.testing.assert_allclose(both[:, :40], query, rtol=1e-12)
        np.testing.assert_allclose(both[:, 40:], key, rtol=1e-12)
