# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Bring pixel keypoints to the coordinates a model was trained on.

Two conventions occur in our configs:

- ``'pixel'``: the model's test pipeline normalises pixels itself
  (``PreNormalize2D`` with the frame's ``img_shape``), as MMAction2's
  Kinetics / NTU-2D (HRNet) configs do: keypoints go in unchanged.
- ``'openpose_kit'``: the embedded BODY-25 set (pose-classification-kit).
  Its recorder stored each OpenPose frame centred on the box of the
  detected joints, with y pointing up, divided by a body size estimated
  from seven limbs (torso, neck, thighs, lower legs, shoulder width), each
  scaled by its share of a 16-unit body, so detected joints lie in
  ``[-1, 1]``; a missed joint stays ``(0, 0)`` with score 0. We restate
  that arithmetic here so that keypoints from another estimator reach the
  model in the same frame of reference.
"""
from typing import Optional, Tuple

import numpy as np
from mmaction.datasets.transforms import PreNormalize2D
from mmaction.registry import TRANSFORMS

from aclnet_mm.structures import get_layout
from aclnet_mm.utils.config_types import is_config_of

__all__ = ['KIT_LIMBS', 'normalize_openpose_kit', 'coordinate_mode']

#: (joint, joint, length in units of a 16-unit body) of the BODY-25 limbs
#: the kit's recorder estimates the body size from.
KIT_LIMBS = (
    ('neck', 'mid_hip', 5.2),  # torso
    ('nose', 'neck', 2.5),
    ('right_hip', 'right_knee', 3.6),
    ('right_knee', 'right_ankle', 3.5),
    ('left_hip', 'left_knee', 3.6),
    ('left_knee', 'left_ankle', 3.5),
    ('right_shoulder', 'left_shoulder', 3.4),
)


def _kit_limbs() -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    names = get_layout('openpose_body25').joint_names
    first = np.array([names.index(a) for a, _, _ in KIT_LIMBS])
    second = np.array([names.index(b) for _, b, _ in KIT_LIMBS])
    ratio = np.array([16.0 / share for _, _, share in KIT_LIMBS])
    return first, second, ratio


def normalize_openpose_kit(
        keypoint: np.ndarray,
        score: np.ndarray,
        score_thr: float = 0.0) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalise BODY-25 pixel keypoints as the embedded set's recorder did.

    Per frame: joints with ``score <= score_thr`` count as missed
    (OpenPose's ``(0, 0)``, score 0); the others are centred on the middle
    of their bounding box, y is flipped to point up, and all are divided by
    the mean of ``length * 16 / share`` over the limbs of :data:`KIT_LIMBS`
    whose two joints were detected.

    Args:
        keypoint (np.ndarray): ``(..., 25, 2)`` pixel coordinates.
        score (np.ndarray): ``(..., 25)`` scores.
        score_thr (float): Scores at or below it mark a missed joint.
            Defaults to 0.

    Returns:
        tuple: ``keypoint`` (``(..., 25, 2)`` float32), ``score``
        (``(..., 25)``, 0 for missed joints) and ``valid`` (``(...)`` bool:
        False for a frame with no detected limb, which the recorder dropped
        and which is returned as all zeros).
    """
    keypoint = np.asarray(keypoint, np.float64)
    score = np.asarray(score, np.float32)
    if keypoint.shape[-2:] != (25, 2) or score.shape != keypoint.shape[:-1]:
        raise ValueError('expected BODY-25 keypoints (..., 25, 2) and scores '
                         f'(..., 25); got {keypoint.shape} and {score.shape}')
    seen = score > score_thr
    big = np.where(seen[..., None], keypoint, np.inf)
    small = np.where(seen[..., None], keypoint, -np.inf)
    with np.errstate(invalid='ignore'):
        centre = (big.min(axis=-2) + small.max(axis=-2)) / 2
    out = keypoint - centre[..., None, :]
    out[..., 1] = -out[..., 1]  # y up
    out = np.where(seen[..., None], out, 0.0)

    first, second, ratio = _kit_limbs()
    both = seen[..., first] & seen[..., second]
    length = np.linalg.norm(out[..., first, :] - out[..., second, :], axis=-1)
    sized = np.where(both, length * ratio, 0.0)
    count = both.sum(axis=-1)
    valid = count > 0
    scale = np.where(valid, sized.sum(axis=-1) / np.maximum(count, 1), 1.0)
    out = out / scale[..., None, None]
    out[~valid] = 0
    new_score = np.where(seen & valid[..., None], score, 0).astype(np.float32)
    return out.astype(np.float32), new_score, valid


def coordinate_mode(pipeline: list, layout: Optional[str]) -> str:
    """The coordinate convention a model's test pipeline expects.

    Args:
        pipeline (list[dict]): The test pipeline config.
        layout (str, optional): The model's skeleton layout.

    Returns:
        str: ``'pixel'`` when the pipeline normalises pixels itself
        (``PreNormalize2D``) or for layouts other than BODY-25;
        ``'openpose_kit'`` for a BODY-25 model without it (the embedded
        set's convention).
    """
    if any(
            is_config_of(step, PreNormalize2D, TRANSFORMS)
            for step in pipeline):
        return 'pixel'
    if layout == 'openpose_body25':
        return 'openpose_kit'
    return 'pixel'
