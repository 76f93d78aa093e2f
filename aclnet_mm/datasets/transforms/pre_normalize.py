# Copyright (c) aclnet-mm contributors. All rights reserved.
"""MMAction2's ``PreNormalize3D`` without its per-frame Python loop."""
from typing import Dict

import numpy as np
from mmaction.datasets.transforms import PreNormalize3D
from mmaction.registry import TRANSFORMS

from ..contract import TransformContract

__all__ = ['FastPreNormalize3D']


@TRANSFORMS.register_module()
class FastPreNormalize3D(PreNormalize3D):
    """:class:`~mmaction.datasets.transforms.PreNormalize3D`, vectorised.

    Same arguments and same output, element for element: the frames where
    a person is all (close to) zero are found with one ``np.isclose`` over
    the whole array instead of one call per frame, which made
    ``PreNormalize3D`` the slowest step of an NTU training pipeline (about
    30 ms of a 35 ms sample for 150 frames;
    docs/advanced_guides/benchmark.md). The centring and the two rotations
    are MMAction2's arithmetic.

    Differences, on inputs where MMAction2 fails: with
    ``align_center=False`` MMAction2 fails on an undefined body centre; here
    ``body_center`` is then not added. A sample whose joints are all close
    to zero without summing to zero (no frame kept) is returned untouched,
    like an all-zero one, where MMAction2 fails with an ``IndexError``.

    Required Keys:

        - keypoint
        - total_frames (optional)

    Modified Keys:

        - keypoint
        - total_frames

    Added Keys:

        - body_center (when ``align_center``)

    Raises:
        ValueError: ``total_frames`` differs from the keypoint length, the
            sample has neither 1 nor 2 persons, the keypoints are not 3D,
            or ``zaxis`` / ``xaxis`` name a joint the keypoints lack.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', ), dim=3)

    def _rotate(self, skeleton: np.ndarray, joints, target) -> np.ndarray:
        """Rotate so that ``joints[1] - joints[0]`` of the first person's
        first frame points along ``target``."""
        vector = skeleton[0, 0, joints[1]] - skeleton[0, 0, joints[0]]
        axis = np.cross(vector, target)
        matrix = self.rotation_matrix(axis, self.angle_between(vector, target))
        return np.einsum('abcd,kd->abck', skeleton, matrix)

    def transform(self, results: Dict) -> Dict:
        """Centre and rotate the skeleton; drop the empty frames.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        skeleton = results['keypoint']
        num_person, num_frames = skeleton.shape[:2]
        if num_frames != results.get('total_frames', num_frames):
            raise ValueError('total_frames differs from the keypoint length')
        if skeleton.sum() == 0:
            return results
        if num_person not in (1, 2):
            raise ValueError(f'expected 1 or 2 persons, got {num_person}')
        num_joints, num_dims = skeleton.shape[2:]
        if num_dims != 3:
            raise ValueError(f'FastPreNormalize3D needs 3D keypoints; '
                             f'keypoint has {num_dims} channels')
        axes = dict(
            zaxis=self.zaxis if self.align_spine else (),
            xaxis=self.xaxis if self.align_shoulder else ())
        for name, joints in axes.items():
            if any(not -num_joints <= j < num_joints for j in joints):
                raise ValueError(f'keypoint has {num_joints} joints, '
                                 f'{name}={list(joints)} names others')

        # A frame is kept where the main person has a non-zero joint; the
        # person present in more frames becomes the main one.
        present = ~np.isclose(skeleton, 0).all(axis=(2, 3))
        main = 0
        if num_person == 2 and present[0].sum() < present[1].sum():
            main = 1
        if not present[main].any():
            # Close to zero everywhere: as empty as an all-zero sample.
            return results
        skeleton = skeleton[:, np.flatnonzero(present[main])]
        if main == 1:
            skeleton = skeleton[[1, 0]]

        if self.align_center:
            # Spine for 25 joints (NTU), else the last joint, as MMAction2.
            center = skeleton[0, 0, 1 if skeleton.shape[2] == 25 else -1]
            center = center.copy()
            mask = (skeleton != 0).any(axis=-1, keepdims=True)
            skeleton = (skeleton - center) * mask
            results['body_center'] = center
        if self.align_spine:
            skeleton = self._rotate(skeleton, self.zaxis, [0, 0, 1])
        if self.align_shoulder:
            skeleton = self._rotate(skeleton, self.xaxis[::-1], [1, 0, 0])

        results['keypoint'] = skeleton
        results['total_frames'] = skeleton.shape[1]
        return results
