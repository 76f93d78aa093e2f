# Copyright (c) aclnet-mm contributors. All rights reserved.
"""MMPose (e.g. RTMPose, HRNet) as the pose estimator, when installed.

MMPose is not a dependency: users who have it and its weights (or can
download them) get its top-down person detector and COCO-17 keypoints
through ``mmpose.apis.MMPoseInferencer``. The keypoints are mapped to the
model's layout like BlazePose's (``source='coco'``).
"""
from typing import Any, Iterable, List, Optional

import numpy as np

from .pose_estimator import (BasePoseEstimator, PersonPose,
                             register_pose_estimator)

__all__ = ['MMPoseEstimator', 'poses_from_mmpose']


def poses_from_mmpose(instances: Iterable[dict],
                      source: str = 'coco') -> List[PersonPose]:
    """Turn MMPose's per-image instances into :class:`PersonPose`.

    Args:
        instances (Iterable[dict]): ``MMPoseInferencer``'s predictions for
            one image: dicts with ``keypoints`` (K x 2), ``keypoint_scores``
            (K) and, from a top-down model, ``bbox`` (a list holding one
            ``x1, y1, x2, y2``) and ``bbox_score``.
        source (str): Their keypoint layout. Defaults to ``'coco'``.

    Returns:
        list[PersonPose]: One per instance; an instance without a box gets
        its keypoints' extent.
    """
    people = []
    for number, inst in enumerate(instances):
        if 'keypoints' not in inst:
            raise ValueError(f'MMPose instance {number} has no "keypoints"')
        keypoint = np.asarray(inst['keypoints'], np.float32)[:, :2]
        score = np.asarray(
            inst.get('keypoint_scores', np.ones(len(keypoint))), np.float32)
        if score.shape != (len(keypoint), ):
            raise ValueError(
                f'MMPose instance {number}: {len(keypoint)} keypoints but '
                f'keypoint_scores of shape {score.shape}')
        bbox = inst.get('bbox')
        if bbox is None:
            bbox = np.concatenate([keypoint.min(0), keypoint.max(0)])
        bbox = np.asarray(bbox, np.float32).reshape(-1)[:4]
        bbox_score = np.asarray(inst.get('bbox_score', 1.0),
                                np.float32).reshape(-1)
        people.append(
            PersonPose(
                bbox=bbox,
                bbox_score=float(bbox_score[0]) if bbox_score.size else 1.0,
                keypoint=keypoint,
                keypoint_score=np.clip(score, 0, 1),
                source=source))
    return people


@register_pose_estimator('mmpose')
class MMPoseEstimator(BasePoseEstimator):
    """People and COCO keypoints from ``MMPoseInferencer``.

    Args:
        pose2d (str): A model alias or config, e.g. ``'human'`` or
            ``'rtmpose-m_8xb256-420e_body8-256x192'``. Defaults to
            ``'human'`` (RTMPose-m with RTMDet person detection).
        pose2d_weights (str, optional): Local checkpoint of the pose model.
        det_model (str, optional): Person detector config or alias.
        det_weights (str, optional): Its checkpoint.
        device (str, optional): E.g. ``'cpu'``; MMPose's default when None.
        det_cat_ids (int): Detector class of persons. Defaults to 0.
        **kwargs: Other ``MMPoseInferencer`` arguments.
    """

    source = 'coco'

    def __init__(self,
                 pose2d: str = 'human',
                 pose2d_weights: Optional[str] = None,
                 det_model: Optional[str] = None,
                 det_weights: Optional[str] = None,
                 device: Optional[str] = None,
                 det_cat_ids: int = 0,
                 **kwargs: Any) -> None:
        try:
            from mmpose.apis import MMPoseInferencer
        except ImportError as err:
            raise ImportError(
                'the mmpose pose estimator needs MMPose (and MMDetection for '
                'its person detector): pip install mmpose mmdet; or use the '
                f'embedded BlazePose estimator ({err})') from err
        self.inferencer = MMPoseInferencer(
            pose2d=pose2d,
            pose2d_weights=pose2d_weights,
            det_model=det_model,
            det_weights=det_weights,
            det_cat_ids=det_cat_ids,
            device=device,
            **kwargs)

    def __call__(self, frame: np.ndarray) -> List[PersonPose]:
        """People in a BGR frame (MMPose reads arrays as BGR)."""
        result = next(self.inferencer(frame, return_vis=False))
        predictions = result['predictions']
        instances = predictions[0] if predictions else []
        return poses_from_mmpose(instances, self.source)
