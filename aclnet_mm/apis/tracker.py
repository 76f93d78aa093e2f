# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Follow people across frames by box overlap and keypoint distance.

Each frame's people are matched to the live tracks by an optimal
one-to-one assignment (Hungarian) on a cost mixing box IoU and the mean
distance of the keypoints both poses saw, in units of the box size. A
track that finds no match keeps its id for ``max_missed`` frames, so a
person the detector misses for a moment comes back under the same id;
after that the track ends and a person there later gets a new id.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ['Track', 'PoseTracker', 'box_iou', 'keypoint_similarity']


@dataclass
class Track:
    """A person followed across frames.

    Attributes:
        track_id (int): Stable id, counted from 0.
        bbox (np.ndarray): Last matched box ``x1, y1, x2, y2``.
        keypoint (np.ndarray, optional): Last matched ``(K, 2)`` keypoints.
        keypoint_score (np.ndarray, optional): Their ``(K, )`` scores.
        last_frame (int): Index of the last frame it was matched in.
        hits (int): Frames it was matched in.
        missed (int): Frames since it was last matched.
    """
    track_id: int
    bbox: np.ndarray
    keypoint: Optional[np.ndarray] = None
    keypoint_score: Optional[np.ndarray] = None
    last_frame: int = 0
    hits: int = 1
    missed: int = 0


def box_iou(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """Pairwise IoU of ``(N, 4)`` and ``(M, 4)`` boxes ``x1, y1, x2, y2``."""
    boxes1 = np.asarray(boxes1, np.float64).reshape(-1, 4)
    boxes2 = np.asarray(boxes2, np.float64).reshape(-1, 4)
    lt = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=-1)
    area1 = np.prod(boxes1[:, 2:] - boxes1[:, :2], axis=1)
    area2 = np.prod(boxes2[:, 2:] - boxes2[:, :2], axis=1)
    union = area1[:, None] + area2[None] - inter
    return inter / np.maximum(union, 1e-9)


def keypoint_similarity(kp1: np.ndarray,
                        score1: np.ndarray,
                        kp2: np.ndarray,
                        score2: np.ndarray,
                        size: float,
                        score_thr: float = 0.5) -> float:
    """``exp(-d)``, ``d`` the mean distance of the joints both saw / size.

    Args:
        kp1, kp2 (np.ndarray): ``(K, 2)`` keypoints.
        score1, score2 (np.ndarray): ``(K, )`` scores.
        size (float): Box scale (e.g. the diagonal) the distance is
            measured in.
        score_thr (float): A joint counts as seen above this score.

    Returns:
        float: In ``(0, 1]``; 0 when no joint was seen by both.
    """
    both = (score1 > score_thr) & (score2 > score_thr)
    if not both.any():
        return 0.0
    dist = np.linalg.norm(kp1[both] - kp2[both], axis=-1).mean()
    return float(np.exp(-dist / max(size, 1e-9)))


class PoseTracker:
    """Assign stable ids to the people of consecutive frames.

    Args:
        iou_weight (float): Weight of box IoU in the match score; the rest
            goes to keypoint similarity (when both poses have keypoints).
            Defaults to 0.5.
        min_score (float): Matches scoring below this are refused.
            Defaults to 0.2.
        max_missed (int): Frames a track survives without a match.
            Defaults to 10.
    """

    def __init__(self,
                 iou_weight: float = 0.5,
                 min_score: float = 0.2,
                 max_missed: int = 10) -> None:
        if not 0 <= iou_weight <= 1:
            raise ValueError(f'iou_weight must be in [0, 1], got {iou_weight}')
        self.iou_weight = iou_weight
        self.min_score = min_score
        self.max_missed = max_missed
        self.tracks: List[Track] = []
        self._next_id = 0
        self._frame = -1

    def _match_scores(self, boxes: np.ndarray, keypoints,
                      scores) -> np.ndarray:
        """``(num_tracks, num_people)`` match scores in ``[0, 1]``."""
        track_boxes = np.stack([t.bbox for t in self.tracks])
        iou = box_iou(track_boxes, boxes)
        out = iou.copy()
        if keypoints is None:
            return out
        for i, track in enumerate(self.tracks):
            if track.keypoint is None:
                continue
            diag = np.linalg.norm(track.bbox[2:] - track.bbox[:2])
            for j in range(len(boxes)):
                sim = keypoint_similarity(track.keypoint, track.keypoint_score,
                                          keypoints[j], scores[j], diag)
                out[i, j] = self.iou_weight * iou[i, j] + \
                    (1 - self.iou_weight) * sim
        return out

    def update(
            self,
            boxes: np.ndarray,
            keypoints: Optional[Sequence[np.ndarray]] = None,
            keypoint_scores: Optional[Sequence[np.ndarray]] = None
    ) -> List[int]:
        """Match one frame's people to the tracks.

        Args:
            boxes (np.ndarray): ``(N, 4)`` boxes of the frame's people.
            keypoints (Sequence[np.ndarray], optional): ``N`` ``(K, 2)``
                keypoints, used with ``keypoint_scores`` in the match.
            keypoint_scores (Sequence[np.ndarray], optional): ``N`` ``(K, )``
                scores.

        Returns:
            list[int]: The track id of each person, in input order.
        """
        self._frame += 1
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        if keypoints is not None and keypoint_scores is None:
            raise ValueError('keypoints need keypoint_scores')
        ids = [-1] * len(boxes)
        matched_tracks = set()
        if self.tracks and len(boxes):
            score = self._match_scores(boxes, keypoints, keypoint_scores)
            rows, cols = linear_sum_assignment(-score)
            for i, j in zip(rows, cols):
                if score[i, j] < self.min_score:
                    continue
                ids[j] = self.tracks[i].track_id
                matched_tracks.add(i)
                self._refresh(self.tracks[i], boxes[j], keypoints,
                              keypoint_scores, j)
        for i, track in enumerate(self.tracks):
            if i not in matched_tracks:
                track.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        for j in range(len(boxes)):
            if ids[j] < 0:
                track = Track(track_id=self._next_id, bbox=boxes[j])
                self._refresh(track, boxes[j], keypoints, keypoint_scores, j)
                track.hits = 1
                self.tracks.append(track)
                ids[j] = self._next_id
                self._next_id += 1
        return ids

    def _refresh(self, track: Track, box, keypoints, scores, j) -> None:
        track.bbox = np.asarray(box, np.float32)
        if keypoints is not None:
            track.keypoint = np.asarray(keypoints[j], np.float32)
            track.keypoint_score = np.asarray(scores[j], np.float32)
        track.last_frame = self._frame
        track.hits += 1
        track.missed = 0
