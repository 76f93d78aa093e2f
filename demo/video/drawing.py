# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Draw people, their skeletons, ids and actions on a frame (OpenCV)."""
from typing import Optional, Sequence, Tuple

import numpy as np

from aclnet_mm.structures import get_layout

__all__ = ['track_color', 'draw_person', 'draw_status']

_FONT_SCALE = 0.5
# A small fixed palette (BGR), cycled by track id, so one person keeps a
# colour through the video.
_PALETTE = ((75, 25, 230), (75, 180, 60), (25, 225, 255), (200, 130, 0),
            (48, 130, 245), (180, 30, 145), (240, 240, 70), (230, 50, 240),
            (60, 245, 210), (128, 128, 0))


def track_color(track_id: int) -> Tuple[int, int, int]:
    """The BGR colour of a track."""
    return _PALETTE[track_id % len(_PALETTE)]


def draw_person(frame: np.ndarray,
                bbox: np.ndarray,
                keypoint: np.ndarray,
                keypoint_score: np.ndarray,
                layout: str,
                track_id: int,
                label: Optional[str] = None,
                score: Optional[float] = None,
                score_thr: float = 0.3) -> np.ndarray:
    """Draw one person in place.

    Args:
        frame (np.ndarray): BGR ``(H, W, 3)`` uint8, drawn on.
        bbox (np.ndarray): ``x1, y1, x2, y2``.
        keypoint (np.ndarray): ``(V, 2)`` pixel keypoints in ``layout``.
        keypoint_score (np.ndarray): ``(V, )``; joints at or below
            ``score_thr`` and the bones touching them are not drawn.
        layout (str): The skeleton layout, for its bones.
        track_id (int): Shown as ``#id``; picks the colour.
        label (str, optional): The person's current action.
        score (float, optional): Its probability.
        score_thr (float): See ``keypoint_score``. Defaults to 0.3.

    Returns:
        np.ndarray: ``frame``.
    """
    import cv2
    color = track_color(track_id)
    x1, y1, x2, y2 = (int(round(float(v))) for v in bbox)
    cv2.rectangle(frame, (x1, y1), (x2, y2), color, 2)
    seen = np.asarray(keypoint_score) > score_thr
    points = np.round(np.asarray(keypoint)).astype(np.int32)
    for child, parent in get_layout(layout).inward:
        if seen[child] and seen[parent]:
            cv2.line(frame, tuple(points[child]), tuple(points[parent]), color,
                     2, cv2.LINE_AA)
    for joint in np.flatnonzero(seen):
        cv2.circle(frame, tuple(points[joint]), 3, (255, 255, 255), -1,
                   cv2.LINE_AA)
    text = f'#{track_id}'
    if label is not None:
        text += f' {label}'
        if score is not None:
            text += f' {score:.2f}'
    (width, height), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX,
                                            _FONT_SCALE, 1)
    top = max(0, y1 - height - base - 2)
    cv2.rectangle(frame, (x1, top), (x1 + width + 2, top + height + base + 2),
                  color, -1)
    cv2.putText(frame, text, (x1 + 1, top + height + 1),
                cv2.FONT_HERSHEY_SIMPLEX, _FONT_SCALE, (0, 0, 0), 1,
                cv2.LINE_AA)
    return frame


def draw_status(frame: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Write a few status lines (frame, speed) at the top left, in place."""
    import cv2
    for i, line in enumerate(lines):
        origin = (8, 20 + 18 * i)
        cv2.putText(frame, line, origin, cv2.FONT_HERSHEY_SIMPLEX, _FONT_SCALE,
                    (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(frame, line, origin, cv2.FONT_HERSHEY_SIMPLEX, _FONT_SCALE,
                    (255, 255, 255), 1, cv2.LINE_AA)
    return frame
