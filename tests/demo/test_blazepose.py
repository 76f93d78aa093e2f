# Copyright (c) aclnet-mm contributors. All rights reserved.
"""BlazePose, offline, on real images of people."""
import numpy as np
import pytest
from video.blazepose import crop_box
from video.landmarks import BLAZEPOSE_LANDMARKS

# Messi in messi5.jpg (548 x 342), boxed by hand: from the raised right hand
# to the left boot, from the hair to the soles.
MESSI_BOX = (60, 55, 470, 340)


def test_crop_box():
    np.testing.assert_array_equal(
        crop_box(np.array([100, 50, 140, 150]), 0.25, 640, 480),
        [90, 25, 150, 175])
    # Clipped to the frame.
    np.testing.assert_array_equal(
        crop_box(np.array([-5, 400, 30, 479]), 0.5, 640, 480),
        [0, 360, 48, 480])


def test_messi_33_landmarks_inside_his_box(blazepose, footage):
    import cv2
    image = cv2.imread(footage('messi5.jpg'))
    people = blazepose(image)
    assert len(people) == 1
    person = people[0]
    assert person.source == 'blazepose'
    assert person.keypoint.shape == (33, 2)
    assert person.keypoint_score.shape == (33, )
    x1, y1, x2, y2 = MESSI_BOX
    inside = ((person.keypoint[:, 0] >= x1) & (person.keypoint[:, 0] <= x2) &
              (person.keypoint[:, 1] >= y1) & (person.keypoint[:, 1] <= y2))
    assert inside.all(), np.flatnonzero(~inside)
    # A plausible body: the landmarks span the person, head above hips
    # above ankles, and BlazePose is sure of the upper body.
    span = person.keypoint.max(0) - person.keypoint.min(0)
    assert span[0] > 0.6 * (x2 - x1) and span[1] > 0.6 * (y2 - y1)
    at = {n: person.keypoint[i] for i, n in enumerate(BLAZEPOSE_LANDMARKS)}
    hips_y = (at['left_hip'][1] + at['right_hip'][1]) / 2
    assert at['nose'][1] < hips_y < max(at['left_ankle'][1],
                                        at['right_ankle'][1])
    assert person.keypoint_score[:13].min() > 0.5
    # The person's box holds the landmarks.
    assert (person.bbox[:2] <= person.keypoint.min(0) + 1).all()
    assert (person.bbox[2:] >= person.keypoint.max(0) - 1).all()


def test_small_pedestrians_through_the_detector(blazepose, footage):
    """Whole-frame BlazePose finds nobody in vtest.avi; HOG boxes, cropped
    and enlarged, give a pose for most people."""
    import cv2
    capture = cv2.VideoCapture(footage('vtest.avi'))
    people, boxes = 0, 0
    for _ in range(3):
        ok, frame = capture.read()
        assert ok
        found = blazepose(frame)
        people += len(found)
        boxes += len(blazepose.detector(frame)[0])
        for person in found:
            x1, y1, x2, y2 = person.bbox
            w, h = x2 - x1, y2 - y1
            # Landmarks near the person's detector box.
            assert (person.keypoint[:, 0] > x1 - w).all()
            assert (person.keypoint[:, 0] < x2 + w).all()
            assert (person.keypoint[:, 1] > y1 - h / 2).all()
            assert (person.keypoint[:, 1] < y2 + h / 2).all()
    capture.release()
    assert boxes >= 3 and people >= 0.75 * boxes, (people, boxes)


def test_detector_every_other_frame(footage, pose_stack):
    """With det_interval=2 the detector runs on frames 0 and 2; frame 1's
    people come from frame 0's landmarks."""
    import cv2
    from video.blazepose import BlazePoseEstimator
    capture = cv2.VideoCapture(footage('vtest.avi'))
    counts = []
    with BlazePoseEstimator(det_interval=2) as estimator:
        for index in range(3):
            frame = capture.read()[1]
            people = estimator(frame)
            counts.append(len(people))
            for person in people if index == 1 else ():
                # The box follows the person's confident landmarks.
                seen = person.keypoint[person.keypoint_score > 0.5]
                assert (seen >= person.bbox[:2] - 1).all()
                assert (seen <= person.bbox[2:] + 1).all()
        assert estimator.timings['detections'] == 2
        assert estimator.timings['frames'] == 3
    capture.release()
    assert counts[1] >= 1 and counts[1] >= counts[0] - 1, counts
    with pytest.raises(ValueError, match='det_interval'):
        BlazePoseEstimator(det_interval=0)


def test_whole_frame_mode(footage, pose_stack):
    """Without the detector (a webcam close-up): one person per frame."""
    import cv2
    from video.blazepose import BlazePoseEstimator
    image = cv2.imread(footage('messi5.jpg'))
    with BlazePoseEstimator(use_detector=False) as estimator:
        (person, ) = estimator(image)
        assert estimator.timings['detections'] == 0
    x1, y1, x2, y2 = MESSI_BOX
    assert (person.keypoint >= (x1, y1)).all()
    assert (person.keypoint <= (x2, y2)).all()
