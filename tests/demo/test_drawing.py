# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Drawing a person: box, bones of seen joints, id and label."""
import numpy as np
from video.drawing import draw_person, track_color


def test_draw_person(pose_stack):
    frame = np.zeros((200, 200, 3), np.uint8)
    keypoint = np.zeros((17, 2), np.float32)
    keypoint[5], keypoint[7] = (60, 60), (60, 140)  # left shoulder, elbow
    score = np.zeros(17)
    score[[5, 7]] = 1
    draw_person(frame, np.array([40, 40, 160, 180]), keypoint, score, 'coco',
                3, 'Squat', 0.91)
    color = np.array(track_color(3))
    assert (frame[100, 60] == color).all()  # the bone 7-5
    assert (frame[110, 40] == color).all()  # the box's left side
    assert (frame[100, 100] == 0).all()  # nothing else
    assert frame[:40].any()  # the label above the box
    # An unseen joint's bones are not drawn.
    blank = np.zeros_like(frame)
    score[7] = 0
    draw_person(blank, np.array([0, 0, 1, 1]), keypoint, score, 'coco', 0)
    assert not blank[100, 60].any()
