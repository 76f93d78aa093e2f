# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Sliding windows of each person's poses, the model's clip length long.

Every tracked person has a buffer of its last ``window`` poses. Once it
holds ``window`` poses, and then every ``stride`` new poses, a window is
ready: the person's id, the frame range it covers and the ``(T, V, 2)``
keypoints with ``(T, V)`` scores, in time order. Frames where the tracker
kept the person's id but the detector missed them are skipped (the
window is the person's last ``window`` observed poses), rather than
filled with zeros, which the model never saw inside a clip.
"""
from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, List, Tuple

import numpy as np

__all__ = ['PoseWindow', 'SlidingWindows']


@dataclass
class PoseWindow:
    """A window of one person's poses.

    Attributes:
        track_id (int): The person.
        start_frame (int): First frame index in the window.
        end_frame (int): Last frame index (inclusive).
        frames (list[int]): The frame index of each pose.
        keypoint (np.ndarray): ``(T, V, 2)`` keypoints.
        keypoint_score (np.ndarray): ``(T, V)`` scores.
    """
    track_id: int
    start_frame: int
    end_frame: int
    frames: List[int]
    keypoint: np.ndarray
    keypoint_score: np.ndarray


class SlidingWindows:
    """Per-person pose buffers that emit windows.

    Args:
        window (int): Poses per window (the model's clip length).
        stride (int): New poses between two windows of one person.
            Defaults to ``window // 2`` (at least 1).
        max_idle (int): A person's buffer is dropped after this many frames
            without a new pose. Defaults to 30.
    """

    def __init__(self,
                 window: int,
                 stride: int = None,
                 max_idle: int = 30) -> None:
        if window < 1:
            raise ValueError(f'window must be positive, got {window}')
        self.window = window
        self.stride = max(1, window // 2) if stride is None else stride
        if self.stride < 1:
            raise ValueError(f'stride must be positive, got {stride}')
        self.max_idle = max_idle
        self._buffers: Dict[int, Deque[Tuple[int, np.ndarray,
                                             np.ndarray]]] = {}
        self._since: Dict[int, int] = {}
        self._last_seen: Dict[int, int] = {}

    def add(self, frame: int, track_id: int, keypoint: np.ndarray,
            keypoint_score: np.ndarray) -> List[PoseWindow]:
        """Add one person's pose in one frame.

        Args:
            frame (int): Frame index (increasing per person).
            track_id (int): The person.
            keypoint (np.ndarray): ``(V, 2)`` keypoints.
            keypoint_score (np.ndarray): ``(V, )`` scores.

        Returns:
            list[PoseWindow]: The window this pose completes, if any.
        """
        buffer = self._buffers.setdefault(track_id, deque(maxlen=self.window))
        if buffer and frame <= buffer[-1][0]:
            raise ValueError(f'person {track_id}: frame {frame} is not after '
                             f'its last frame {buffer[-1][0]}')
        buffer.append((frame, np.asarray(keypoint, np.float32),
                       np.asarray(keypoint_score, np.float32)))
        self._last_seen[track_id] = frame
        # Poses since the last window; the first window needs a full one.
        since = self._since.get(track_id, self.stride - self.window) + 1
        self._since[track_id] = since
        if len(buffer) < self.window or since < self.stride:
            return []
        self._since[track_id] = 0
        frames = [item[0] for item in buffer]
        return [
            PoseWindow(
                track_id=track_id,
                start_frame=frames[0],
                end_frame=frames[-1],
                frames=frames,
                keypoint=np.stack([item[1] for item in buffer]),
                keypoint_score=np.stack([item[2] for item in buffer]))
        ]

    def prune(self, frame: int) -> None:
        """Forget people not seen for more than ``max_idle`` frames."""
        for track_id in [
                t for t, last in self._last_seen.items()
                if frame - last > self.max_idle
        ]:
            for table in (self._buffers, self._since, self._last_seen):
                table.pop(track_id, None)
