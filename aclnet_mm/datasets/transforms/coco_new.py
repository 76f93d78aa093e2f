# Copyright (c) aclnet-mm contributors. All rights reserved.
"""COCO-17 keypoints to ACLNet's 20-joint ``'coco_new'`` layout."""
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..contract import TransformContract
from ._checks import check_score_shape

__all__ = ['CocoToCocoNew']

_LEFT_HIP, _RIGHT_HIP = 11, 12
_LEFT_SHOULDER, _RIGHT_SHOULDER = 5, 6


@TRANSFORMS.register_module()
class CocoToCocoNew(BaseTransform):
    """Append the three midline joints of the ``'coco_new'`` layout.

    Joint 17 is the hip centre (mean of the hips 11 and 12), joint 19 the
    shoulder centre (mean of the shoulders 5 and 6) and joint 18 their
    midpoint, as ACLNet's ``Kinetics_Transform`` builds them for
    Kinetics-Skeleton and FineGYM. Every channel is averaged, so the new
    joints of 2D data get the mean score of their source joints, as in the
    reference (which averages its merged score channel). Like the reference,
    an undetected source joint (all zeros) counts as a zero in the mean.

    Unlike the reference, ``keypoint_score`` stays a separate key (MMAction2's
    convention): :class:`GenSkeletonStreams` merges it afterwards. Apply a
    horizontal flip before this transform, on the COCO-17 joints, as the
    reference does; the new joints lie on the midline.

    Required Keys:

        - keypoint: ``(..., 17, C)``
        - keypoint_score (optional): ``(..., 17)``

    Modified Keys:

        - keypoint: ``(..., 20, C)``, same dtype.
        - keypoint_score (optional): ``(..., 20)``, same dtype.

    Raises:
        ValueError: ``keypoint`` does not hold 17 joints, or
            ``keypoint_score``'s shape is not ``keypoint``'s without the
            last axis.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ),
        produces=('keypoint', 'keypoint_score'),
        input_layout='coco')

    @staticmethod
    def _append(values: np.ndarray) -> np.ndarray:
        """Append the centres along the joint axis (the last one)."""
        hip = (values[..., _LEFT_HIP] + values[..., _RIGHT_HIP]) / 2
        shoulder = (values[..., _LEFT_SHOULDER] +
                    values[..., _RIGHT_SHOULDER]) / 2
        torso = (hip + shoulder) / 2
        extra = np.stack([hip, torso, shoulder], axis=-1)
        return np.concatenate([values, extra.astype(values.dtype)], axis=-1)

    def transform(self, results: Dict) -> Dict:
        """Append joints 17, 18 and 19.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        if keypoint.shape[-2] != 17:
            raise ValueError('CocoToCocoNew expects the 17 COCO keypoints, '
                             f'got {keypoint.shape[-2]} joints')
        check_score_shape(results, 'CocoToCocoNew')
        # Joints last for the arithmetic, then back to (..., V, C).
        results['keypoint'] = np.moveaxis(
            self._append(np.moveaxis(keypoint, -2, -1)), -1, -2)
        if 'keypoint_score' in results:
            results['keypoint_score'] = self._append(results['keypoint_score'])
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'
