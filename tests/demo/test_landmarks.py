# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Each joint mapping checked on hand-placed landmarks."""
import numpy as np
import pytest
from video.landmarks import (BLAZEPOSE_LANDMARKS, COCO_KEYPOINTS,
                             joint_sources, map_keypoints)

from aclnet_mm.structures import get_layout


def _hand_placed():
    """Landmark i at (10 i, 1000 + 3 i), score 0.5 + i / 100: every
    landmark distinct, so a wrong index shows."""
    idx = np.arange(33, dtype=np.float32)
    keypoint = np.stack([10 * idx, 1000 + 3 * idx], axis=1)
    return keypoint, 0.5 + idx / 100


def _at(name):
    i = BLAZEPOSE_LANDMARKS.index(name)
    return np.array([10 * i, 1000 + 3 * i], np.float32), 0.5 + i / 100


def _mean(*names):
    points = [_at(n)[0] for n in names]
    return np.mean(points, axis=0), min(_at(n)[1] for n in names)


def test_blazepose_names():
    assert len(BLAZEPOSE_LANDMARKS) == 33
    # MediaPipe's documented indices of a few landmarks.
    assert BLAZEPOSE_LANDMARKS[0] == 'nose'
    assert BLAZEPOSE_LANDMARKS[11] == 'left_shoulder'
    assert BLAZEPOSE_LANDMARKS[24] == 'right_hip'
    assert BLAZEPOSE_LANDMARKS[32] == 'right_foot_index'


def test_body25():
    kp, score = _hand_placed()
    out, out_score = map_keypoints(kp, score, 'openpose_body25')
    assert out.shape == (25, 2) and out_score.shape == (25, )
    # OpenPose BODY-25 order, written out by hand.
    expected = {
        0: _at('nose'),
        1: _mean('left_shoulder', 'right_shoulder'),
        2: _at('right_shoulder'),
        3: _at('right_elbow'),
        4: _at('right_wrist'),
        5: _at('left_shoulder'),
        6: _at('left_elbow'),
        7: _at('left_wrist'),
        8: _mean('left_hip', 'right_hip'),
        9: _at('right_hip'),
        10: _at('right_knee'),
        11: _at('right_ankle'),
        12: _at('left_hip'),
        13: _at('left_knee'),
        14: _at('left_ankle'),
        15: _at('right_eye'),
        16: _at('left_eye'),
        17: _at('right_ear'),
        18: _at('left_ear'),
        19: _at('left_foot_index'),
        20: _at('left_foot_index'),  # one toe point: both toes
        21: _at('left_heel'),
        22: _at('right_foot_index'),
        23: _at('right_foot_index'),
        24: _at('right_heel'),
    }
    assert sorted(expected) == list(range(25))
    for joint, (point, s) in expected.items():
        np.testing.assert_allclose(out[joint], point, err_msg=str(joint))
        assert out_score[joint] == pytest.approx(s), joint


def test_coco():
    kp, score = _hand_placed()
    out, out_score = map_keypoints(kp, score, 'coco')
    names = get_layout('coco').joint_names
    for joint, name in enumerate(names):
        point, s = _at(name)
        np.testing.assert_allclose(out[joint], point, err_msg=name)
        assert out_score[joint] == pytest.approx(s)
    # COCO's documented order starts nose, left eye, right eye.
    np.testing.assert_allclose(out[1], _at('left_eye')[0])
    np.testing.assert_allclose(out[16], _at('right_ankle')[0])


def test_ntu_2d():
    kp, score = _hand_placed()
    out, out_score = map_keypoints(kp, score, 'nturgb+d')
    assert out.shape == (25, 2)
    shoulders = ('left_shoulder', 'right_shoulder')
    hips = ('left_hip', 'right_hip')
    expected = {
        0: _mean(*hips),  # spine base
        1: _mean(*hips, *shoulders),  # spine mid
        2: _mean(*shoulders, 'left_ear', 'right_ear'),  # neck
        3: _mean('left_ear', 'right_ear'),  # head
        4: _at('left_shoulder'),
        6: _at('left_wrist'),
        7: _mean('left_pinky', 'left_index'),  # left hand
        8: _at('right_shoulder'),
        11: _mean('right_pinky', 'right_index'),
        12: _at('left_hip'),
        15: _at('left_foot_index'),
        16: _at('right_hip'),
        19: _at('right_foot_index'),
        20: _mean(*shoulders),  # spine shoulder
        21: _at('left_index'),  # left hand tip
        22: _at('left_thumb'),
        23: _at('right_index'),
        24: _at('right_thumb'),
    }
    for joint, (point, s) in expected.items():
        np.testing.assert_allclose(out[joint], point, err_msg=str(joint))
        assert out_score[joint] == pytest.approx(s), joint
    assert (out_score > 0).all()


def test_coco_new_and_batches():
    kp, score = _hand_placed()
    batch = np.stack([kp, kp + 5])
    out, out_score = map_keypoints(batch, np.stack([score, score]), 'coco_new')
    assert out.shape == (2, 20, 2)
    np.testing.assert_allclose(out[0, 17], _mean('left_hip', 'right_hip')[0])
    np.testing.assert_allclose(out[1, 19],
                               _mean('left_shoulder', 'right_shoulder')[0] + 5)
    np.testing.assert_allclose(out[1, :17], out[0, :17] + 5)


def test_from_coco():
    """MMPose's COCO output mapped to BODY-25: no feet, derived midline."""
    kp = np.stack([np.arange(17) * 7.0, np.arange(17) * 2.0 + 1], axis=1)
    score = np.linspace(0.3, 0.9, 17)
    out, out_score = map_keypoints(kp, score, 'openpose_body25', 'coco')
    c = {name: i for i, name in enumerate(COCO_KEYPOINTS)}
    np.testing.assert_allclose(
        out[1], (kp[c['left_shoulder']] + kp[c['right_shoulder']]) / 2)
    assert out_score[1] == pytest.approx(
        min(score[c['left_shoulder']], score[c['right_shoulder']]))
    np.testing.assert_allclose(out[4], kp[c['right_wrist']])
    for joint in range(19, 25):  # feet: not in COCO
        assert out_score[joint] == 0
        np.testing.assert_array_equal(out[joint], 0)
    assert joint_sources('openpose_body25', 'coco')[21] == ()


def test_bad_input():
    with pytest.raises(ValueError, match='blazepose keypoints must be'):
        map_keypoints(np.zeros((17, 2)), np.zeros(17), 'coco')
    with pytest.raises(KeyError, match='no keypoint mapping'):
        map_keypoints(np.zeros((33, 2)), np.zeros(33), 'openpose')
    with pytest.raises(KeyError, match='unknown keypoint source'):
        joint_sources('coco', 'halpe')
