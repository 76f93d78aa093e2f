# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Map a pose estimator's keypoints to the layouts our models train on.

BlazePose (MediaPipe) gives 33 landmarks; MMPose's COCO models give 17.
Each joint of a target layout is defined by the source joints it is the
mean of: one joint for a joint both have (or its nearest stand-in:
BODY-25's small toes are BlazePose's foot tip, as its big toes are), two
for a derived joint (the OpenPose neck is the mean of the shoulders, the
mid-hip the mean of the hips), none for a joint the source lacks (COCO's
feet). A derived joint's score is the
lowest score of its sources (it is only as sure as its weakest part); a
missing joint gets coordinates ``(0, 0)`` and score 0, as OpenPose marks
a joint it missed.

Joint names follow the layouts registered in
:mod:`aclnet_mm.structures`; ``left`` / ``right`` are the
person's, as in BlazePose, COCO, OpenPose and NTU RGB+D.
"""
from functools import lru_cache
from typing import Dict, Tuple

import numpy as np

from aclnet_mm.structures import get_layout

__all__ = [
    'BLAZEPOSE_LANDMARKS', 'COCO_KEYPOINTS', 'JOINT_SOURCES', 'source_layouts',
    'target_layouts', 'joint_sources', 'map_keypoints'
]

#: BlazePose's 33 landmarks, in MediaPipe's order.
BLAZEPOSE_LANDMARKS = ('nose', 'left_eye_inner', 'left_eye', 'left_eye_outer',
                       'right_eye_inner', 'right_eye', 'right_eye_outer',
                       'left_ear', 'right_ear', 'mouth_left', 'mouth_right',
                       'left_shoulder', 'right_shoulder', 'left_elbow',
                       'right_elbow', 'left_wrist', 'right_wrist',
                       'left_pinky', 'right_pinky', 'left_index',
                       'right_index', 'left_thumb', 'right_thumb', 'left_hip',
                       'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                       'right_ankle', 'left_heel', 'right_heel',
                       'left_foot_index', 'right_foot_index')

#: COCO's 17 keypoints (MMPose's COCO models), in COCO's order.
COCO_KEYPOINTS = get_layout('coco').joint_names

_SOURCE_NAMES = {'blazepose': BLAZEPOSE_LANDMARKS, 'coco': COCO_KEYPOINTS}

_SHOULDERS = ('left_shoulder', 'right_shoulder')
_HIPS = ('left_hip', 'right_hip')
_EARS = ('left_ear', 'right_ear')

# Target joint name -> the source joint names it is the mean of, for joints
# that are not simply the same name in the source. An empty tuple: the
# source lacks it (score 0).
_BODY25 = {
    'neck': _SHOULDERS,
    'mid_hip': _HIPS,
    'left_bigtoe': ('left_foot_index', ),
    'right_bigtoe': ('right_foot_index', ),
    # BlazePose has one toe point per foot; OpenPose found both toes in
    # 94-100 % of the embedded frames of every class, and with the small
    # toes left out (score 0) the embedded model called the pedestrians
    # of vtest.avi 'Seated' (0.84-0.95), with them 'Stand' (0.97-1.0).
    'left_smalltoe': ('left_foot_index', ),
    'right_smalltoe': ('right_foot_index', ),
}
# NTU RGB+D (Kinect v2) 2D: the spine joints are derived from the hips and
# shoulders, the head centre from the ears; Kinect's neck sits between the
# shoulder line and the head centre.
_NTU = {
    'spine_base': _HIPS,
    'spine_mid': _HIPS + _SHOULDERS,
    'spine_shoulder': _SHOULDERS,
    'head': _EARS,
    'neck': _SHOULDERS + _EARS,
    'left_hand': ('left_pinky', 'left_index'),
    'right_hand': ('right_pinky', 'right_index'),
    'left_hand_tip': ('left_index', ),
    'right_hand_tip': ('right_index', ),
    'left_thumb': ('left_thumb', ),
    'right_thumb': ('right_thumb', ),
    'left_foot': ('left_foot_index', ),
    'right_foot': ('right_foot_index', ),
}
# ACLNet's coco_new: COCO plus three midline joints (CocoToCocoNew).
_COCO_NEW = {
    'hip_centre': _HIPS,
    'shoulder_centre': _SHOULDERS,
    'torso_centre': _HIPS + _SHOULDERS,
}

#: Per target layout, the joints defined other than by their own name.
JOINT_SOURCES: Dict[str, Dict[str, Tuple[str, ...]]] = {
    'openpose_body25': _BODY25,
    'nturgb+d': _NTU,
    'coco': {},
    'coco_new': _COCO_NEW,
}


def source_layouts() -> Tuple[str, ...]:
    """Names of the pose estimator outputs that can be mapped."""
    return tuple(_SOURCE_NAMES)


def target_layouts() -> Tuple[str, ...]:
    """Names of the model layouts keypoints can be mapped to."""
    return tuple(JOINT_SOURCES)


@lru_cache(maxsize=None)
def joint_sources(target: str,
                  source: str = 'blazepose') -> Tuple[Tuple[int, ...], ...]:
    """For each joint of ``target``, the source joint indices it averages.

    Args:
        target (str): A layout name from :func:`target_layouts`.
        source (str): ``'blazepose'`` (33 landmarks) or ``'coco'`` (17).

    Returns:
        tuple[tuple[int, ...]]: One tuple per target joint, in the target's
        order; empty for a joint the source lacks.
    """
    if target not in JOINT_SOURCES:
        raise KeyError(f'no keypoint mapping to layout {target!r}; '
                       f'known: {", ".join(target_layouts())}')
    if source not in _SOURCE_NAMES:
        raise KeyError(f'unknown keypoint source {source!r}; '
                       f'known: {", ".join(source_layouts())}')
    names = _SOURCE_NAMES[source]
    index = {name: i for i, name in enumerate(names)}
    rules = JOINT_SOURCES[target]
    out = []
    for joint in get_layout(target).joint_names:
        parts = rules.get(joint, (joint, ))
        # A part the source does not have (COCO has no heel) leaves the
        # joint missing rather than half-derived.
        if any(part not in index for part in parts):
            parts = ()
        out.append(tuple(index[part] for part in parts))
    return tuple(out)


@lru_cache(maxsize=None)
def _mapping_arrays(target: str, source: str):
    sources = joint_sources(target, source)
    num_source = len(_SOURCE_NAMES[source])
    weight = np.zeros((len(sources), num_source), np.float32)
    member = np.zeros((len(sources), num_source), bool)
    for joint, parts in enumerate(sources):
        for part in parts:
            weight[joint, part] = 1.0 / len(parts)
            member[joint, part] = True
    return weight, member


def map_keypoints(keypoint: np.ndarray,
                  score: np.ndarray,
                  target: str,
                  source: str = 'blazepose') -> Tuple[np.ndarray, np.ndarray]:
    """Bring keypoints of one source layout to a target layout.

    Args:
        keypoint (np.ndarray): ``(..., S, 2)`` source coordinates.
        score (np.ndarray): ``(..., S)`` source scores.
        target (str): The model's layout, e.g. ``'openpose_body25'``.
        source (str): ``'blazepose'`` or ``'coco'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(..., V, 2)`` coordinates and
        ``(..., V)`` scores of the target layout (float32); missing joints
        are ``(0, 0)`` with score 0.
    """
    weight, member = _mapping_arrays(target, source)
    keypoint = np.asarray(keypoint, np.float32)
    score = np.asarray(score, np.float32)
    if keypoint.shape[-2:] != (weight.shape[1], 2) or \
            score.shape != keypoint.shape[:-1]:
        raise ValueError(
            f'{source} keypoints must be (..., {weight.shape[1]}, 2) with '
            f'scores (..., {weight.shape[1]}); got {keypoint.shape} and '
            f'{score.shape}')
    mapped = np.einsum('vs,...sc->...vc', weight, keypoint)
    # Lowest source score per target joint; 0 where the joint has none.
    masked = np.where(member, score[..., None, :], np.inf)
    mapped_score = masked.min(axis=-1)
    mapped_score[..., ~member.any(axis=1)] = 0
    return mapped.astype(np.float32), mapped_score.astype(np.float32)
