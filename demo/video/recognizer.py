# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Frames in, people with ids, skeletons and actions out.

:class:`SkeletonVideoRecognizer` runs, for each frame: the pose estimator,
the mapping of its keypoints to the model's layout, the tracker, the
per-person sliding windows and, for every window that is ready, the
recognizer (all windows of a frame in one batch, through the config's own
test pipeline, as :func:`~aclnet_mm.apis.inference_skeleton` does for one
sample).
"""
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from torch import nn

from aclnet_mm.apis.inference import (InferenceResult, SkeletonInput,
                                      _class_names, _pose_sample,
                                      _test_pipeline_cfg, _topk,
                                      model_expectations, prepare_skeleton)
from aclnet_mm.apis.tracker import PoseTracker
from aclnet_mm.datasets.contract import pipeline_expectations
from .landmarks import map_keypoints, target_layouts
from .normalization import coordinate_mode, normalize_openpose_kit
from .pose_estimator import BasePoseEstimator
from .windows import PoseWindow, SlidingWindows

__all__ = [
    'TrackedPerson', 'WindowPrediction', 'clip_length',
    'SkeletonVideoRecognizer'
]


@dataclass
class TrackedPerson:
    """One person in one frame, as the demo draws it.

    Attributes:
        track_id (int): Stable id.
        bbox (np.ndarray): ``x1, y1, x2, y2`` pixels.
        keypoint (np.ndarray): ``(V, 2)`` pixels in the model's layout.
        keypoint_score (np.ndarray): ``(V, )``.
        label (str, optional): Top class of the person's latest window.
        score (float, optional): Its probability.
    """
    track_id: int
    bbox: np.ndarray
    keypoint: np.ndarray
    keypoint_score: np.ndarray
    label: Optional[str] = None
    score: Optional[float] = None


@dataclass
class WindowPrediction:
    """The model's answer for one window of one person."""
    window: PoseWindow
    result: InferenceResult

    def to_dict(self) -> dict:
        """JSON-friendly: person id, frame range, top-k with scores."""
        names = self.result.names or [None] * len(self.result.labels)
        return dict(
            person_id=self.window.track_id,
            start_frame=self.window.start_frame,
            end_frame=self.window.end_frame,
            num_poses=len(self.window.frames),
            topk=[
                dict(label=label, name=name,
                     score=round(score, 6)) for label, name, score in zip(
                         self.result.labels, names, self.result.scores)
            ])


@dataclass
class _Timing:
    # Wall-clock seconds, and process CPU seconds (``_cpu``), which a
    # machine shared with other jobs inflates much less.
    pose: float = 0.0
    pose_cpu: float = 0.0
    people: int = 0
    frames: int = 0
    action: float = 0.0
    action_cpu: float = 0.0
    windows: int = 0
    batches: int = 0
    total: float = 0.0
    total_cpu: float = 0.0


def clip_length(pipeline: Sequence[dict]) -> Optional[int]:
    """``clip_len`` of the pipeline's frame sampler, if it has one.

    Read through the transforms' contracts, so every sampler that declares
    its clip length counts (``UniformSampleFrames``, ``PysklUniformSample``,
    ``SkeletonFirstFrames``, ...), as in the validator.
    """
    return pipeline_expectations(pipeline)['clip_len']


class SkeletonVideoRecognizer:
    """Recognise the action of each person in a stream of frames.

    Args:
        model (nn.Module): A recognizer from
            :func:`~aclnet_mm.apis.init_recognizer` (``model.cfg`` set), or
            None to run pose estimation and tracking only.
        pose_estimator (BasePoseEstimator): Finds people and keypoints.
        layout (str, optional): The model's layout; read from its config
            when None (``'openpose_body25'`` when there is no model).
        window (int, optional): Poses per window; the config's clip length
            when None.
        stride (int, optional): Poses between two windows of a person;
            defaults to a quarter of the window (at least 1).
        topk (int): Classes kept per window. Defaults to 5.
        class_names (Sequence[str], optional): Defaults to the config's.
        coordinates (str): ``'auto'`` (from the config, see
            :func:`~video.normalization.coordinate_mode`),
            ``'openpose_kit'`` or ``'pixel'``. Defaults to ``'auto'``.
        joint_score_thr (float): For ``'openpose_kit'``, joints scoring at
            or below it count as missed, as OpenPose would have left them
            out. Defaults to 0.5.
        tracker (PoseTracker, optional): Defaults to ``PoseTracker()``.
    """

    def __init__(self,
                 model: Optional[nn.Module],
                 pose_estimator: BasePoseEstimator,
                 layout: Optional[str] = None,
                 window: Optional[int] = None,
                 stride: Optional[int] = None,
                 topk: int = 5,
                 class_names: Optional[Sequence[str]] = None,
                 coordinates: str = 'auto',
                 joint_score_thr: float = 0.5,
                 tracker: Optional[PoseTracker] = None) -> None:
        self.model = model
        self.pose_estimator = pose_estimator
        pipeline = []
        if model is not None:
            cfg = model.cfg
            pipeline = _test_pipeline_cfg(cfg)
            # The joints the pipeline takes in (COCO-17 for a pipeline
            # with CocoToCocoNew) and whether it wants MMAction2's
            # compressed annotation (DecompressPose).
            self._expect = model_expectations(cfg)
            layout = layout or self._expect['layout']
            window = window or clip_length(pipeline)
            init_default_scope(cfg.get('default_scope', 'mmaction'))
            self._pipeline = Compose(pipeline)
        self.layout = layout or 'openpose_body25'
        if self.layout not in target_layouts():
            raise ValueError(
                f'the model takes layout {self.layout!r}; the demo maps poses '
                f'to {", ".join(target_layouts())} only')
        if model is not None and self._expect.get('dim') == 3:
            raise ValueError(
                'the model expects 3D keypoints (its pipeline normalises 3D '
                'skeletons); poses from a video are 2D: use a 2D model')
        if model is None and window is None:
            window = 24  # poses are tracked but never classified
        if window is None:
            raise ValueError('the window length is not in the config (no '
                             'frame sampler with a clip_len in its test '
                             'pipeline): give window')
        self.window = window
        stride = stride or max(1, window // 4)
        self.windows = SlidingWindows(window, stride, max_idle=window)
        self.topk = topk
        num_classes = None
        if model is not None:
            num_classes = model.cfg.model.cls_head.get('num_classes')
        self.class_names = list(class_names) if class_names else (_class_names(
            model, num_classes) if model is not None and num_classes else None)
        if coordinates == 'auto':
            coordinates = coordinate_mode(pipeline, self.layout)
        if coordinates not in ('openpose_kit', 'pixel'):
            raise ValueError(f'unknown coordinates {coordinates!r}; use '
                             "'auto', 'openpose_kit' or 'pixel'")
        if coordinates == 'openpose_kit' and self.layout != 'openpose_body25':
            raise ValueError("'openpose_kit' coordinates are for "
                             f'openpose_body25 models, not {self.layout!r}')
        self.coordinates = coordinates
        self.joint_score_thr = joint_score_thr
        self.tracker = tracker or PoseTracker()
        self.timing = _Timing()
        self._labels: Dict[int, tuple] = {}
        self._frame = -1
        self._img_shape = None

    def _model_input(self, keypoint: np.ndarray, score: np.ndarray) -> tuple:
        """A person's pixel keypoints in the model's coordinates.

        Returns:
            tuple: ``keypoint``, ``score`` and ``valid``: False for an
            ``'openpose_kit'`` pose without any detected limb, which the
            kit's recorder dropped (it has no body size to scale by).
        """
        if self.coordinates == 'openpose_kit':
            keypoint, score, valid = normalize_openpose_kit(
                keypoint, score, self.joint_score_thr)
            return keypoint, score, bool(valid)
        return keypoint, score, True

    def classify(self, windows: Sequence[PoseWindow]) -> List[InferenceResult]:
        """Run the recognizer on windows, in one batch.

        Args:
            windows (Sequence[PoseWindow]): Windows in the model's layout
                and coordinates.

        Returns:
            list[InferenceResult]: One per window.
        """
        if not windows:
            return []
        samples = []
        for win in windows:
            skeleton = prepare_skeleton(
                SkeletonInput(win.keypoint[None], win.keypoint_score[None]),
                self._expect)
            sample = _pose_sample(skeleton, self._img_shape,
                                  self._expect['compressed'])
            samples.append(self._pipeline(sample))
        with torch.no_grad():
            outputs = self.model.test_step(pseudo_collate(samples))
        results = []
        for out in outputs:
            scores = out.pred_score.detach().cpu().numpy().astype(np.float64)
            results.append(_topk(scores, self.topk, self.class_names))
        return results

    def __call__(self, frame: np.ndarray):
        """Process the next frame.

        Args:
            frame (np.ndarray): BGR ``(H, W, 3)`` uint8.

        Returns:
            tuple[list[TrackedPerson], list[WindowPrediction]]: The people
            of this frame (with their latest action) and the windows
            classified at this frame.
        """
        start, start_cpu = time.perf_counter(), time.process_time()
        self._frame += 1
        self._img_shape = frame.shape[:2]
        people = self.pose_estimator(frame)
        posed, posed_cpu = time.perf_counter(), time.process_time()
        mapped = [
            map_keypoints(p.keypoint, p.keypoint_score, self.layout, p.source)
            for p in people
        ]
        ids = self.tracker.update(
            np.array([p.bbox for p in people], np.float32).reshape(-1, 4),
            [m[0] for m in mapped], [m[1] for m in mapped])
        ready = []
        for track_id, (kp, score) in zip(ids, mapped):
            model_kp, model_score, valid = self._model_input(kp, score)
            if valid:  # else skipped, as a missed detection (windows.py)
                ready += self.windows.add(self._frame, track_id, model_kp,
                                          model_score)
        self.windows.prune(self._frame)
        predictions = []
        if self.model is not None and ready:
            action_start = time.perf_counter()
            action_cpu = time.process_time()
            results = self.classify(ready)
            self.timing.action += time.perf_counter() - action_start
            self.timing.action_cpu += time.process_time() - action_cpu
            self.timing.windows += len(ready)
            self.timing.batches += 1
            for win, res in zip(ready, results):
                predictions.append(WindowPrediction(win, res))
                name = res.names[0] if res.names else str(res.labels[0])
                self._labels[win.track_id] = (name, res.scores[0])
        tracked = []
        for person, track_id, (kp, score) in zip(people, ids, mapped):
            label, prob = self._labels.get(track_id, (None, None))
            tracked.append(
                TrackedPerson(track_id, person.bbox, kp, score, label, prob))
        self.timing.pose += posed - start
        self.timing.pose_cpu += posed_cpu - start_cpu
        self.timing.people += len(people)
        self.timing.frames += 1
        self.timing.total += time.perf_counter() - start
        self.timing.total_cpu += time.process_time() - start_cpu
        return tracked, predictions

    def timing_summary(self) -> Dict[str, float]:
        """Mean times in milliseconds (wall clock; ``cpu_`` keys: process
        CPU time), and counts."""
        t = self.timing
        frames = max(t.frames, 1)
        return dict(
            frames=t.frames,
            people_per_frame=t.people / frames,
            pose_ms_per_frame=1e3 * t.pose / frames,
            pose_ms_per_person=1e3 * t.pose / max(t.people, 1),
            action_ms_per_window=1e3 * t.action / max(t.windows, 1),
            action_ms_per_frame=1e3 * t.action / frames,
            windows=t.windows,
            recognize_ms_per_frame=1e3 * t.total / frames,
            cpu_pose_ms_per_frame=1e3 * t.pose_cpu / frames,
            cpu_action_ms_per_window=1e3 * t.action_cpu / max(t.windows, 1),
            cpu_action_ms_per_frame=1e3 * t.action_cpu / frames,
            cpu_recognize_ms_per_frame=1e3 * t.total_cpu / frames)
