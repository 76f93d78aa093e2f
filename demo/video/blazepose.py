# Copyright (c) aclnet-mm contributors. All rights reserved.
"""MediaPipe BlazePose as an offline, CPU, multi-person pose estimator.

``mediapipe==0.10.14`` ships BlazePose's person detector and its full
landmark model inside the wheel, so nothing is downloaded at run time. The
legacy ``mediapipe.solutions.pose`` graph finds one person per image, and
nobody at all when people are small in the frame (street footage); so
people are first found by an offline person detector (OpenCV's HOG), each
box is cropped with a margin and enlarged, and BlazePose runs on each
crop. When the detector finds nobody (a close-up, a webcam), BlazePose
runs once on the whole frame.

The solution graph turns its output packets into Python messages with
``SymbolDatabase.GetPrototype``, which protobuf >= 5 removed; our subclass
:class:`_OfflinePose` reads those packets with ``GetMessageClass``
instead, through the graph's own ``_get_packet_content`` hook, so the
estimator works with the protobuf that the rest of the stack (onnx) needs.
"""
import time
from typing import List, Optional

import numpy as np

from .person_detector import HOGPersonDetector
from .pose_estimator import (BasePoseEstimator, PersonPose,
                             register_pose_estimator)

__all__ = ['BlazePoseEstimator', 'crop_box']

INSTALL_HINT = ('install the demo requirements: make install, or '
                'pip install -r requirements/demo.txt && '
                'pip install --no-deps -r requirements/mediapipe.txt')


def _pose_solution_class():
    """MediaPipe's ``Pose`` solution, reading its outputs without
    ``GetPrototype`` (built lazily: importing mediapipe is slow)."""
    try:
        from google.protobuf import message_factory, symbol_database
        from mediapipe.python import solution_base
        from mediapipe.python._framework_bindings import _packet_getter
        from mediapipe.python.solutions.pose import Pose
    except ImportError as err:
        raise ImportError(f'BlazePose needs mediapipe 0.10.14 ({err}); '
                          f'{INSTALL_HINT}') from err

    class _OfflinePose(Pose):

        def _get_packet_content(self, packet_data_type, output_packet):
            if (packet_data_type != solution_base.PacketDataType.PROTO
                    or output_packet.is_empty()):
                return super()._get_packet_content(packet_data_type,
                                                   output_packet)
            name = _packet_getter._get_proto_type_name(output_packet)
            descriptor = symbol_database.Default().pool.FindMessageTypeByName(
                name)
            message_class = message_factory.GetMessageClass(descriptor)
            return message_class.FromString(
                _packet_getter._get_serialized_proto(output_packet))

    return _OfflinePose


def crop_box(box: np.ndarray, margin: float, width: int,
             height: int) -> np.ndarray:
    """Grow ``box`` by ``margin`` of its size on each side, clip to the frame.

    Args:
        box (np.ndarray): ``x1, y1, x2, y2``.
        margin (float): Fraction of the box's width (height) added left and
            right (above and below).
        width (int): Frame width.
        height (int): Frame height.

    Returns:
        np.ndarray: Integer ``x1, y1, x2, y2`` with ``x1 < x2``, ``y1 < y2``.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    dx, dy = margin * (x2 - x1), margin * (y2 - y1)
    out = np.array([
        np.floor(max(0.0, x1 - dx)),
        np.floor(max(0.0, y1 - dy)),
        np.ceil(min(float(width), x2 + dx)),
        np.ceil(min(float(height), y2 + dy))
    ]).astype(np.int64)
    out[2] = max(out[2], out[0] + 1)
    out[3] = max(out[3], out[1] + 1)
    return out


@register_pose_estimator('blazepose')
class BlazePoseEstimator(BasePoseEstimator):
    """People from a person detector, 33 BlazePose landmarks per person.

    Args:
        detector (HOGPersonDetector, optional): Person boxes; defaults to
            OpenCV's HOG people detector. ``None`` with
            ``use_detector=False`` runs BlazePose on whole frames only (one
            person per frame).
        use_detector (bool): Find people with ``detector`` first.
            Defaults to True.
        whole_frame_fallback (bool): When the detector finds nobody, run
            BlazePose on the whole frame. Defaults to True.
        margin (float): Crop margin around a box, as a fraction of its
            size. Defaults to 0.2.
        crop_height (int): Crops are resized to this height (small people
            are enlarged about x3, which BlazePose's detector needs).
            Defaults to 480.
        max_people (int): At most this many people per frame (best boxes
            first). Defaults to 10.
        min_detection_confidence (float): BlazePose's person detector
            threshold. Defaults to 0.5.
        det_interval (int): Run the person detector on every
            ``det_interval``-th frame; on the frames between, each person's
            box is the extent of their landmarks in the previous frame
            (people who enter are found at the next detector frame).
            Defaults to 1 (the detector on every frame).
    """

    source = 'blazepose'

    def __init__(self,
                 detector: Optional[HOGPersonDetector] = None,
                 use_detector: bool = True,
                 whole_frame_fallback: bool = True,
                 margin: float = 0.2,
                 crop_height: int = 480,
                 max_people: int = 10,
                 min_detection_confidence: float = 0.5,
                 det_interval: int = 1) -> None:
        if det_interval < 1:
            raise ValueError(
                f'det_interval must be positive, got {det_interval}')
        import cv2
        self._cv2 = cv2
        if use_detector and detector is None:
            detector = HOGPersonDetector()
        self.detector = detector if use_detector else None
        self.whole_frame_fallback = whole_frame_fallback
        self.margin = margin
        self.crop_height = crop_height
        self.max_people = max_people
        self.det_interval = det_interval
        self._previous: List[PersonPose] = []
        #: Seconds spent in the detector and in BlazePose (wall clock, and
        #: process CPU time: ``_cpu``), frames, detector runs and crops.
        self.timings = dict(
            detect=0.0,
            detect_cpu=0.0,
            pose=0.0,
            pose_cpu=0.0,
            frames=0,
            detections=0,
            crops=0)
        # Every crop is a different person: static mode (no tracking
        # between calls), the full landmark model (the one in the wheel).
        self._pose = _pose_solution_class()(
            static_image_mode=True,
            model_complexity=1,
            enable_segmentation=False,
            min_detection_confidence=min_detection_confidence)

    def estimate_crop(self, frame: np.ndarray,
                      box: np.ndarray) -> Optional[PersonPose]:
        """BlazePose on one region of a BGR frame.

        Args:
            frame (np.ndarray): ``(H, W, 3)`` uint8 BGR.
            box (np.ndarray): ``x1, y1, x2, y2`` integer region.

        Returns:
            PersonPose | None: Landmarks in frame pixels, or None when
            BlazePose finds no person in the region.
        """
        x1, y1, x2, y2 = (int(v) for v in box)
        crop = frame[y1:y2, x1:x2]
        factor = self.crop_height / max(1, crop.shape[0])
        if abs(factor - 1) > 1e-3:
            crop = self._cv2.resize(
                crop,
                None,
                fx=factor,
                fy=factor,
                interpolation=self._cv2.INTER_LINEAR)
        rgb = self._cv2.cvtColor(crop, self._cv2.COLOR_BGR2RGB)
        start, start_cpu = time.perf_counter(), time.process_time()
        result = self._pose.process(rgb)
        self.timings['pose'] += time.perf_counter() - start
        self.timings['pose_cpu'] += time.process_time() - start_cpu
        self.timings['crops'] += 1
        if result.pose_landmarks is None:
            return None
        marks = result.pose_landmarks.landmark
        # Landmarks are relative to the crop: back to frame pixels.
        norm = np.array([[m.x, m.y] for m in marks], np.float32)
        keypoint = norm * np.array([x2 - x1, y2 - y1], np.float32) + \
            np.array([x1, y1], np.float32)
        score = np.clip(
            np.array([m.visibility for m in marks], np.float32), 0, 1)
        return PersonPose(
            bbox=np.array([x1, y1, x2, y2], np.float32),
            bbox_score=1.0,
            keypoint=keypoint,
            keypoint_score=score,
            source=self.source)

    def __call__(self, frame: np.ndarray) -> List[PersonPose]:
        """People and their 33 landmarks in a BGR frame."""
        height, width = frame.shape[:2]
        people = []
        boxes = np.zeros((0, 4), np.float32)
        self.timings['frames'] += 1
        if self.detector is not None:
            detect = (self.timings['frames'] - 1) % self.det_interval == 0 \
                or not self._previous
            if detect:
                start, start_cpu = time.perf_counter(), time.process_time()
                boxes, scores = self.detector(frame)
                self.timings['detect'] += time.perf_counter() - start
                self.timings['detect_cpu'] += time.process_time() - start_cpu
                self.timings['detections'] += 1
            else:
                boxes, scores = self._boxes_from(self._previous)
            for box, score in zip(boxes[:self.max_people],
                                  scores[:self.max_people]):
                region = crop_box(box, self.margin, width, height)
                person = self.estimate_crop(frame, region)
                if person is not None:
                    person.bbox = np.asarray(box, np.float32) if detect \
                        else self._boxes_from([person])[0][0]
                    person.bbox_score = float(score)
                    people.append(person)
        if not len(boxes) and (self.detector is None
                               or self.whole_frame_fallback):
            person = self.estimate_crop(frame, np.array([0, 0, width, height]))
            if person is not None:
                # No detector box: the landmarks' extent is the box.
                seen = person.keypoint_score > 0.5
                pts = person.keypoint[seen] if seen.any() else person.keypoint
                person.bbox = np.concatenate([pts.min(0),
                                              pts.max(0)]).astype(np.float32)
                person.bbox_score = float(person.keypoint_score.mean())
                people.append(person)
        self._previous = people
        return people

    @staticmethod
    def _boxes_from(people: List[PersonPose]):
        """Boxes around the seen landmarks of ``people``, padded like a
        detector box (the landmarks stop at the eyes and the heels)."""
        boxes, scores = [], []
        for person in people:
            seen = person.keypoint_score > 0.5
            pts = person.keypoint[seen] if seen.sum() >= 2 \
                else person.keypoint
            low, high = pts.min(0), pts.max(0)
            pad = 0.1 * (high - low)
            boxes.append(np.concatenate([low - pad, high + pad]))
            scores.append(person.bbox_score)
        return (np.asarray(boxes, np.float32).reshape(-1, 4),
                np.asarray(scores, np.float32))

    def close(self) -> None:
        """Close MediaPipe's graph."""
        if self._pose is not None:
            self._pose.close()
            self._pose = None
