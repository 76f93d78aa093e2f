# Copyright (c) aclnet-mm contributors. All rights reserved.
import numpy as np
import pytest
from mmaction.datasets.transforms import GenSkeFeat, JointToBone, ToMotion

from aclnet_mm.datasets.transforms import GenSkeletonStreams
from aclnet_mm.structures import get_layout

# A chain 0 - 1 - 2 - 3 rooted at 0.
CHAIN = dict(num_node=4, inward=[(1, 0), (2, 1), (3, 2)], center=0)


def _chain_keypoint():
    # (M=1, T=3, V=4, C=3): joint v at frame t sits at (v^2 + t, 10 v, t^2).
    t = np.arange(3, dtype=np.float32)[:, None]
    v = np.arange(4, dtype=np.float32)[None]
    kp = np.stack([v**2 + t, 10 * v + 0 * t, t**2 + 0 * v], axis=-1)
    return kp[None]


def _streams(feats, keypoint, score=None, **kwargs):
    results = dict(keypoint=keypoint.copy())
    if score is not None:
        results['keypoint_score'] = score.copy()
    kwargs.setdefault('layout', CHAIN)
    out = GenSkeletonStreams(feats=feats, **kwargs)(results)
    assert 'keypoint_score' not in out
    return out['keypoint']


def test_bone_and_kbone_of_a_chain():
    kp = _chain_keypoint()
    p = kp[0, 0]  # frame 0: (0,0,0), (1,10,0), (4,20,0), (9,30,0)
    bone = _streams(('b', ), kp)[0, 0]
    np.testing.assert_array_equal(
        bone, [[0, 0, 0], [1, 10, 0], [3, 10, 0], [5, 10, 0]])
    kbone = _streams(('k', ), kp)[0, 0]
    # Joints 0 and 1 are within one hop of the root: K-bone 0.
    np.testing.assert_array_equal(kbone[:2], 0)
    np.testing.assert_array_equal(kbone[2], p[2] - p[0])
    np.testing.assert_array_equal(kbone[3], p[3] - p[1])
    np.testing.assert_array_equal(
        kbone, [[0, 0, 0], [0, 0, 0], [4, 20, 0], [8, 20, 0]])


def test_motion_and_channel_layout():
    kp = _chain_keypoint()
    out = _streams(('j', 'b', 'k', 'jm', 'bm', 'km'), kp)
    assert out.shape == (1, 3, 4, 18)
    assert out.dtype == np.float32
    j, b, k, jm, bm, km = np.split(out, 6, axis=-1)
    np.testing.assert_array_equal(j, kp)
    np.testing.assert_array_equal(b, _streams(('b', ), kp))
    np.testing.assert_array_equal(k, _streams(('k', ), kp))
    # x moves by +1 per frame; z goes 0, 1, 4: its steps are 1 and 3.
    expected_jm = np.zeros_like(kp)
    expected_jm[0, 0, :] = [1, 0, 1]
    expected_jm[0, 1, :] = [1, 0, 3]
    np.testing.assert_array_equal(jm, expected_jm)
    # Every joint moves alike, so bones and K-bones do not move.
    np.testing.assert_array_equal(bm, 0)
    np.testing.assert_array_equal(km, 0)
    # Another axis keeps each stream's channels together.
    stacked = _streams(('j', 'jm'), kp, axis=0)
    np.testing.assert_array_equal(stacked, np.concatenate([j, jm], axis=0))


def _slow_streams(kp, parents):
    """Per-joint loop re-statement of b and k (3D, no scores)."""
    num_node = kp.shape[-2]
    bone = np.zeros_like(kp)
    kbone = np.zeros_like(kp)
    for v in range(num_node):
        bone[..., v, :] = kp[..., v, :] - kp[..., parents[v], :]
        depth, joint = 0, v
        while parents[joint] != joint:
            joint = parents[joint]
            depth += 1
        if depth >= 2:
            grand = parents[parents[v]]
            kbone[..., v, :] = kp[..., v, :] - kp[..., grand, :]
    return bone, kbone


@pytest.mark.parametrize(
    'name', ['nturgb+d', 'coco', 'coco_new', 'openpose', 'openpose_body25'])
def test_streams_match_a_loop_over_the_layout_tree(name):
    layout = get_layout(name)
    rng = np.random.default_rng(1)
    kp = rng.standard_normal((2, 5, layout.num_node, 3)).astype(np.float32)
    out = _streams(('b', 'k', 'bm'), kp, layout=name, bone_tree='layout')
    bone, kbone = _slow_streams(kp, layout.parents)
    np.testing.assert_array_equal(out[..., :3], bone)
    np.testing.assert_array_equal(out[..., 3:6], kbone)
    np.testing.assert_array_equal(out[..., :-1, :, 6:], np.diff(bone, axis=1))
    np.testing.assert_array_equal(out[..., -1, :, 6:], 0)


def test_ntu_kbone_anchors_by_name():
    # ACLNet's K-bone examples (joint minus its 2-hop ancestor).
    layout = get_layout('nturgb+d')
    names = layout.joint_names
    anchors = GenSkeletonStreams('nturgb+d').kbone_anchors
    anchor_of = {names[v]: names[a] for v, a in enumerate(anchors)}
    assert anchor_of['left_elbow'] == 'spine_shoulder'
    assert anchor_of['right_wrist'] == 'right_shoulder'
    assert anchor_of['left_knee'] == 'spine_base'
    assert anchor_of['right_hip'] == 'spine_mid'
    assert anchor_of['left_hand_tip'] == 'left_hand'
    assert anchor_of['right_hand_tip'] == 'right_hand'
    # The hand tips hang off the thumbs in the reference's bone table, so
    # the thumbs' grand-parents are the wrists.
    assert anchor_of['left_thumb'] == 'left_wrist'
    for joint in ('spine_shoulder', 'spine_mid', 'neck', 'left_shoulder',
                  'right_shoulder'):
        assert anchor_of[joint] == joint


def test_bone_tree_auto_vs_layout_on_ntu():
    rng = np.random.default_rng(2)
    kp = rng.standard_normal((1, 4, 25, 3)).astype(np.float32)
    auto = _streams(('b', ), kp, layout='nturgb+d')
    own = _streams(('b', ), kp, layout='nturgb+d', bone_tree='layout')
    differs = np.flatnonzero(np.abs(auto - own).sum((0, 1, 3)) > 0)
    # Only the hand tips: thumb (MMAction2 / reference) vs hand (graph).
    assert differs.tolist() == [21, 23]
    np.testing.assert_array_equal(own[..., 21, :],
                                  kp[..., 21, :] - kp[..., 7, :])
    np.testing.assert_array_equal(auto[..., 21, :],
                                  kp[..., 21, :] - kp[..., 22, :])


@pytest.mark.parametrize('feats', [('j', ), ('b', ), ('jm', ), ('bm', ),
                                   ('j', 'b', 'jm', 'bm'), ('bm', 'j')])
def test_equals_mmaction_genskefeat_3d(feats):
    rng = np.random.default_rng(3)
    kp = rng.standard_normal((2, 6, 25, 3)).astype(np.float32)
    ours = _streams(feats, kp, layout='nturgb+d')
    theirs = GenSkeFeat(
        dataset='nturgb+d', feats=list(feats))(
            dict(keypoint=kp.copy()))
    assert ours.dtype == theirs['keypoint'].dtype == np.float32
    np.testing.assert_array_equal(ours, theirs['keypoint'])


@pytest.mark.parametrize('name,num_node', [('coco', 17), ('openpose', 18)])
@pytest.mark.parametrize('feats', [('j', ), ('b', ), ('jm', ), ('bm', ),
                                   ('j', 'b', 'jm', 'bm')])
def test_equals_mmaction_genskefeat_2d_mean_scores(name, num_node, feats):
    rng = np.random.default_rng(4)
    kp = rng.uniform(0, 500, (2, 6, num_node, 2)).astype(np.float32)
    score = rng.uniform(0, 1, (2, 6, num_node)).astype(np.float32)
    ours = _streams(feats, kp, score, layout=name, score_mode='mean')
    theirs = GenSkeFeat(
        dataset=name, feats=list(feats))(
            dict(keypoint=kp.copy(), keypoint_score=score.copy()))
    np.testing.assert_array_equal(ours, theirs['keypoint'])


def test_equals_mmaction_joint_to_bone_and_to_motion():
    rng = np.random.default_rng(5)
    kp = rng.standard_normal((1, 5, 25, 3)).astype(np.float32)
    bone = JointToBone(dataset='nturgb+d')(dict(keypoint=kp))['keypoint']
    np.testing.assert_array_equal(
        _streams(('b', ), kp, layout='nturgb+d'), bone)
    motion = ToMotion(dataset='nturgb+d')(dict(keypoint=bone))['motion']
    np.testing.assert_array_equal(
        _streams(('bm', ), kp, layout='nturgb+d'), motion)


def _chain_2d():
    kp = np.zeros((1, 2, 3, 2), dtype=np.float32)
    kp[0, :, :, 0] = [[0, 1, 3], [1, 2, 5]]
    score = np.array([[[0.9, 0.5, 0.7], [0.8, 0.6, 0.2]]], dtype=np.float32)
    return kp, score


CHAIN3 = dict(num_node=3, inward=[(1, 0), (2, 1)], center=0)


def test_2d_scores_reference_quirk():
    kp, score = _chain_2d()
    out = _streams(('j', 'b', 'k', 'jm'), kp, score, layout=CHAIN3)
    assert out.shape == (1, 2, 3, 12) and out.dtype == np.float32
    j, b, k, jm = np.split(out[0, 0], 4, axis=-1)
    np.testing.assert_allclose(j[:, 2], [0.9, 0.5, 0.7])
    # Bones: coordinates subtracted, scores averaged.
    np.testing.assert_allclose(b[:, 0], [0, 1, 2])
    np.testing.assert_allclose(b[:, 2], [0.9, 0.7, 0.6], rtol=1e-6)
    # K-bones: the score is subtracted like a coordinate; 0 near the root.
    np.testing.assert_allclose(k[:, 0], [0, 0, 3])
    np.testing.assert_allclose(k[:, 2], [0, 0, 0.7 - 0.9], rtol=1e-6)
    # Motions: the score is differenced too.
    np.testing.assert_allclose(jm[:, 0], [1, 1, 2])
    np.testing.assert_allclose(
        jm[:, 2], [0.8 - 0.9, 0.6 - 0.5, 0.2 - 0.7], rtol=1e-6)
    np.testing.assert_array_equal(out[0, 1, :, 9:], 0)


@pytest.mark.parametrize('mode', ['mean', 'min'])
def test_2d_scores_clean_modes(mode):
    kp, score = _chain_2d()
    out = _streams(('b', 'k', 'jm', 'km'),
                   kp,
                   score,
                   layout=CHAIN3,
                   score_mode=mode)
    b, k, jm, km = np.split(out[0], 4, axis=-1)
    combine = (lambda a, c: (a + c) / 2) if mode == 'mean' else np.minimum
    s0 = score[0, 0]
    np.testing.assert_allclose(
        b[0, :, 2], combine(s0, s0[[0, 0, 1]]), rtol=1e-6)
    np.testing.assert_allclose(
        k[0, :, 2], combine(s0, s0[[0, 1, 0]]), rtol=1e-6)
    # Coordinates are unaffected by the score rule.
    np.testing.assert_allclose(k[0, :, 0], [0, 0, 3])
    np.testing.assert_allclose(
        jm[0, :, 2], combine(score[0, 0], score[0, 1]), rtol=1e-6)
    np.testing.assert_allclose(
        km[0, :, 2], combine(k[0, :, 2], k[1, :, 2]), rtol=1e-6)
    # The last frame of a motion is 0, score included.
    np.testing.assert_array_equal(jm[1], 0)
    # Never a difference: every score channel stays non-negative.
    assert (out[..., 2::3] >= 0).all()


def test_dtype_preserved_and_input_untouched():
    kp = _chain_keypoint().astype(np.float64)
    before = kp.copy()
    out = GenSkeletonStreams(CHAIN, feats=('b', 'km'))(dict(keypoint=kp))
    assert out['keypoint'].dtype == np.float64
    np.testing.assert_array_equal(kp, before)


def test_invalid_arguments_and_inputs():
    with pytest.raises(ValueError, match='feats'):
        GenSkeletonStreams(feats=('j', 'x'))
    with pytest.raises(ValueError, match='feats'):
        GenSkeletonStreams(feats=())
    with pytest.raises(ValueError, match='score_mode'):
        GenSkeletonStreams(score_mode='max')
    with pytest.raises(ValueError, match='bone tables'):
        GenSkeletonStreams('coco_new', bone_tree='mmaction')
    with pytest.raises(ValueError, match='joints'):
        GenSkeletonStreams('coco')(
            dict(keypoint=np.zeros((1, 2, 25, 3), np.float32)))
    with pytest.raises(ValueError, match='2D'):
        GenSkeletonStreams('coco')(
            dict(
                keypoint=np.zeros((1, 2, 17, 3), np.float32),
                keypoint_score=np.zeros((1, 2, 17), np.float32)))
    assert 'coco_new' in repr(GenSkeletonStreams('coco_new'))
