# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The embedded set's coordinate normalisation, by hand and by a loop."""
import numpy as np
import pytest
from tool_scripts import load_tool
from video.normalization import (KIT_LIMBS, coordinate_mode,
                                 normalize_openpose_kit)

from aclnet_mm.structures import get_layout

NAMES = get_layout('openpose_body25').joint_names


def test_hand_computed():
    kp = np.zeros((25, 2))
    score = np.zeros(25)
    placed = {
        'nose': (100, 75),
        'neck': (100, 100),
        'mid_hip': (100, 152),
        'right_shoulder': (83, 100),
        'left_shoulder': (117, 100),
        'right_wrist': (60, 90),  # below the threshold: missed
    }
    for name, point in placed.items():
        kp[NAMES.index(name)] = point
        score[NAMES.index(name)] = 0.9
    score[NAMES.index('right_wrist')] = 0.3
    kp[NAMES.index('left_ankle')] = (500, 500)  # score 0: OpenPose missed it
    out, out_score, valid = normalize_openpose_kit(kp, score, score_thr=0.5)
    assert valid
    # Torso 52 * 16 / 5.2 = neck 25 * 16 / 2.5 = shoulders 34 * 16 / 3.4
    # = 160; the box of the seen joints is x 83..117, y 75..152.
    centre_y = (75 + 152) / 2
    expected = {
        'nose': (0, (centre_y - 75) / 160),
        'neck': (0, (centre_y - 100) / 160),
        'mid_hip': (0, (centre_y - 152) / 160),
        'right_shoulder': (-17 / 160, (centre_y - 100) / 160),
        'left_shoulder': (17 / 160, (centre_y - 100) / 160),
    }
    for name, point in expected.items():
        np.testing.assert_allclose(out[NAMES.index(name)], point, atol=1e-6)
        assert out_score[NAMES.index(name)] == pytest.approx(0.9)
    for name in ('right_wrist', 'left_ankle', 'right_knee'):
        np.testing.assert_array_equal(out[NAMES.index(name)], 0)
        assert out_score[NAMES.index(name)] == 0


def _slow(kp, score, thr):
    """The recorder's steps, one joint and one limb at a time."""
    seen = [s > thr for s in score]
    xs = [kp[j, 0] for j in range(25) if seen[j]]
    ys = [kp[j, 1] for j in range(25) if seen[j]]
    out = np.zeros((25, 2))
    if not xs:
        return out, np.zeros(25), False
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    for j in range(25):
        if seen[j]:
            out[j] = (kp[j, 0] - cx, cy - kp[j, 1])
    sizes = []
    for a, b, share in KIT_LIMBS:
        i, k = NAMES.index(a), NAMES.index(b)
        if seen[i] and seen[k]:
            sizes.append(np.hypot(*(out[i] - out[k])) * 16.0 / share)
    if not sizes:
        return np.zeros((25, 2)), np.zeros(25), False
    out /= np.mean(sizes)
    return out, np.where(seen, score, 0), True


def test_matches_slow_restatement():
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 640, size=(6, 25, 2))
    score = rng.uniform(0, 1, size=(6, 25))
    score[2] = 0  # nobody: no limb, the recorder drops the frame
    score[3, [NAMES.index(n) for n in ('neck', 'mid_hip', 'nose')]] = 0
    out, out_score, valid = normalize_openpose_kit(kp, score, 0.4)
    for t in range(6):
        ref, ref_score, ref_valid = _slow(kp[t], score[t], 0.4)
        assert valid[t] == ref_valid
        np.testing.assert_allclose(out[t], ref, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(out_score[t], ref_score, rtol=1e-6)
    assert not valid[2] and (out[2] == 0).all()


def test_same_as_the_embedded_data():
    """A real frame of the kit, de-normalised to pixels by a scale and a
    shift, comes back to the stored coordinates (y up, same scale)."""
    pytest.importorskip('mmengine')
    load_body_recordings = load_tool(
        'data/embedded/prepare_pose_classification_kit.py'
    ).load_body_recordings
    try:
        rec = load_body_recordings()[0]
    except FileNotFoundError as err:
        pytest.skip(str(err))
    kp, score = rec['keypoint'][:20], rec['score'][:20]
    seen = score > 0
    pixels = np.stack([kp[..., 0] * 300 + 320, 240 - kp[..., 1] * 300], -1)
    pixels[~seen] = 0
    out, out_score, valid = normalize_openpose_kit(pixels, score)
    assert valid.all()
    np.testing.assert_allclose(out, kp, atol=2e-3)
    np.testing.assert_allclose(out_score, score)


def test_coordinate_mode():
    pre = [dict(type='PreNormalize2D'), dict(type='GenSkeFeat')]
    assert coordinate_mode(pre, 'coco') == 'pixel'
    assert coordinate_mode(pre, 'openpose_body25') == 'pixel'
    assert coordinate_mode([dict(type='GenSkeFeat')],
                           'openpose_body25') == 'openpose_kit'
    assert coordinate_mode([], 'nturgb+d') == 'pixel'


def test_bad_shape():
    with pytest.raises(ValueError, match='BODY-25'):
        normalize_openpose_kit(np.zeros((17, 2)), np.zeros(17))
