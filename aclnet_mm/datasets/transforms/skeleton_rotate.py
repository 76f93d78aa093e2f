# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Random 3D rotation of a skeleton sequence."""
from typing import Dict, Optional

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..contract import TransformContract
from ._rng import get_rng

__all__ = ['RandomSkeletonRotate', 'euler_rotation']


def euler_rotation(angles: np.ndarray) -> np.ndarray:
    """The rotation ``Rz @ Ry @ Rx`` of ACLNet's ``RandomRot``.

    Each elementary matrix turns the coordinate frame by its angle, so a
    point ``p`` maps to ``R @ p``: for example ``Rx(a)`` sends ``(0, 1, 0)``
    to ``(0, cos a, -sin a)``. Angles are in radians.

    Args:
        angles (np.ndarray): ``(3, )`` angles about x, y and z.

    Returns:
        np.ndarray: ``(3, 3)`` float64 rotation matrix.
    """
    cos, sin = np.cos(angles), np.sin(angles)
    rot_x = np.array([[1., 0., 0.], [0., cos[0], sin[0]],
                      [0., -sin[0], cos[0]]])
    rot_y = np.array([[cos[1], 0., -sin[1]], [0., 1., 0.],
                      [sin[1], 0., cos[1]]])
    rot_z = np.array([[cos[2], sin[2], 0.], [-sin[2], cos[2], 0.],
                      [0., 0., 1.]])
    return rot_z @ rot_y @ rot_x


@TRANSFORMS.register_module()
class RandomSkeletonRotate(BaseTransform):
    """Rotate 3D keypoints by random Euler angles (ACLNet's ``RandomRot``).

    Three angles are drawn independently and uniformly from
    ``[-theta, theta]`` (about x, y, z, in that order) and composed as
    ``Rz @ Ry @ Rx`` (:func:`euler_rotation`). One rotation is drawn per
    sample and applied to every person and frame; absent (all-zero) persons
    stay zero. An all-zero sample is returned untouched without drawing, as
    in the reference.

    Randomness: numpy's global RNG when ``seed`` is None (seeded per
    dataloader worker by MMEngine), else a private
    ``np.random.default_rng(seed)``. With the global RNG in the same state,
    the angles and the rotation equal the reference's. For training
    pipelines only: leave it out of val / test pipelines.

    Required Keys:

        - keypoint: ``(..., 3)``

    Modified Keys:

        - keypoint: same shape and dtype.

    Args:
        theta (float): Largest angle in radians. Defaults to 0.2.
        seed (int, optional): Seed of a private generator. Defaults to None.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', ), dim=3)

    def __init__(self, theta: float = 0.2, seed: Optional[int] = None) -> None:
        if theta < 0:
            raise ValueError(f'theta must be >= 0, got {theta}')
        self.theta = theta
        self.seed = seed
        self.rng = get_rng(seed)

    def transform(self, results: Dict) -> Dict:
        """Rotate the keypoints.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        if keypoint.shape[-1] != 3:
            raise ValueError('RandomSkeletonRotate rotates 3D keypoints; got '
                             f'{keypoint.shape[-1]} channels')
        if not np.any(keypoint):
            return results
        angles = self.rng.uniform(-self.theta, self.theta, size=3)
        # Rotate in float64, as the reference does, then keep the dtype.
        rotated = keypoint @ euler_rotation(angles).T
        results['keypoint'] = rotated.astype(keypoint.dtype)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(theta={self.theta}, '
                f'seed={self.seed})')
