# Copyright (c) aclnet-mm contributors. All rights reserved.
"""NMS by hand; OpenCV's HOG people detector on real street footage."""
import numpy as np
from video.person_detector import HOGPersonDetector, nms


def test_nms_by_hand():
    boxes = np.array(
        [[0, 0, 10, 10], [1, 0, 11, 10], [20, 0, 30, 10], [0, 0, 10, 10.5]],
        np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.95], np.float32)
    # Box 3 is best; 0 and 1 overlap it (IoU 0.95, 0.78); 2 is apart.
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), [3, 2])
    np.testing.assert_array_equal(nms(boxes, scores, 0.99), [3, 0, 1, 2])


def test_hog_finds_pedestrians(pose_stack, footage):
    import cv2
    capture = cv2.VideoCapture(footage('vtest.avi'))
    detector = HOGPersonDetector()
    counts = []
    for _ in range(3):
        ok, frame = capture.read()
        assert ok
        boxes, scores = detector(frame)
        assert boxes.shape == (len(scores), 4)
        assert (np.diff(scores) <= 0).all()  # best first
        assert (boxes[:, 2:] > boxes[:, :2]).all()
        assert (boxes >= -16).all() and (boxes[:, 2] <= 768 + 16).all()
        counts.append(len(boxes))
    capture.release()
    assert min(counts) >= 1 and max(counts) >= 2, counts
