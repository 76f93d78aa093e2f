# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The tracker on synthetic boxes: ids persist, survive short misses,
swap with nobody at a crossing, and end after long misses."""
import numpy as np
import pytest

from aclnet_mm.apis.tracker import PoseTracker, box_iou, keypoint_similarity


def _box(x, y, w=40, h=100):
    return [x, y, x + w, y + h]


def test_box_iou_by_hand():
    iou = box_iou(
        np.array([[0, 0, 10, 10]]),
        np.array([[5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 10, 10]]))
    # overlap 5 x 10 = 50, union 150
    np.testing.assert_allclose(iou, [[50 / 150, 0, 1]])


def test_keypoint_similarity():
    kp = np.array([[0, 0], [10, 0]], np.float32)
    ones = np.ones(2)
    assert keypoint_similarity(kp, ones, kp, ones, 10) == pytest.approx(1)
    assert keypoint_similarity(kp, ones, kp + [3, 4], ones,
                               10) == pytest.approx(np.exp(-0.5))
    assert keypoint_similarity(kp, np.zeros(2), kp, ones, 10) == 0


def test_ids_follow_walking_people():
    tracker = PoseTracker(max_missed=3)
    history = []
    for t in range(20):
        # Two people walking towards each other, listed in alternating
        # order: ids follow the people, not the list positions.
        a, b = _box(10 + 3 * t, 50), _box(300 - 3 * t, 60)
        boxes = [a, b] if t % 2 else [b, a]
        ids = tracker.update(np.array(boxes))
        history.append(tuple(ids) if t % 2 else tuple(ids[::-1]))
    assert set(history) == {(1, 0)}  # b came first in frame 0: id 0


def test_short_miss_keeps_id_long_miss_ends():
    tracker = PoseTracker(max_missed=3)
    for t in range(5):
        tracker.update(np.array([_box(10 + 2 * t, 50), _box(200, 50)]))
    # Person 0 unseen for 3 frames (within max_missed), then back.
    for t in range(5, 8):
        assert tracker.update(np.array([_box(200, 50)])) == [1]
    assert tracker.update(np.array([_box(26, 50), _box(200, 50)])) == [0, 1]
    # Person 1 unseen for 4 frames: its track ends; a new id later.
    for t in range(4):
        assert tracker.update(np.array([_box(26, 50)])) == [0]
    assert tracker.update(np.array([_box(26, 50), _box(200, 50)])) == [0, 2]
    assert sorted(t.track_id for t in tracker.tracks) == [0, 2]


def test_crossing_uses_keypoints():
    """Two boxes overlapping alike: the poses decide who is who."""
    tracker = PoseTracker(iou_weight=0.3)
    pose_a = np.array([[0, 0], [0, 50], [0, 100]], np.float32)
    pose_b = np.array([[40, 0], [40, 50], [40, 100]], np.float32)
    scores = [np.ones(3), np.ones(3)]
    box = np.array([_box(100, 0), _box(100, 0)])
    ids = tracker.update(box, [pose_a + 100, pose_b + 100], scores)
    assert ids == [0, 1]
    ids = tracker.update(box, [pose_b + 101, pose_a + 101], scores)
    assert ids == [1, 0]


def test_no_match_below_min_score():
    tracker = PoseTracker(min_score=0.2)
    assert tracker.update(np.array([_box(0, 0)])) == [0]
    # Far away: a new person, not the same one.
    assert tracker.update(np.array([_box(400, 300)])) == [1]


def test_bad_arguments():
    with pytest.raises(ValueError, match='iou_weight'):
        PoseTracker(iou_weight=2)
    with pytest.raises(ValueError, match='keypoint_scores'):
        PoseTracker().update(np.array([_box(0, 0)]), [np.zeros((3, 2))])
