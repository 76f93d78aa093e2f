# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Random per-axis scaling of a skeleton sequence."""
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..contract import TransformContract
from ._rng import get_rng

__all__ = ['RandomSkeletonScale']


@TRANSFORMS.register_module()
class RandomSkeletonScale(BaseTransform):
    """Scale each coordinate axis by a random factor (PYSKL's
    ``RandomScale``, used by FR-Head and other GCN recipes).

    The factor of axis ``i`` is ``1 + u_i`` with ``u_i`` uniform in
    ``[-scale_i, scale_i]``; one set of factors per sample, applied to all
    persons and frames. Apply it to coordinates, before a score channel is
    merged (:class:`GenSkeletonStreams`).

    Randomness: numpy's global RNG when ``seed`` is None (seeded per
    dataloader worker by MMEngine), else a private
    ``np.random.default_rng(seed)``. For training pipelines only.

    Required Keys:

        - keypoint: ``(..., C)``

    Modified Keys:

        - keypoint: same shape and dtype.

    Args:
        scale (float | Sequence[float]): Largest relative change, one value
            for every axis or one per axis. Defaults to 0.2.
        seed (int, optional): Seed of a private generator. Defaults to None.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ), produces=('keypoint', ))

    def __init__(self,
                 scale: Union[float, Sequence[float]] = 0.2,
                 seed: Optional[int] = None) -> None:
        bounds = np.asarray(scale, dtype=np.float64)
        if bounds.ndim > 1 or (bounds < 0).any() or (bounds >= 1).any():
            raise ValueError(f'scale must be in [0, 1), got {scale}')
        self.scale = scale
        self.seed = seed
        self.rng = get_rng(seed)

    def transform(self, results: Dict) -> Dict:
        """Scale the keypoints.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        num_axes = keypoint.shape[-1]
        scale = np.asarray(self.scale, dtype=np.float64)
        if scale.ndim and scale.size != num_axes:
            raise ValueError(f'{scale.size} scales for {num_axes} axes')
        factors = 1 + self.rng.uniform(-1, 1, size=num_axes) * scale
        results['keypoint'] = keypoint * factors.astype(keypoint.dtype)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'seed={self.seed})')
