# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Property-based fuzzing of every skeleton transform we register.

Each property draws shapes (persons, frames, joints, channels), a dtype, a
layout from our layout registry and the contents of the keypoints, then
checks what holds for every input: no exception but the documented
``ValueError``s, finite output from finite input, the documented shape and
dtype, and cheap invariants of our implementation (a double flip is the
identity, a rotation keeps lengths, the streams are linear, ...).

The run is bounded and reproducible: ``derandomize=True`` draws the same
examples on every run, ``max_examples`` stays small and no example database
is written. ``EXAMPLES`` counts the examples each property ran.
"""
import collections
import copy
import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mmaction.datasets.transforms import PreNormalize3D
from mmaction.registry import TRANSFORMS

# yapf: disable
from aclnet_mm.datasets.transforms import (BODY_PARTS, CocoToCocoNew,
                                           FastPreNormalize3D,
                                           GenSkeletonStreams,
                                           PysklUniformSample,
                                           RandomSkeletonRotate,
                                           RandomSkeletonScale,
                                           SkeletonAxisMask,
                                           SkeletonAxisRotate, SkeletonCentre,
                                           SkeletonFirstFrames, SkeletonFlip,
                                           SkeletonGaussianNoise,
                                           SkeletonJointMask, SkeletonPartDrop,
                                           SkeletonReverse, SkeletonShear,
                                           SkeletonTemporalBlur,
                                           SkeletonTwoView, axis_rotation,
                                           euler_rotation, shear_matrix)
from aclnet_mm.structures import get_layout, list_layouts

# yapf: enable

# The 'aclnet-mm' profile of tests/conftest.py: derandomised, no deadline,
# 40 examples per property.
FUZZ = settings()

# Examples run per property, and documented errors met, for the report.
EXAMPLES = collections.Counter()
ALLOWED_ERRORS = collections.Counter()

DTYPES = (np.float32, np.float64, np.float16)
LAYOUTS = tuple(list_layouts())


def _count(name):
    EXAMPLES[name] += 1


def _call(transform, results, allowed=()):
    """Run a transform; a ``ValueError`` matching ``allowed`` is documented
    and returns None, anything else propagates."""
    try:
        return transform(results)
    except ValueError as error:
        matched = [p for p in allowed if re.search(p, str(error))]
        if not matched:
            raise
        ALLOWED_ERRORS[f'{type(transform).__name__}: {matched[0]}'] += 1
        return None


@st.composite
def keypoints(draw,
              persons=st.integers(1, 3),
              frames=st.integers(0, 5),
              joints=st.integers(1, 6),
              channels=st.sampled_from([2, 3]),
              dtypes=st.sampled_from(DTYPES),
              magnitude=None):
    """A ``(M, T, V, C)`` keypoint array with absent persons, frames and
    joints (all zeros), as the datasets store them."""
    shape = (draw(persons), draw(frames), draw(joints), draw(channels))
    dtype = draw(dtypes)
    if magnitude is None:
        # float16 overflows beyond 65504: keep products in range.
        high = 100. if dtype == np.float16 else 1e4
        magnitude = draw(st.sampled_from([1e-3, 1., high]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    keypoint = rng.normal(scale=magnitude, size=shape)
    # Absent persons / frames / joints are stored as zeros.
    zero = rng.random(shape[:3]) < draw(st.sampled_from([0., .3, 1.]))
    keypoint[zero] = 0
    return keypoint.astype(dtype)


def _scores(keypoint, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random(keypoint.shape[:-1]).astype(keypoint.dtype)


def _inject(keypoint, data):
    """Put NaN / inf / -inf at a few drawn places (when there are any)."""
    keypoint = keypoint.copy()
    if keypoint.size:
        flat = keypoint.reshape(-1)
        for _ in range(data.draw(st.integers(1, 3))):
            index = data.draw(st.integers(0, flat.size - 1))
            flat[index] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    return keypoint


def _finite(array):
    return bool(np.isfinite(np.asarray(array, dtype=np.float64)).all())


def _check_out(out, keypoint, shape=None, dtype=None):
    """Shape / dtype as documented, finite when the input was."""
    assert isinstance(out['keypoint'], np.ndarray)
    assert out['keypoint'].shape == (
        keypoint.shape if shape is None else shape)
    assert out['keypoint'].dtype == (
        keypoint.dtype if dtype is None else dtype)
    if _finite(keypoint):
        assert _finite(out['keypoint'])


@st.composite
def tree_layouts(draw):
    """A random layout dict: a random tree with random flip pairs."""
    num_node = draw(st.integers(1, 9))
    order = draw(st.permutations(range(num_node)))
    inward = [(order[i], order[draw(st.integers(0, i - 1))])
              for i in range(1, num_node)]
    joints = draw(st.permutations(range(num_node)))
    count = draw(st.integers(1 if num_node > 1 else 0, num_node // 2))
    pairs = [(joints[2 * i], joints[2 * i + 1]) for i in range(count)]
    return dict(
        name='random_tree',
        num_node=num_node,
        inward=inward,
        center=order[0],
        flip_pairs=pairs)


# Registered names, and random trees as layout dicts.
ANY_LAYOUT = st.one_of(st.sampled_from(LAYOUTS), tree_layouts())


def _layout_keypoints(data, layout, channels=st.sampled_from([2, 3]),
                      **kwargs):
    num_node = get_layout(layout).num_node
    return data.draw(
        keypoints(joints=st.just(num_node), channels=channels, **kwargs))


# ---------------------------------------------------------------------------
# Every registered transform is fuzzed here.
# ---------------------------------------------------------------------------
FUZZED = {
    'CocoToCocoNew', 'FastPreNormalize3D', 'GenSkeletonStreams',
    'RandomSkeletonRotate', 'RandomSkeletonScale', 'SkeletonAxisMask',
    'SkeletonAxisRotate', 'SkeletonCentre', 'SkeletonFirstFrames',
    'SkeletonFlip', 'SkeletonGaussianNoise', 'SkeletonJointMask',
    'SkeletonPartDrop', 'SkeletonReverse', 'SkeletonShear',
    'SkeletonTemporalBlur', 'SkeletonTwoView', 'PysklUniformSample'
}


def test_every_registered_transform_is_fuzzed():
    ours = {
        name
        for name, cls in TRANSFORMS.module_dict.items()
        if cls.__module__.startswith('aclnet_mm.')
    }
    assert ours == FUZZED


# ---------------------------------------------------------------------------
# Streams.
# ---------------------------------------------------------------------------
STREAM_NAMES = ('j', 'b', 'k', 'jm', 'bm', 'km')


@FUZZ
@given(
    data=st.data(),
    layout=ANY_LAYOUT,
    feats=st.lists(
        st.sampled_from(STREAM_NAMES), min_size=1, max_size=6, unique=True),
    bone_tree=st.sampled_from(['auto', 'layout']),
    score_mode=st.sampled_from(['reference', 'mean', 'min']),
    with_score=st.booleans())
def test_streams_shape_dtype_finite(data, layout, feats, bone_tree, score_mode,
                                    with_score):
    _count('streams')
    keypoint = _layout_keypoints(
        data, layout, channels=st.just(2) if with_score else st.just(3))
    results = dict(keypoint=keypoint)
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    out = GenSkeletonStreams(layout, feats, bone_tree, score_mode)(results)
    channels = keypoint.shape[-1] + with_score
    _check_out(
        out, keypoint, shape=keypoint.shape[:-1] + (channels * len(feats), ))
    assert 'keypoint_score' not in out
    first = feats.index('j') if 'j' in feats else None
    if first is not None:
        block = out['keypoint'][..., first * channels:first * channels + 2]
        np.testing.assert_array_equal(block, keypoint[..., :2])
    for index, feat in enumerate(feats):
        if feat.endswith('m') and keypoint.shape[1]:
            last = out['keypoint'][:, -1, :,
                                   index * channels:(index + 1) * channels]
            assert not last.any()


@FUZZ
@given(
    data=st.data(),
    layout=ANY_LAYOUT,
    feats=st.lists(
        st.sampled_from(STREAM_NAMES), min_size=1, max_size=6, unique=True),
    a=st.floats(-3, 3),
    b=st.floats(-3, 3))
def test_streams_are_linear(data, layout, feats, a, b):
    """Without a score channel every stream is a linear map of x."""
    _count('streams_linear')
    first = _layout_keypoints(
        data, layout, channels=st.just(3), dtypes=st.just(np.float64))
    second = np.random.default_rng(1).normal(size=first.shape)
    streams = GenSkeletonStreams(layout, feats)
    combined = streams(dict(keypoint=a * first + b * second))['keypoint']
    expected = (
        a * streams(dict(keypoint=first))['keypoint'] +
        b * streams(dict(keypoint=second))['keypoint'])
    np.testing.assert_allclose(combined, expected, rtol=1e-9, atol=1e-6)
    if isinstance(layout, dict):
        # Bones and K-bones of a random tree, restated from its edges.
        parent = {child: par for child, par in layout['inward']}
        parent[layout['center']] = layout['center']
        grand = [
            v if parent[parent[v]] == parent[v] else parent[parent[v]]
            for v in range(layout['num_node'])
        ]
        bones = first - first[..., [parent[v] for v in sorted(parent)], :]
        restated = dict(b=bones, k=first - first[..., grand, :])
        out = streams(dict(keypoint=first))['keypoint']
        for index, feat in enumerate(feats):
            if feat in restated:
                EXAMPLES['streams_restated'] += 1
                np.testing.assert_array_equal(
                    out[..., 3 * index:3 * index + 3], restated[feat])


@FUZZ
@given(
    data=st.data(),
    layout=ANY_LAYOUT,
    feats=st.lists(
        st.sampled_from(STREAM_NAMES), min_size=1, max_size=6, unique=True),
    with_score=st.booleans())
def test_streams_nan_inf_do_not_raise(data, layout, feats, with_score):
    _count('streams_nan')
    keypoint = _inject(
        _layout_keypoints(
            data, layout, channels=st.just(2 if with_score else 3)), data)
    results = dict(keypoint=keypoint)
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    with np.errstate(invalid='ignore', over='ignore'):
        out = GenSkeletonStreams(layout, feats)(results)
    assert out['keypoint'].shape[-1] == (3 * len(feats))


@FUZZ
@given(
    data=st.data(),
    layout=ANY_LAYOUT,
    joints=st.integers(1, 30),
    with_score=st.booleans(),
    channels=st.integers(1, 4))
def test_streams_reject_wrong_joints_or_channels(data, layout, joints,
                                                 with_score, channels):
    """A joint count other than the layout's, or a score with non-2D
    keypoints, is a ValueError naming the mismatch."""
    _count('streams_reject')
    keypoint = data.draw(
        keypoints(joints=st.just(joints), channels=st.just(channels)))
    results = dict(keypoint=keypoint)
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    out = _call(
        GenSkeletonStreams(layout, ('j', 'b')),
        results,
        allowed=[
            r'has \d+ joints, keypoint has \d+',
            r'keypoint_score goes with 2D keypoints'
        ])
    valid = (
        joints == get_layout(layout).num_node
        and (channels == 2 or not with_score))
    assert (out is not None) == valid


# ---------------------------------------------------------------------------
# COCO -> coco_new.
# ---------------------------------------------------------------------------
@FUZZ
@given(data=st.data(), with_score=st.booleans())
def test_coco_new_appends_midline_joints(data, with_score):
    _count('coco_new')
    keypoint = _layout_keypoints(data, 'coco')
    results = dict(keypoint=keypoint.copy())
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    out = CocoToCocoNew()(results)
    _check_out(
        out, keypoint, shape=keypoint.shape[:2] + (20, ) + keypoint.shape[3:])
    kp = out['keypoint']
    np.testing.assert_array_equal(kp[..., :17, :], keypoint)
    hip = (keypoint[..., 11, :].astype(np.float64) + keypoint[..., 12, :]) / 2
    np.testing.assert_allclose(
        kp[..., 17, :].astype(np.float64), hip, rtol=2e-3, atol=1e-3)
    if with_score:
        assert out['keypoint_score'].shape == keypoint.shape[:2] + (20, )
        assert out['keypoint_score'].dtype == keypoint.dtype


@FUZZ
@given(data=st.data(), joints=st.integers(1, 25))
def test_coco_new_rejects_other_joint_counts(data, joints):
    _count('coco_new_reject')
    keypoint = data.draw(keypoints(joints=st.just(joints)))
    out = _call(
        CocoToCocoNew(),
        dict(keypoint=keypoint),
        allowed=[r'expects the 17 COCO keypoints'])
    assert (out is None) == (joints != 17)


# Every transform that reads or moves ``keypoint_score``, built so that it
# always acts (probability 1) on 2D COCO keypoints.
SCORE_TRANSFORMS = dict(
    streams=lambda: GenSkeletonStreams('coco', ('j', 'b')),
    coco_new=CocoToCocoNew,
    flip=lambda: SkeletonFlip('coco', flip_ratio=1., seed=0),
    part_drop=lambda: SkeletonPartDrop('coco', drop_ratio=1., seed=0),
    first_frames=lambda: SkeletonFirstFrames(clip_len=3),
    reverse=lambda: SkeletonReverse(prob=1., seed=0),
    joint_mask=lambda: SkeletonJointMask((1, 2), (1, 1), seed=0),
    two_view=lambda: SkeletonTwoView([dict(type='SkeletonReverse', prob=0.)]))


@FUZZ
@given(
    data=st.data(),
    which=st.sampled_from(sorted(SCORE_TRANSFORMS)),
    shift=st.tuples(*[st.integers(-1, 1)] * 3))
def test_score_shape_mismatch_is_named(data, which, shift):
    """A ``keypoint_score`` that does not match ``keypoint`` is a
    ValueError naming ``keypoint_score``, in every transform that carries
    scores (was a bare concatenate error, an IndexError or a silently wrong
    shape)."""
    _count('score_mismatch')
    keypoint = _layout_keypoints(
        data, 'coco', channels=st.just(2), frames=st.integers(1, 4))
    shape = tuple(
        max(size + delta, 1)
        for size, delta in zip(keypoint.shape[:-1], shift))
    results = dict(
        keypoint=keypoint, keypoint_score=np.ones(shape, keypoint.dtype))
    out = _call(
        SCORE_TRANSFORMS[which](),
        results,
        allowed=[r'keypoint_score has shape'])
    assert (out is None) == (shape != keypoint.shape[:-1])


# ---------------------------------------------------------------------------
# Pre-normalisation.
# ---------------------------------------------------------------------------
PRENORM_ERRORS = [r'expected 1 or 2 persons', r'keypoint has \d+ joints']


@FUZZ
@given(
    data=st.data(),
    align=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    layout=st.sampled_from(LAYOUTS))
@example(
    data=None, align=(True, True, True),
    layout='nturgb+d').via('regression: values close to zero but not zero')
def test_pre_normalize_finite_and_as_mmaction(data, align, layout):
    _count('pre_normalize')
    if data is None:
        # Non-zero sum, yet every joint is np.isclose to 0: no frame kept.
        keypoint = np.full((1, 3, 25, 3), 1e-9, dtype=np.float32)
    else:
        keypoint = _layout_keypoints(
            data, layout, channels=st.just(3), persons=st.integers(1, 3))
    kwargs = dict(
        align_spine=align[0], align_shoulder=align[1], align_center=align[2])
    out = _call(
        FastPreNormalize3D(**kwargs),
        dict(keypoint=keypoint.copy(), total_frames=keypoint.shape[1]),
        allowed=PRENORM_ERRORS)
    if out is None:
        return
    kp = out['keypoint']
    assert kp.shape[0] == keypoint.shape[0] and kp.shape[2:] == (
        keypoint.shape[2:])
    assert out['total_frames'] == kp.shape[1] <= keypoint.shape[1]
    assert _finite(kp)
    # Same output as MMAction2's loop wherever MMAction2 itself runs.
    if keypoint.shape[0] in (1, 2) and keypoint.shape[2] >= 9 and align[2]:
        try:
            with np.errstate(invalid='ignore', divide='ignore'):
                ref = PreNormalize3D(**kwargs)(
                    dict(
                        keypoint=keypoint.copy(),
                        total_frames=keypoint.shape[1]))
        except (IndexError, AssertionError, ValueError):
            return
        np.testing.assert_allclose(kp, ref['keypoint'], rtol=1e-5, atol=1e-3)


@FUZZ
@given(data=st.data())
def test_pre_normalize_nan_inf_do_not_raise(data):
    _count('pre_normalize_nan')
    keypoint = _inject(
        _layout_keypoints(
            data, 'nturgb+d', channels=st.just(3), persons=st.integers(1, 2)),
        data)
    with np.errstate(invalid='ignore', over='ignore', divide='ignore'):
        _call(
            FastPreNormalize3D(),
            dict(keypoint=keypoint),
            allowed=PRENORM_ERRORS)


# ---------------------------------------------------------------------------
# Flip, part drop, rotation, scale.
# ---------------------------------------------------------------------------
FLIP_LAYOUTS = st.one_of(
    st.sampled_from(
        tuple(name for name in LAYOUTS if get_layout(name).flip_pairs)),
    tree_layouts().filter(lambda layout: layout['flip_pairs']))


@FUZZ
@given(
    data=st.data(),
    layout=FLIP_LAYOUTS,
    reflect=st.sampled_from([None, 'origin', 'image']),
    with_score=st.booleans())
def test_flip_twice_is_identity(data, layout, reflect, with_score):
    _count('flip')
    keypoint = _layout_keypoints(data, layout)
    width = 1e4 + 1
    results = dict(keypoint=keypoint.copy(), img_shape=(width, width))
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    flip = SkeletonFlip(layout, flip_ratio=1., reflect=reflect, seed=0)
    once = flip(copy.deepcopy(results))
    assert once['flip'] is True
    _check_out(once, keypoint)
    twice = flip(copy.deepcopy(once))
    if reflect == 'image':
        tol = dict(
            rtol=0, atol=float(np.finfo(keypoint.dtype).eps) * 4 * width)
        np.testing.assert_allclose(twice['keypoint'].astype(np.float64),
                                   keypoint.astype(np.float64), **tol)
    else:
        np.testing.assert_array_equal(twice['keypoint'], keypoint)
    if with_score:
        np.testing.assert_array_equal(twice['keypoint_score'],
                                      results['keypoint_score'])
    # The caller's array is never modified in place.
    np.testing.assert_array_equal(results['keypoint'], keypoint)


@FUZZ
@given(
    data=st.data(),
    layout=st.sampled_from(
        tuple(name for name in LAYOUTS if name in BODY_PARTS)),
    with_score=st.booleans(),
    seed=st.integers(0, 100))
def test_part_drop_zeroes_one_part(data, layout, with_score, seed):
    _count('part_drop')
    keypoint = _layout_keypoints(data, layout)
    results = dict(keypoint=keypoint.copy())
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    out = SkeletonPartDrop(layout, drop_ratio=1., seed=seed)(results)
    _check_out(out, keypoint)
    changed = (out['keypoint'] != keypoint).any(axis=(0, 1, 3))
    zero = ~out['keypoint'].any(axis=(0, 1, 3))
    # The dropped joints are all zero and form one of the parts (or a
    # subset of it when some were zero already).
    assert any(
        set(np.flatnonzero(changed)) <= set(part) and zero[list(part)].all()
        for part in BODY_PARTS[layout])


@FUZZ
@given(data=st.data(), theta=st.floats(0, 2 * np.pi), seed=st.integers(0, 99))
def test_rotate_keeps_lengths(data, theta, seed):
    _count('rotate')
    keypoint = data.draw(keypoints(channels=st.just(3)))
    out = RandomSkeletonRotate(
        theta, seed=seed)(
            dict(keypoint=keypoint.copy()))
    _check_out(out, keypoint)
    before = np.linalg.norm(keypoint.astype(np.float64), axis=-1)
    after = np.linalg.norm(out['keypoint'].astype(np.float64), axis=-1)
    eps = float(np.finfo(keypoint.dtype).eps)
    np.testing.assert_allclose(after, before, rtol=8 * eps, atol=1e-9)
    assert not out['keypoint'][before == 0].any()


@FUZZ
@given(angles=st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3))
def test_euler_rotation_is_a_rotation(angles):
    _count('euler_rotation')
    matrix = euler_rotation(np.asarray(angles))
    np.testing.assert_allclose(matrix @ matrix.T, np.eye(3), atol=1e-12)
    assert np.isclose(np.linalg.det(matrix), 1.)


@FUZZ
@given(
    data=st.data(),
    scale=st.one_of(
        st.floats(0, 0.99),
        st.lists(st.floats(0, 0.99), min_size=1, max_size=4)),
    seed=st.integers(0, 99))
def test_scale_shape_dtype_and_rejects(data, scale, seed):
    _count('scale')
    keypoint = data.draw(keypoints(channels=st.integers(1, 4)))
    out = _call(
        RandomSkeletonScale(scale, seed=seed),
        dict(keypoint=keypoint),
        allowed=[r'\d+ scales for \d+ axes'])
    if out is None:
        assert len(scale) != keypoint.shape[-1]
        return
    _check_out(out, keypoint)
    # Zeros stay zero, signs never flip (factors in (0, 2)).
    kp = out['keypoint'].astype(np.float64)
    assert (np.sign(kp) == np.sign(keypoint.astype(
        np.float64))).all() or (not _finite(kp))


# ---------------------------------------------------------------------------
# AS-CAL augmentations.
# ---------------------------------------------------------------------------
@FUZZ
@given(data=st.data(), clip_len=st.integers(1, 8), with_score=st.booleans())
def test_first_frames(data, clip_len, with_score):
    _count('first_frames')
    keypoint = data.draw(keypoints())
    results = dict(keypoint=keypoint)
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    out = SkeletonFirstFrames(clip_len)(results)
    shape = (keypoint.shape[0], clip_len) + keypoint.shape[2:]
    _check_out(out, keypoint, shape=shape)
    kept = min(clip_len, keypoint.shape[1])
    np.testing.assert_array_equal(out['keypoint'][:, :kept],
                                  keypoint[:, :kept])
    assert not out['keypoint'][:, kept:].any()
    if with_score:
        assert out['keypoint_score'].shape == shape[:-1]


@FUZZ
@given(data=st.data(), joint=st.integers(-8, 8))
def test_centre(data, joint):
    _count('centre')
    keypoint = data.draw(keypoints())
    num_joints = keypoint.shape[2]
    out = _call(
        SkeletonCentre(joint),
        dict(keypoint=keypoint),
        allowed=[r'SkeletonCentre: joint -?\d+ outside'])
    if out is None:
        assert not -num_joints <= joint < num_joints
        return
    _check_out(out, keypoint)
    assert not out['keypoint'][..., joint, :].any()


@FUZZ
@given(data=st.data(), with_score=st.booleans())
def test_reverse_twice_is_identity(data, with_score):
    _count('reverse')
    keypoint = data.draw(keypoints())
    results = dict(keypoint=keypoint)
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    reverse = SkeletonReverse(prob=1., seed=0)
    once = reverse(dict(results))
    _check_out(once, keypoint)
    np.testing.assert_array_equal(once['keypoint'], keypoint[:, ::-1])
    twice = reverse(once)
    np.testing.assert_array_equal(twice['keypoint'], keypoint)


@FUZZ
@given(
    data=st.data(),
    magnitude=st.floats(0, 2),
    channels=st.integers(1, 4),
    seed=st.integers(0, 99))
def test_shear(data, magnitude, channels, seed):
    _count('shear')
    keypoint = data.draw(keypoints(channels=st.just(channels)))
    out = _call(
        SkeletonShear(magnitude, seed=seed),
        dict(keypoint=keypoint),
        allowed=[r'SkeletonShear shears 2D or 3D keypoints'])
    if out is None:
        assert channels not in (2, 3)
        return
    _check_out(out, keypoint)
    zero = ~keypoint.any(axis=-1)
    assert not out['keypoint'][zero].any()


@FUZZ
@given(
    offsets=st.lists(st.floats(-1e3, 1e3), min_size=0, max_size=7),
    num_dims=st.integers(1, 4))
def test_shear_matrix(offsets, num_dims):
    _count('shear_matrix')
    try:
        matrix = shear_matrix(offsets, num_dims)
    except ValueError as error:
        assert re.search('offsets do not fit', str(error))
        assert (num_dims, len(offsets)) not in ((2, 2), (3, 6))
        ALLOWED_ERRORS['shear_matrix: offsets do not fit'] += 1
        return
    assert matrix.shape == (num_dims, num_dims)
    np.testing.assert_array_equal(np.diag(matrix), 1.)


@FUZZ
@given(
    data=st.data(),
    axes=st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True),
    angle_range=st.tuples(st.floats(-360, 360), st.floats(-360, 360)),
    channels=st.integers(1, 4),
    seed=st.integers(0, 99))
def test_axis_rotate(data, axes, angle_range, channels, seed):
    _count('axis_rotate')
    keypoint = data.draw(keypoints(channels=st.just(channels)))
    out = _call(
        SkeletonAxisRotate(axes, sorted(angle_range), seed=seed),
        dict(keypoint=keypoint),
        allowed=[
            r'2D keypoints rotate about z only',
            r'SkeletonAxisRotate rotates 2D or 3D keypoints'
        ])
    if out is None:
        assert channels not in (2, 3) or tuple(axes) != (2, )
        return
    _check_out(out, keypoint)
    before = np.linalg.norm(keypoint.astype(np.float64), axis=-1)
    after = np.linalg.norm(out['keypoint'].astype(np.float64), axis=-1)
    eps = float(np.finfo(keypoint.dtype).eps)
    np.testing.assert_allclose(after, before, rtol=8 * eps, atol=1e-9)


@FUZZ
@given(axis=st.integers(-1, 3), angle=st.floats(-1e3, 1e3))
def test_axis_rotation_matrix(axis, angle):
    _count('axis_rotation')
    try:
        matrix = axis_rotation(axis, angle)
    except ValueError as error:
        assert axis not in (0, 1, 2) and 'axis must be' in str(error)
        ALLOWED_ERRORS['axis_rotation: axis must be 0, 1 or 2'] += 1
        return
    np.testing.assert_allclose(matrix @ matrix.T, np.eye(3), atol=1e-12)


@FUZZ
@given(
    data=st.data(),
    std=st.floats(0, 1),
    mean=st.floats(-1, 1),
    seed=st.integers(0, 99))
def test_gaussian_noise(data, std, mean, seed):
    _count('gaussian_noise')
    keypoint = data.draw(keypoints())
    out = SkeletonGaussianNoise(std, mean, seed=seed)(dict(keypoint=keypoint))
    _check_out(out, keypoint)
    if std == 0 and mean == 0:
        np.testing.assert_array_equal(out['keypoint'], keypoint)


@FUZZ
@given(
    data=st.data(),
    kernel_size=st.sampled_from([1, 3, 5, 15]),
    sigma_range=st.tuples(st.floats(0.01, 3), st.floats(0.01, 3)),
    normalize=st.booleans(),
    seed=st.integers(0, 99))
def test_temporal_blur(data, kernel_size, sigma_range, normalize, seed):
    _count('temporal_blur')
    # Unnormalised taps sum to ~7.5 at most: keep float16 in range.
    keypoint = data.draw(keypoints(frames=st.integers(0, 20)))
    blur = SkeletonTemporalBlur(
        kernel_size, sorted(sigma_range), 1., normalize, seed=seed)
    out = blur(dict(keypoint=keypoint))
    _check_out(out, keypoint)
    # Linear in the input (same draw for the same seed).
    twice = SkeletonTemporalBlur(
        kernel_size, sorted(sigma_range), 1., normalize, seed=seed)(
            dict(keypoint=keypoint.astype(np.float64) * 2))
    if keypoint.dtype == np.float64:
        np.testing.assert_allclose(
            twice['keypoint'], 2 * out['keypoint'], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('sigma_range', [(0, 1), (-1, 1), (2, 1)])
def test_temporal_blur_rejects_bad_sigma(sigma_range):
    with pytest.raises(ValueError, match='sigma_range'):
        SkeletonTemporalBlur(sigma_range=sigma_range)


@FUZZ
@given(
    data=st.data(),
    num_joints=st.tuples(st.integers(0, 8), st.integers(0, 8)),
    num_frames=st.one_of(st.none(),
                         st.tuples(st.integers(0, 8), st.integers(0, 8))),
    with_score=st.booleans(),
    seed=st.integers(0, 99))
def test_joint_mask(data, num_joints, num_frames, with_score, seed):
    _count('joint_mask')
    keypoint = data.draw(keypoints(frames=st.integers(0, 8)))
    results = dict(keypoint=keypoint)
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    try:
        mask = SkeletonJointMask(num_joints, num_frames, seed=seed)
    except ValueError as error:
        assert re.search(r'num_(joints|frames) must be', str(error))
        ranges = [num_joints] + ([num_frames] if num_frames else [])
        assert any(low > high for low, high in ranges)
        ALLOWED_ERRORS['SkeletonJointMask: num_* must be'] += 1
        return
    out = mask(results)
    _check_out(out, keypoint)
    changed = out['keypoint'] != keypoint
    assert not out['keypoint'][changed].any()
    # No frame loses more joints than the largest count drawn.
    newly = (changed & (keypoint != 0)).any(axis=(0, 3))
    assert newly.sum(axis=1).max(initial=0) <= max(num_joints)


@FUZZ
@given(data=st.data(), seed=st.integers(0, 99))
def test_axis_mask(data, seed):
    _count('axis_mask')
    keypoint = data.draw(keypoints(channels=st.integers(1, 4)))
    out = SkeletonAxisMask(seed=seed)(dict(keypoint=keypoint))
    _check_out(out, keypoint)
    differs = (out['keypoint'] != keypoint).any(axis=(0, 1, 2))
    assert differs.sum() <= 1
    zero_axes = ~out['keypoint'].any(axis=(0, 1, 2))
    assert zero_axes.any()


# Regressions found by the properties above: each crashed with an obscure
# error (empty slice, KeyError, matmul mismatch, numpy's choice) before.
def test_centre_on_a_negative_joint():
    keypoint = np.arange(18, dtype=np.float32).reshape(1, 2, 3, 3)
    out = SkeletonCentre(-1)(dict(keypoint=keypoint))['keypoint']
    np.testing.assert_array_equal(out, keypoint - keypoint[:, :, 2:])


@pytest.mark.parametrize('transform', [
    SkeletonShear(seed=0),
    SkeletonAxisRotate(seed=0),
    FastPreNormalize3D(),
])
def test_wrong_channel_count_names_the_channels(transform):
    keypoint = np.ones((1, 2, 25, 4), dtype=np.float32)
    with pytest.raises(ValueError, match='keypoint has 4 channels'):
        transform(dict(keypoint=keypoint))


def test_pre_normalize_names_missing_axis_joints():
    keypoint = np.ones((1, 2, 5, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r'xaxis=\[8, 4\]'):
        FastPreNormalize3D()(dict(keypoint=keypoint))
    out = FastPreNormalize3D(align_shoulder=False)(dict(keypoint=keypoint))
    assert out['keypoint'].shape == (1, 2, 5, 3)


@pytest.mark.parametrize('kwargs', [
    dict(num_joints=(3, 1)),
    dict(num_joints=(-1, 2)),
    dict(num_frames=(5, 2)),
])
def test_joint_mask_rejects_empty_ranges(kwargs):
    with pytest.raises(ValueError, match='must be \\(low, high\\)'):
        SkeletonJointMask(**kwargs)


# ---------------------------------------------------------------------------
# Non-finite input: documented errors only, whatever the transform.
# ---------------------------------------------------------------------------
def _augmentations(layout):
    return [
        SkeletonFirstFrames(4),
        SkeletonCentre(0),
        SkeletonReverse(1.),
        SkeletonShear(seed=0),
        SkeletonAxisRotate(seed=0),
        SkeletonGaussianNoise(seed=0),
        SkeletonTemporalBlur(prob=1., seed=0),
        SkeletonJointMask(seed=0),
        SkeletonAxisMask(seed=0),
        RandomSkeletonRotate(seed=0),
        RandomSkeletonScale(seed=0),
        SkeletonFlip(layout, flip_ratio=1., reflect='origin', seed=0),
        SkeletonPartDrop(layout, drop_ratio=1., seed=0),
    ]


@FUZZ
@given(data=st.data(), layout=st.sampled_from(['nturgb+d', 'coco']))
def test_augmentations_nan_inf_do_not_raise(data, layout):
    _count('augment_nan')
    keypoint = _inject(
        _layout_keypoints(data, layout, channels=st.just(3)), data)
    transforms = _augmentations(layout)
    if layout == 'coco':
        transforms.append(CocoToCocoNew())
    with np.errstate(invalid='ignore', over='ignore'):
        for transform in transforms:
            out = transform(dict(keypoint=keypoint.copy()))
            assert out['keypoint'].dtype == keypoint.dtype
            assert out['keypoint'].shape[-1] == keypoint.shape[-1]


# ---------------------------------------------------------------------------
# Two views.
# ---------------------------------------------------------------------------
@FUZZ
@given(data=st.data(), with_score=st.booleans(), asymmetric=st.booleans())
def test_two_view(data, with_score, asymmetric):
    _count('two_view')
    keypoint = _layout_keypoints(data, 'nturgb+d', channels=st.just(3))
    results = dict(keypoint=keypoint)
    if with_score:
        results['keypoint_score'] = _scores(keypoint)
    query = [
        dict(type='SkeletonShear', seed=1),
        dict(type='SkeletonTemporalBlur', prob=1., seed=2),
        dict(type='SkeletonPartDrop', drop_ratio=1., seed=3),
    ]
    key = [dict(type='RandomSkeletonRotate', seed=4)] if asymmetric else None
    out = SkeletonTwoView(query, key)(results)
    num_person, num_frames = keypoint.shape[:2]
    _check_out(
        out, keypoint, shape=(num_person, 2 * num_frames) + keypoint.shape[2:])
    assert out['num_clips'] == 2
    if with_score:
        assert out['keypoint_score'].shape == out['keypoint'].shape[:-1]


# ---------------------------------------------------------------------------
# Frame sampling.
# ---------------------------------------------------------------------------
@FUZZ
@given(
    total=st.integers(0, 400),
    clip_len=st.integers(1, 64),
    num_clips=st.integers(1, 3),
    p_interval=st.sampled_from([1, (0.5, 1.)]),
    short_clips=st.sampled_from(['random', 'spaced']),
    test_mode=st.booleans(),
    start_index=st.sampled_from([0, 1]))
def test_pyskl_uniform_sample(total, clip_len, num_clips, p_interval,
                              short_clips, test_mode, start_index):
    EXAMPLES['PysklUniformSample'] += 1
    sampler = PysklUniformSample(
        clip_len,
        num_clips=num_clips,
        p_interval=p_interval,
        short_clips=short_clips,
        test_mode=test_mode)
    results = dict(
        total_frames=total, start_index=start_index, frame_dir='clip_7')
    if total == 0:
        with pytest.raises(ValueError, match='clip_7.*total_frames=0'):
            sampler(results)
        return
    out = sampler(dict(results))
    inds = out['frame_inds']
    assert inds.dtype == np.int64 and inds.shape == (clip_len * num_clips, )
    assert inds.min() >= start_index and inds.max() < total + start_index
    assert (out['clip_len'], out['num_clips']) == (clip_len, num_clips)
    if test_mode:
        # Seeded per sample: the same frames every time.
        np.testing.assert_array_equal(
            sampler(dict(results))['frame_inds'], inds)


@pytest.fixture(scope='module', autouse=True)
def _report_counts():
    """Print how many examples ran and which documented errors they met
    (visible with ``pytest -s``)."""
    yield
    print('\nfuzz examples per property:', dict(EXAMPLES))
    print('fuzz examples in all:', sum(EXAMPLES.values()))
    print('documented errors met:', len(ALLOWED_ERRORS), 'kinds,',
          sum(ALLOWED_ERRORS.values()), 'times')
    for message, times in sorted(ALLOWED_ERRORS.items()):
        print(f'  {times:4d} x {message}')
