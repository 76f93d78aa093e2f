# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Sliding windows per person."""
import numpy as np
import pytest
from video.windows import SlidingWindows


def _pose(value):
    return np.full((3, 2), value, np.float32), np.full(3, 0.5, np.float32)


def test_first_window_then_every_stride():
    windows = SlidingWindows(window=4, stride=2)
    emitted = []
    for frame in range(10):
        for win in windows.add(frame, 7, *_pose(frame)):
            emitted.append(win)
    assert [(w.start_frame, w.end_frame) for w in emitted] == [(0, 3), (2, 5),
                                                               (4, 7), (6, 9)]
    win = emitted[1]
    assert win.track_id == 7 and win.frames == [2, 3, 4, 5]
    assert win.keypoint.shape == (4, 3, 2)
    np.testing.assert_array_equal(win.keypoint[:, 0, 0], [2, 3, 4, 5])
    assert win.keypoint_score.shape == (4, 3)


def test_people_are_separate_and_misses_skipped():
    windows = SlidingWindows(window=3, stride=3)
    out = []
    for frame in range(6):
        out += windows.add(frame, 0, *_pose(frame))
        if frame != 2:  # person 1 missed in frame 2
            out += windows.add(frame, 1, *_pose(100 + frame))
    by_person = {}
    for win in out:
        by_person.setdefault(win.track_id, []).append(win.frames)
    assert by_person[0] == [[0, 1, 2], [3, 4, 5]]
    assert by_person[1] == [[0, 1, 3]]


def test_prune_and_order():
    windows = SlidingWindows(window=2, stride=1, max_idle=2)
    windows.add(0, 0, *_pose(0))
    windows.prune(3)  # idle for 3 frames: forgotten
    assert windows.add(4, 0, *_pose(4)) == []  # a fresh buffer
    with pytest.raises(ValueError, match='not after'):
        windows.add(4, 0, *_pose(4))
    with pytest.raises(ValueError, match='window must be positive'):
        SlidingWindows(0)
