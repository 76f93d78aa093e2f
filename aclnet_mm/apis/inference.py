# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Inference on raw skeleton arrays, skeleton files and MMPose outputs.

The model side is MMAction2's: :func:`init_recognizer` builds the recognizer
from its config and :func:`inference_skeleton` runs the config's own test
pipeline (``GenSkeFeat``, ``UniformSampleFrames``, ...) on a sample made from
the keypoints, exactly as ``PoseDataset`` would have built it.

A pipeline with ``PreNormalize2D`` scales pixels by the frame size: give it
as ``img_shape=(h, w)`` (CLI: ``--img-shape H W``) unless the input carries
it (a PoseDataset-style dict or ``.npz`` with ``img_shape``); without any,
the config's ``PreNormalize2D(img_shape=...)`` applies, with a warning.
MMPose's JSON output holds no frame size.

Example::

    >>> from aclnet_mm.apis import inference_skeleton, init_recognizer
    >>> model = init_recognizer('configs/aclnet/....py', 'epoch_30.pth')
    >>> result = inference_skeleton(model, 'pose.json', topk=3)
    >>> result.names, result.scores
"""
import json
import os.path as osp
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmaction.apis import inference_recognizer
from mmaction.apis import init_recognizer as _mmaction_init_recognizer
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from torch import nn

from aclnet_mm.datasets.class_names import load_class_names
from aclnet_mm.datasets.validation.plausibility import check_inference_input
from aclnet_mm.engine.hooks.plain_message_hub_hook import from_plain_data
from aclnet_mm.evaluation.functional.fusion import fuse_scores
from aclnet_mm.structures import get_layout, list_layouts
from aclnet_mm.utils.checkpoint_loading import load_checkpoint_file
from .tracker import PoseTracker

__all__ = [
    'SkeletonInput', 'InferenceResult', 'init_recognizer', 'load_skeleton',
    'model_expectations', 'prepare_skeleton', 'inference_skeleton',
    'inference_skeleton_streams'
]

ConfigLike = Union[str, Path, Config]
ModelLike = Union[nn.Module, ConfigLike]


@dataclass
class SkeletonInput:
    """Keypoints in PoseDataset's layout.

    Attributes:
        keypoint (np.ndarray): ``(M, T, V, C)`` coordinates, C = 2 or 3.
        keypoint_score (np.ndarray, optional): ``(M, T, V)`` confidences.
        img_shape (tuple[int, int], optional): ``(h, w)`` of the frames the
            pixels come from, when the input says.
    """
    keypoint: np.ndarray
    keypoint_score: Optional[np.ndarray] = None
    img_shape: Optional[Tuple[int, int]] = None

    @property
    def channels(self) -> int:
        """Channels per joint, the score counted as one."""
        return self.keypoint.shape[-1] + int(self.keypoint_score is not None)


@dataclass
class InferenceResult:
    """Top-k prediction of one sample.

    Attributes:
        labels (list[int]): Class indices, best first.
        scores (list[float]): Their (fused) probabilities.
        names (list[str], optional): Their class names when known.
        pred_score (np.ndarray): Scores of every class, ``(num_classes, )``.
    """
    labels: List[int]
    scores: List[float]
    names: Optional[List[str]] = None
    pred_score: np.ndarray = field(default=None, repr=False)

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-friendly dict (without the full score vector)."""
        return dict(labels=self.labels, names=self.names, scores=self.scores)


def init_recognizer(config: ConfigLike,
                    checkpoint: Optional[str] = None,
                    device: Optional[Union[str, torch.device]] = None,
                    cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a recognizer from a config and load its checkpoint.

    The checkpoint, local or a URL (downloaded to torch hub's cache
    first), is read under the package's loading policy
    (:func:`~aclnet_mm.utils.checkpoint_loading.load_checkpoint_file`:
    checked, ``weights_only=True``, a file that needs full unpickling
    refused unless ``ACLNET_MM_ALLOW_UNSAFE_LOAD=1``).

    Args:
        config (str | Path | Config): The config file or object.
        checkpoint (str, optional): Weights to load: a path or a URL
            (``https://``, ``open-mmlab://``, ``s3://`` ...). Defaults to
            None.
        device (str | torch.device, optional): Defaults to ``'cuda:0'`` when
            CUDA is available, else ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        nn.Module: The recognizer in eval mode, its config in ``model.cfg``,
        the checkpoint's path in ``model.checkpoint_path`` and its
        ``meta['dataset_meta']`` (class names, ...) in
        ``model.dataset_meta`` (None without).
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    if cfg_options:
        config.merge_from_dict(cfg_options)
    if device is None:
        device = 'cuda:0' if torch.cuda.is_available() else 'cpu'
    model = _mmaction_init_recognizer(config, None, device='cpu')
    model.checkpoint_path = checkpoint
    model.dataset_meta = None
    if checkpoint is not None:
        # The package's loading policy, remote files included.
        loaded = _load_checkpoint_to_model(
            model, load_checkpoint_file(str(checkpoint), map_location='cpu'))
        # Our checkpoints keep numpy values of meta as plain data.
        meta = from_plain_data(loaded.get('meta') or {})
        model.dataset_meta = meta.get('dataset_meta')
    return model.to(device)


def _stack_frames(frames: Sequence[Any]) -> np.ndarray:
    """Stack per-frame ``(M_t, V, C)`` or ``(V, C)`` arrays to (M, T, V, C).

    Frames with fewer people are padded with zeros (PoseDataset's
    convention for a missing person).
    """
    arrays = []
    for t, frame in enumerate(frames):
        frame = np.asarray(frame, dtype=np.float32)
        if frame.ndim == 2:
            frame = frame[None]
        if frame.ndim != 3:
            raise ValueError(
                f'frame {t}: expected (V, C) or (M, V, C) keypoints, got '
                f'shape {frame.shape}')
        arrays.append(frame)
    if not arrays:
        raise ValueError('no frames given')
    shapes = {a.shape[1:] for a in arrays if a.shape[0]}
    if len(shapes) > 1:
        raise ValueError(f'frames disagree on (V, C): {sorted(shapes)}')
    joints, channels = shapes.pop() if shapes else arrays[0].shape[1:]
    people = max(a.shape[0] for a in arrays)
    out = np.zeros((people, len(arrays), joints, channels), np.float32)
    for t, frame in enumerate(arrays):
        if frame.shape[0]:
            out[:frame.shape[0], t] = frame
    return out


def _mmpose_frames(data: Any) -> List[Tuple[Any, List[dict]]]:
    """``(frame_id, instances)`` per frame from MMPose's JSON outputs."""
    if isinstance(data, dict) and 'instance_info' in data:
        data = data['instance_info']  # demo/topdown_demo_with_mmdet.py
    if isinstance(data, dict) and 'instances' in data:
        data = [data]
    if not isinstance(data, list) or not data:
        raise ValueError('not an MMPose result: expected a list of frames '
                         "({'frame_id', 'instances'}) or of instances")
    if all(isinstance(d, dict) and 'instances' in d for d in data):
        data = sorted(data, key=lambda d: d.get('frame_id', 0))
        return [(d.get('frame_id', t), list(d['instances']))
                for t, d in enumerate(data)]
    if all(isinstance(d, dict) and 'keypoints' in d for d in data):
        return [(0, data)]  # MMPoseInferencer on one image
    raise ValueError('not an MMPose result: every entry must have '
                     "'instances' (video) or 'keypoints' (image)")


def _instance_box(instance: dict, keypoint: np.ndarray) -> np.ndarray:
    """An instance's ``x1, y1, x2, y2`` box, else its keypoints' extent."""
    # MMPose writes [x1, y1, x2, y2] or a list holding one.
    box = np.asarray(instance.get('bbox', ()), np.float32).reshape(-1)
    if box.size == 4:
        return box
    return np.concatenate([keypoint[:, :2].min(0), keypoint[:, :2].max(0)])


def _instance_tracks(frames: List[Tuple[Any, List[dict]]],
                     coords: List[List[np.ndarray]],
                     scores: List[List[np.ndarray]], where: str) -> List[list]:
    """A track key for each instance of each frame (see _from_mmpose)."""
    if any('track_id' in i for _, insts in frames for i in insts):
        tracks = []
        for frame_id, instances in frames:
            keys = []
            for k, inst in enumerate(instances):
                key = inst.get('track_id')
                if not isinstance(key, (int, str)):
                    raise ValueError(
                        f'{where}frame {frame_id}, instance {k}: track_id '
                        f'must be an int or a str, got {key!r} (other '
                        'instances have one: give every instance one, or '
                        'none)')
                if key in keys:
                    raise ValueError(f'{where}frame {frame_id}: two '
                                     f'instances have track_id {key!r}')
                keys.append(key)
            tracks.append(keys)
        return tracks
    if max(len(instances) for _, instances in frames) <= 1:
        return [[0] * len(instances) for _, instances in frames]
    tracker = PoseTracker()
    tracks = []
    for (_, instances), kps, scs in zip(frames, coords, scores):
        boxes = [_instance_box(i, kp) for i, kp in zip(instances, kps)]
        tracks.append(
            tracker.update(
                np.array(boxes, np.float32).reshape(-1, 4),
                [kp[:, :2] for kp in kps], scs))
    return tracks


def _pack_tracks(tracks: List[list],
                 scores: List[List[np.ndarray]]) -> Tuple[List[list], int]:
    """The person slot of each instance: one track keeps one slot.

    Tracks that never share a frame share a slot (first fit in order of
    appearance, which needs the fewest slots); the slot with the highest
    summed score comes first, as FormatGCNInput keeps the first
    ``num_person``.
    """
    spans: Dict[Any, list] = {}  # track -> [first frame, last, score]
    for t, keys in enumerate(tracks):
        for key, score in zip(keys, scores[t]):
            span = spans.setdefault(key, [t, t, 0.0])
            span[1] = t
            span[2] += float(score.sum())
    ends, weights, slot_of = [], [], {}
    for key, (first, last, weight) in spans.items():  # by first frame
        free = [s for s, end in enumerate(ends) if end < first]
        slot = free[0] if free else len(ends)
        if not free:
            ends.append(last)
            weights.append(0.0)
        ends[slot] = last
        weights[slot] += weight
        slot_of[key] = slot
    rank = {
        slot: r
        for r, slot in enumerate(
            sorted(range(len(ends)), key=lambda s: -weights[s]))
    }
    return [[rank[slot_of[key]] for key in keys] for keys in tracks], len(ends)


def _from_mmpose(data: Any, where: str = '') -> SkeletonInput:
    """Keypoints from MMPose's JSON output, one person slot per track.

    Instances that carry a ``track_id`` (a pose tracker's output) keep
    their track. Without ids, frames with more than one instance are
    linked frame to frame by :class:`~aclnet_mm.apis.tracker.PoseTracker`
    (box overlap and keypoint distance, as in the video demo), so two
    people keep their slots when MMPose lists them in another order; with
    at most one instance a frame, it is slot 0. See :func:`_pack_tracks`
    for how tracks become slots.
    """
    frames = _mmpose_frames(data)
    coords, scores = [], []
    for frame_id, instances in frames:
        kps, scs = [], []
        for k, inst in enumerate(instances):
            what = f'{where}frame {frame_id}, instance {k}'
            if not isinstance(inst, dict) or 'keypoints' not in inst:
                raise ValueError(f'{what}: no "keypoints"')
            kp = np.asarray(inst['keypoints'], np.float32)
            if kp.ndim != 2 or not kp.size:
                raise ValueError(f'{what}: "keypoints" must be (V, C), got '
                                 f'shape {kp.shape}')
            sc = np.asarray(
                inst.get('keypoint_scores', np.ones(len(kp))), np.float32)
            if sc.shape != kp.shape[:1]:
                raise ValueError(f'{what}: {len(kp)} keypoints but '
                                 f'"keypoint_scores" of shape {sc.shape}')
            kps.append(kp)
            scs.append(sc)
        coords.append(kps)
        scores.append(scs)
    shapes = {kp.shape for kps in coords for kp in kps}
    if len(shapes) > 1:
        raise ValueError(f'{where}instances disagree on the (V, C) of '
                         f'their keypoints: {sorted(shapes)}')
    if not shapes:  # nobody in any frame
        return SkeletonInput(
            np.zeros((0, len(frames), 0, 0), np.float32),
            np.zeros((0, len(frames), 0), np.float32))
    slots, num_slots = _pack_tracks(
        _instance_tracks(frames, coords, scores, where), scores)
    keypoint = np.zeros((num_slots, len(frames)) + shapes.pop(), np.float32)
    keypoint_score = np.zeros(keypoint.shape[:3], np.float32)
    for t, frame_slots in enumerate(slots):
        for k, slot in enumerate(frame_slots):
            keypoint[slot, t] = coords[t][k]
            keypoint_score[slot, t] = scores[t][k]
    return SkeletonInput(keypoint, keypoint_score)


def _check_img_shape(img_shape: Any) -> Tuple[int, int]:
    """``(h, w)`` as two positive ints, or a ValueError saying what it is."""
    shape = np.asarray(img_shape)
    if shape.shape != (2, ) or not np.issubdtype(shape.dtype, np.number) \
            or not np.all(np.mod(shape, 1) == 0) or not np.all(shape > 0):
        raise ValueError('img_shape must be the frame size (h, w), two '
                         f'positive integers, got {img_shape!r}')
    return int(shape[0]), int(shape[1])


def load_skeleton(
        source: Any,
        keypoint_score: Optional[np.ndarray] = None) -> SkeletonInput:
    """Read keypoints from an array, a list of frames or a file.

    Args:
        source: One of

            - an array ``(M, T, V, C)`` (or ``(T, V, C)`` for one person);
              the last channel may be a score (see :func:`prepare_skeleton`);
            - a list of per-frame ``(V, C)`` / ``(M, V, C)`` arrays;
            - a ``dict`` with ``keypoint`` (and ``keypoint_score``,
              ``img_shape``), as in a PoseDataset annotation;
            - a ``.npy`` file (an array), ``.npz`` file (``keypoint`` and
              optional ``keypoint_score`` and ``img_shape``, or a single
              array), or ``.json``
              file in MMPose's output format (video: a list of
              ``{'frame_id', 'instances': [{'keypoints',
              'keypoint_scores'}]}``, or ``{'instance_info': ...}``; image:
              a list of instances). Each person keeps one slot ``m``:
              instances with a ``track_id`` follow it; without ids, frames
              holding several instances are linked by
              :class:`~aclnet_mm.apis.tracker.PoseTracker` (box overlap,
              keypoint distance, as in the video demo), not by their
              order in the file.
        keypoint_score (np.ndarray, optional): ``(M, T, V)`` scores for an
            array input.

    Returns:
        SkeletonInput: The keypoints, ``(M, T, V, C)``, and the frame size
        when a dict or ``.npz`` gives ``img_shape``.
    """
    img_shape = None
    if isinstance(source, (str, Path)):
        path = str(source)
        if not osp.isfile(path):
            raise FileNotFoundError(f'no such skeleton file: {path}')
        ext = osp.splitext(path)[1].lower()
        if ext == '.npy':
            source = np.load(path)
        elif ext == '.npz':
            with np.load(path) as npz:
                if 'keypoint' in npz:
                    source = {k: npz[k] for k in npz.files}
                elif len(npz.files) == 1:
                    source = npz[npz.files[0]]
                else:
                    raise ValueError(
                        f'{path}: expected a "keypoint" array (and '
                        f'optionally "keypoint_score"), got {npz.files}')
        elif ext == '.json':
            with open(path) as f:
                return _from_mmpose(json.load(f), f'{path}: ')
        else:
            raise ValueError(f'{path}: unsupported skeleton file type '
                             f'{ext!r}; use .npy, .npz or .json (MMPose)')
    if isinstance(source, dict):
        keypoint_score = source.get('keypoint_score', keypoint_score)
        if source.get('img_shape') is not None:
            img_shape = _check_img_shape(source['img_shape'])
        source = source['keypoint']
    if isinstance(source, (list, tuple)):
        keypoint = _stack_frames(source)
    else:
        keypoint = np.asarray(source, dtype=np.float32)
        if keypoint.ndim == 3:
            keypoint = keypoint[None]
        if keypoint.ndim != 4:
            raise ValueError(
                'expected keypoints of shape (M, T, V, C) or (T, V, C), got '
                f'shape {keypoint.shape}')
    if keypoint_score is not None:
        keypoint_score = np.asarray(keypoint_score, dtype=np.float32)
        if keypoint_score.ndim == 2:
            keypoint_score = keypoint_score[None]
        if keypoint_score.shape != keypoint.shape[:3]:
            raise ValueError(
                f'keypoint_score has shape {keypoint_score.shape}; expected '
                f'(M, T, V) = {keypoint.shape[:3]} to match the keypoints')
    return SkeletonInput(keypoint, keypoint_score, img_shape)


def _test_pipeline_cfg(cfg: Config) -> list:
    if cfg.get('test_pipeline') is not None:
        return cfg.test_pipeline
    return cfg.test_dataloader.dataset.pipeline


def _takes_compressed(pipeline: Sequence) -> bool:
    """Whether a pipeline starts from MMAction2's compressed annotation.

    ``DecompressPose`` (found by its class, as the contracts are) reads one
    ``(V, 3)`` row per person and frame with ``frame_inds``, the form of
    the Kinetics-400 skeletons, instead of ``(M, T, V, C)`` arrays.
    """
    from aclnet_mm.datasets.contract import MMACTION_CONTRACTS, get_contract
    decompress = MMACTION_CONTRACTS['DecompressPose']
    return any(get_contract(step) is decompress for step in pipeline or ())


def model_expectations(cfg: Config) -> Dict[str, Any]:
    """What a config's test pipeline and backbone expect of one sample.

    The joints are those the test pipeline takes in: a transform that
    changes them (``CocoToCocoNew``: 17 COCO joints in, the 20 of
    ``'coco_new'`` out) names the layout of the data, else the backbone's
    ``graph_cfg`` does.

    Args:
        cfg (Config): The model's config.

    Returns:
        dict: ``layout`` (name or dict, may be None), ``num_joints``,
        ``in_channels`` (per joint and feature stream, may be None),
        ``dim`` (2, 3 or None when neither the pipeline nor the test
        dataset says) and ``compressed`` (True when the pipeline starts
        with ``DecompressPose``).
    """
    # Reuse the validator's reading of configs, so both agree.
    from aclnet_mm.datasets.contract import pipeline_expectations
    from aclnet_mm.datasets.validation import default_in_channels
    backbone = cfg.model.get('backbone') or {}
    pipeline = _test_pipeline_cfg(cfg)
    pipe = pipeline_expectations(pipeline)
    if pipe['dim'] is None:
        # Pipelines without PreNormalize2D/3D: the dataset may declare it.
        dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
        pipe['dim'] = dataset.get('dim')
    layout = pipe['data_layout']
    if layout is None:
        layout = (backbone.get('graph_cfg') or {}).get('layout')
    if layout is None:
        layout = pipe['ske_dataset']
    try:
        num_joints = get_layout(layout).num_node if layout else None
    except (KeyError, ValueError, FileNotFoundError):
        num_joints = None
    total = default_in_channels(backbone) if backbone else None
    in_channels = None
    if total is not None and total % pipe['num_feats'] == 0:
        in_channels = total // pipe['num_feats']
    return dict(
        layout=layout,
        num_joints=num_joints,
        in_channels=in_channels,
        dim=pipe['dim'],
        compressed=_takes_compressed(pipeline))


def _joint_hint(num_joints: int) -> str:
    names = [n for n in list_layouts() if get_layout(n).num_node == num_joints]
    if not names:
        return f'no registered layout has {num_joints} joints'
    return f'layouts with {num_joints} joints: {", ".join(names)}'


def _check_finite(array: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f'{name} has {int(bad.sum())} NaN/inf value(s) of {array.size}, '
            f'the first at index {first} of shape {array.shape}; fill or drop '
            'missing joints before inference (e.g. zeros with score 0)')


def prepare_skeleton(skeleton: SkeletonInput,
                     expect: Dict[str, Any],
                     input_dim: Optional[int] = None,
                     missing_score: str = 'warn') -> SkeletonInput:
    """Check keypoints against a model and bring them to its channels.

    Refused, each with a message that says what the model expects: NaN or
    inf values, a joint count other than the layout's, 3D keypoints for a
    2D model and 2D for a 3D one, and channel counts that fit neither.

    A 2D model takes ``(x, y, score)``. Three channels given to it are read
    as ``(x, y, score)`` when ``input_dim=2``; with ``input_dim=None`` only
    when the third channel lies in ``[0, 1]`` (else they are 3D and
    refused). ``(x, y)`` without any score needs a choice:
    ``missing_score='ones'`` (every joint fully confident), ``'warn'``
    (the same, with a warning) or ``'error'``.

    Args:
        skeleton (SkeletonInput): The keypoints.
        expect (dict): From :func:`model_expectations`.
        input_dim (int, optional): 2 or 3, the coordinates of the input
            (without a score). Defaults to None (inferred as above).
        missing_score (str): ``'warn'``, ``'ones'`` or ``'error'``.
            Defaults to ``'warn'``.

    Returns:
        SkeletonInput: Keypoints with ``keypoint`` and ``keypoint_score``
        split so that the test pipeline yields the model's channels (and
        the input's ``img_shape``).

    Raises:
        ValueError: Naming what the config expects and what was given.
    """
    if missing_score not in ('warn', 'ones', 'error'):
        raise ValueError("missing_score must be 'warn', 'ones' or 'error', "
                         f'got {missing_score!r}')
    if input_dim not in (None, 2, 3):
        raise ValueError(f'input_dim must be 2, 3 or None, got {input_dim!r}')
    kp, score = skeleton.keypoint, skeleton.keypoint_score
    if kp.size == 0:
        raise ValueError(f'the keypoints are empty (shape (M, T, V, C) = '
                         f'{kp.shape}): no person or no frame')
    _check_finite(kp, 'keypoint')
    if score is not None:
        _check_finite(score, 'keypoint_score')
    check_inference_input(kp, score, skeleton.img_shape, 'the keypoints')
    num_joints, layout = expect.get('num_joints'), expect.get('layout')
    if num_joints is not None and kp.shape[2] != num_joints:
        name = layout if isinstance(layout, str) else getattr(
            get_layout(layout), 'name', 'custom')
        raise ValueError(
            f'the keypoints have {kp.shape[2]} joints (shape (M, T, V, C) = '
            f'{kp.shape}), but the layout of the config, {name!r}, has '
            f'{num_joints}; {_joint_hint(kp.shape[2])}. Convert the '
            'keypoints or use a model trained on that layout')
    dim, channels = expect.get('dim'), expect.get('in_channels')
    c = kp.shape[-1]
    if input_dim is not None and c not in (input_dim, input_dim + 1):
        raise ValueError(f'input_dim={input_dim} but the keypoints have C = '
                         f'{c} channels (shape {kp.shape})')
    if score is None and dim == 2 and c == 3:
        third = kp[..., 2]
        as_score = input_dim == 2 or (input_dim is None and third.min() >= 0
                                      and third.max() <= 1)
        if not as_score:
            why = ('input_dim=3' if input_dim == 3 else
                   f'the third channel spans [{third.min():.3g}, '
                   f'{third.max():.3g}], outside [0, 1], so it is not a '
                   'confidence')
            raise ValueError(
                'the config expects 2D keypoints (x, y, score), got 3D '
                f'keypoints (x, y, z): {why} (shape {kp.shape}). Use a 3D '
                'model, or pass input_dim=2 if the third channel is a score')
        kp, score = kp[..., :2], kp[..., 2]
        c = 2
    if dim == 3 and (c == 2 or input_dim == 2):
        raise ValueError(
            'the config expects 3D keypoints (x, y, z), got 2D keypoints '
            f'(C = {c}, shape {kp.shape}); use a 2D model for 2D poses')
    if dim == 2 and (c == 4 or input_dim == 3):
        raise ValueError(
            'the config expects 2D keypoints (x, y[, score]), got 3D ones '
            f'(C = {c}, shape {kp.shape}); use a 3D model')
    given = c + int(score is not None)
    if channels is None or given == channels:
        return replace(skeleton, keypoint=kp, keypoint_score=score)
    if given == channels + 1 and dim != 2:
        # A trailing score (e.g. 3D + confidence) the model does not take.
        if score is not None:
            return replace(skeleton, keypoint=kp, keypoint_score=None)
        return replace(
            skeleton, keypoint=kp[..., :channels], keypoint_score=None)
    if given == channels - 1 and c == 2 and dim != 3:
        if missing_score == 'error':
            raise ValueError(
                'the model takes (x, y, score) per joint but the keypoints '
                'have no score; pass keypoint_score, or missing_score="ones" '
                'to treat every joint as fully confident')
        if missing_score == 'warn':
            warnings.warn(
                'the keypoints have no score: every joint gets confidence 1 '
                '(pass missing_score="ones" to say so, or keypoint_score)')
        return replace(
            skeleton,
            keypoint=kp,
            keypoint_score=np.ones(kp.shape[:3], np.float32))
    kinds = {2: '2D (x, y, score) or (x, y)', 3: '3D (x, y, z)'}
    wanted = kinds.get(dim, f'{channels} channels')
    raise ValueError(f'the config expects {channels} input channels per joint '
                     f'({wanted}); got C = {c}'
                     f'{" plus a score" if score is not None else ""} '
                     f'(shape {kp.shape})')


def _class_names(model: nn.Module, num_classes: int) -> Optional[List[str]]:
    """Class names for a model, found without the working directory.

    In order: the config's ``class_names``, the test dataset's
    ``class_names`` or ``metainfo['classes']`` (a list, or a text file
    resolved against the working directory, the config's folder and the
    checkpoint's folder), then the checkpoint's
    ``meta['dataset_meta']['classes']``, which training saves from the
    dataset (the pickle's ``classes``). The first with ``num_classes``
    names wins.
    """
    cfg = model.cfg
    folders = [
        osp.dirname(p)
        for p in (cfg.get('filename'), getattr(model, 'checkpoint_path', None))
        if p
    ]
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    candidates = [
        cfg.get('class_names'),
        dataset.get('class_names'), (dataset.get('metainfo')
                                     or {}).get('classes'),
        (getattr(model, 'dataset_meta', None) or {}).get('classes')
    ]
    for names in candidates:
        if names is None:
            continue
        try:
            names = load_class_names(names, search_dirs=folders)
        except FileNotFoundError:
            continue  # a file of another machine: try the next source
        if len(names) == num_classes:
            return names
    return None


def _as_model(model: ModelLike, checkpoint: Optional[str],
              device: Optional[str]) -> nn.Module:
    if isinstance(model, nn.Module):
        return model
    return init_recognizer(model, checkpoint, device=device)


def _compress(skeleton: SkeletonInput) -> Tuple[np.ndarray, np.ndarray]:
    """MMAction2's compressed form of ``(M, T, V, 2)`` keypoints + scores.

    One ``(x, y, score)`` row per person slot and frame, frame by frame,
    with its frame index, as ``DecompressPose`` reads them. Empty slots
    keep their all-zero row so that every person keeps its slot; a frame
    without anyone has no row, as in the Kinetics-400 annotations (and
    ``DecompressPose(squeeze=True)`` then drops it, as in training).
    """
    keypoint, score = skeleton.keypoint, skeleton.keypoint_score
    if score is None or keypoint.shape[-1] != 2:
        raise ValueError(
            'the test pipeline starts with DecompressPose, which reads 2D '
            '(x, y, score) rows; got keypoints of shape '
            f'{keypoint.shape} {"with" if score is not None else "without"} '
            'keypoint_score')
    num_person, num_frames = keypoint.shape[:2]
    rows = np.concatenate([keypoint, score[..., None]], axis=-1)
    rows = rows.transpose(1, 0, 2, 3)  # (T, M, V, 3): frame by frame
    seen = rows.reshape(num_frames, -1).any(axis=1)
    if not seen.any():
        seen[:] = True  # nothing anywhere: keep the frames as they are
    frame_inds = np.repeat(np.flatnonzero(seen), num_person)
    rows = rows[seen].reshape(-1, *rows.shape[2:])
    return rows.astype(np.float32), frame_inds


def _pose_sample(skeleton: SkeletonInput,
                 img_shape: Optional[Tuple[int, int]],
                 compressed: bool = False) -> dict:
    """The sample PoseDataset would have fed the test pipeline.

    Args:
        skeleton (SkeletonInput): Keypoints from :func:`prepare_skeleton`.
        img_shape (tuple[int, int], optional): ``(h, w)`` of the frames;
            left out of the sample when None.
        compressed (bool): Build MMAction2's compressed annotation
            (``frame_inds`` and ``(N, V, 3)`` rows) for a pipeline that
            starts with ``DecompressPose``. Defaults to False.
    """
    sample = dict(
        keypoint=skeleton.keypoint.astype(np.float32),
        total_frames=skeleton.keypoint.shape[1],
        start_index=0,
        modality='Pose',
        label=-1)
    if img_shape is not None:
        sample.update(
            img_shape=tuple(img_shape), original_shape=tuple(img_shape))
    if compressed:
        sample['keypoint'], sample['frame_inds'] = _compress(skeleton)
    elif skeleton.keypoint_score is not None:
        sample['keypoint_score'] = skeleton.keypoint_score.astype(np.float32)
    return sample


def _frame_size(
    pipeline: Compose, img_shape: Optional[Tuple[int, int]]
) -> Tuple[Optional[Tuple[int, int]], List[tuple]]:
    """The ``img_shape`` of the sample, and the config sizes assumed.

    Returns:
        tuple: ``img_shape`` for the sample (None: leave the key out) and
        the ``img_shape`` of each ``PreNormalize2D`` that then normalises
        with its config's frame size (empty when a size is given).
    """
    from aclnet_mm.datasets.contract import MMACTION_CONTRACTS, get_contract
    if img_shape is not None:
        return _check_img_shape(img_shape), []
    prenorm = MMACTION_CONTRACTS['PreNormalize2D']
    assumed = []
    for step in pipeline.transforms:
        contract = get_contract(step)
        if contract is prenorm:
            # It falls back to its own img_shape when the sample has none.
            assumed.append(tuple(step.img_shape))
        elif contract is not None and 'img_shape' in contract.requires:
            raise ValueError(
                f"the test pipeline's {type(step).__name__} needs the frame "
                'size, which the keypoints do not carry: pass img_shape=(h, '
                'w) (CLI: --img-shape H W)')
    return None, assumed


def _warn_assumed_size(assumed: Sequence[tuple]) -> None:
    """One warning for the config frame sizes a call fell back to."""
    if not assumed:
        return
    sizes = ', '.join(f'(h, w) = {size}' for size in sorted(set(assumed)))
    warnings.warn(
        'no img_shape given: PreNormalize2D normalises the 2D pixels with '
        f"the config's frame size {sizes}; pass img_shape=(h, w) (CLI: "
        '--img-shape H W) if the keypoints come from frames of another size')


def _predict(model: nn.Module,
             source: Any,
             keypoint_score,
             img_shape: Optional[Tuple[int, int]],
             input_dim: Optional[int] = None,
             missing_score: str = 'warn') -> Tuple[np.ndarray, List[tuple]]:
    """Scores of every class, and the config frame sizes assumed."""
    cfg = model.cfg
    expect = model_expectations(cfg)
    skeleton = load_skeleton(source, keypoint_score)
    skeleton = prepare_skeleton(skeleton, expect, input_dim, missing_score)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    pipeline = Compose(_test_pipeline_cfg(cfg))
    img_shape, assumed = _frame_size(
        pipeline, img_shape if img_shape is not None else skeleton.img_shape)
    sample = _pose_sample(skeleton, img_shape, expect['compressed'])
    result = inference_recognizer(model, sample, pipeline)
    scores = result.pred_score.detach().cpu().numpy().astype(np.float64)
    return scores, assumed


def _topk(scores: np.ndarray, topk: int,
          names: Optional[Sequence[str]]) -> InferenceResult:
    order = np.argsort(-scores, kind='stable')[:max(1, topk)]
    labels = [int(i) for i in order]
    return InferenceResult(
        labels=labels,
        scores=[float(scores[i]) for i in labels],
        names=[names[i] for i in labels] if names else None,
        pred_score=scores)


def inference_skeleton(model: ModelLike,
                       keypoints: Any,
                       checkpoint: Optional[str] = None,
                       keypoint_score: Optional[np.ndarray] = None,
                       topk: int = 5,
                       class_names: Optional[Sequence[str]] = None,
                       img_shape: Optional[Tuple[int, int]] = None,
                       device: Optional[str] = None,
                       input_dim: Optional[int] = None,
                       missing_score: str = 'warn') -> InferenceResult:
    """Recognise the action in one skeleton sequence.

    Args:
        model (nn.Module | str | Config): A recognizer from
            :func:`init_recognizer`, or its config (then give
            ``checkpoint``).
        keypoints: Anything :func:`load_skeleton` reads.
        checkpoint (str, optional): Weights, when ``model`` is a config.
        keypoint_score (np.ndarray, optional): ``(M, T, V)`` scores of an
            array input.
        topk (int): How many classes to return. Defaults to 5.
        class_names (Sequence[str], optional): Defaults to the config's
            ``class_names`` (a list or a text file, one name a line) or the
            test dataset's ``metainfo['classes']``.
        img_shape (tuple[int, int], optional): ``(h, w)`` of the frames the
            2D pixels come from, for pipelines that normalise them
            (``PreNormalize2D``). Defaults to None: the input's own
            ``img_shape`` (a dict or ``.npz`` may carry one; MMPose's JSON
            does not), else the config's ``PreNormalize2D(img_shape=...)``
            (MMAction2's default ``(1080, 1920)``), with a warning naming
            that size.
        device (str, optional): Used when building from a config.
        input_dim (int, optional): 2 or 3, the coordinates of the input
            (see :func:`prepare_skeleton`). Defaults to None.
        missing_score (str): What 2D input without scores gets: ``'warn'``,
            ``'ones'`` or ``'error'`` (see :func:`prepare_skeleton`).
            Defaults to ``'warn'``.

    Returns:
        InferenceResult: The top-k labels, names and scores.
    """
    model = _as_model(model, checkpoint, device)
    scores, assumed = _predict(model, keypoints, keypoint_score, img_shape,
                               input_dim, missing_score)
    _warn_assumed_size(assumed)
    names = class_names or _class_names(model, len(scores))
    return _topk(scores, topk, names)


def inference_skeleton_streams(models: Sequence[ModelLike],
                               keypoints: Any,
                               checkpoints: Optional[Sequence[str]] = None,
                               weights: Optional[Sequence[float]] = None,
                               keypoint_score: Optional[np.ndarray] = None,
                               topk: int = 5,
                               class_names: Optional[Sequence[str]] = None,
                               img_shape: Optional[Tuple[int, int]] = None,
                               device: Optional[str] = None,
                               input_dim: Optional[int] = None,
                               missing_score: str = 'warn') -> InferenceResult:
    """Multi-stream inference: one model per stream, scores fused.

    Each model (e.g. joint, bone, joint-motion, bone-motion) runs its own
    test pipeline on the same keypoints; the probabilities are summed with
    ``weights`` (as ``tools/ensemble.py`` does for dumps) and divided by the
    weights' sum so that they stay probabilities.

    Args:
        models (Sequence): Recognizers or configs, one per stream.
        keypoints: Anything :func:`load_skeleton` reads.
        checkpoints (Sequence[str], optional): One per config in
            ``models``.
        weights (Sequence[float], optional): Fusion weights, e.g.
            ``(2, 2, 1, 1)`` for J, B, JM, BM. Defaults to equal weights.
        keypoint_score, topk, class_names, img_shape, device, input_dim,
            missing_score: As in :func:`inference_skeleton`.

    Returns:
        InferenceResult: The top-k of the fused scores.
    """
    if not models:
        raise ValueError('no stream models given')
    if checkpoints is not None and len(checkpoints) != len(models):
        raise ValueError(f'got {len(checkpoints)} checkpoints for '
                         f'{len(models)} streams')
    built = [
        _as_model(m, checkpoints[i] if checkpoints else None, device)
        for i, m in enumerate(models)
    ]
    scores, assumed = [], []
    for m in built:
        score, sizes = _predict(m, keypoints, keypoint_score, img_shape,
                                input_dim, missing_score)
        scores.append(score[None])
        assumed += sizes
    _warn_assumed_size(assumed)
    sizes = {s.shape[1] for s in scores}
    if len(sizes) > 1:
        raise ValueError(f'the streams disagree on the number of classes: '
                         f'{[s.shape[1] for s in scores]}')
    fused = fuse_scores(scores, weights)[0]
    total = float(np.sum(weights)) if weights is not None else len(scores)
    fused = fused / total
    names = class_names or _class_names(built[0], len(fused))
    return _topk(fused, topk, names)
