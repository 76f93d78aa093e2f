# Copyright (c) aclnet-mm contributors. All rights reserved.
"""An offline person detector: OpenCV's built-in HOG people detector.

It needs no weights (the linear SVM ships inside OpenCV 4.x; the 5.0 wheels
dropped ``HOGDescriptor``), runs on a CPU and finds the upright, walking
people of street footage that single-person pose models miss when they
are small in the frame.
"""
from typing import Optional, Tuple

import numpy as np

__all__ = ['HOGPersonDetector', 'nms']


def nms(boxes: np.ndarray, scores: np.ndarray, iou_thr: float) -> np.ndarray:
    """Greedy non-maximum suppression.

    Args:
        boxes (np.ndarray): ``(N, 4)`` boxes ``x1, y1, x2, y2``.
        scores (np.ndarray): ``(N, )`` scores.
        iou_thr (float): A box overlapping a kept, better box by more than
            this IoU is dropped.

    Returns:
        np.ndarray: Indices of the kept boxes, best first.
    """
    order = np.argsort(-scores, kind='stable')
    keep = []
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        lt = np.maximum(boxes[best, :2], boxes[rest, :2])
        rb = np.minimum(boxes[best, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
        iou = inter / np.maximum(area[best] + area[rest] - inter, 1e-9)
        order = rest[iou <= iou_thr]
    return np.asarray(keep, dtype=np.int64)


class HOGPersonDetector:
    """People boxes from OpenCV's HOG + linear SVM pedestrian detector.

    Args:
        score_thr (float): Minimum SVM score of a box. Defaults to 0.
        nms_thr (float): IoU above which the weaker of two boxes is
            dropped. Defaults to 0.4.
        win_stride (tuple[int, int]): Window step in pixels. Defaults to
            ``(8, 8)``.
        scale (float): Pyramid step; larger is faster and misses more.
            Defaults to 1.05.
        max_side (int, optional): Frames whose longer side exceeds it are
            shrunk before detection (HOG's cost grows with the area; its
            window is 64 x 128 pixels). Defaults to 960.
    """

    def __init__(self,
                 score_thr: float = 0.0,
                 nms_thr: float = 0.4,
                 win_stride: Tuple[int, int] = (8, 8),
                 scale: float = 1.05,
                 max_side: Optional[int] = 960) -> None:
        import cv2
        if not hasattr(cv2, 'HOGDescriptor'):
            raise ImportError(
                f'OpenCV {cv2.__version__} has no HOGDescriptor (the 5.0 '
                'wheels dropped it); install an OpenCV 4.x wheel: '
                'pip install -r requirements/demo.txt')
        self._cv2 = cv2
        self.hog = cv2.HOGDescriptor()
        self.hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self.score_thr = score_thr
        self.nms_thr = nms_thr
        self.win_stride = tuple(win_stride)
        self.scale = scale
        self.max_side = max_side

    def __call__(self, frame: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Detect people in a BGR frame.

        Args:
            frame (np.ndarray): ``(H, W, 3)`` uint8.

        Returns:
            tuple[np.ndarray, np.ndarray]: ``(N, 4)`` float32 boxes
            ``x1, y1, x2, y2`` in the frame's pixels and ``(N, )`` scores,
            best first.
        """
        factor = 1.0
        longer = max(frame.shape[:2])
        if self.max_side and longer > self.max_side:
            factor = self.max_side / longer
            frame = self._cv2.resize(
                frame,
                None,
                fx=factor,
                fy=factor,
                interpolation=self._cv2.INTER_AREA)
        rects, weights = self.hog.detectMultiScale(
            frame, winStride=self.win_stride, padding=(8, 8), scale=self.scale)
        if len(rects) == 0:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        rects = np.asarray(rects, np.float32).reshape(-1, 4)
        scores = np.asarray(weights, np.float32).reshape(-1)
        boxes = np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]],
                               axis=1) / factor
        keep = scores > self.score_thr
        boxes, scores = boxes[keep], scores[keep]
        order = nms(boxes, scores, self.nms_thr)
        return boxes[order], scores[order]
