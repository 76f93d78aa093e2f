# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Left/right flip of a skeleton sequence through its layout's joint pairs."""
from typing import Dict, Optional, Union

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from aclnet_mm.structures import SkeletonLayout, get_layout
from ..contract import TransformContract
from ._checks import check_score_shape
from ._rng import get_rng

__all__ = ['SkeletonFlip']

_REFLECT_MODES = (None, 'origin', 'image')


@TRANSFORMS.register_module()
class SkeletonFlip(BaseTransform):
    """Swap left and right joints, optionally mirroring the x coordinate.

    With probability ``flip_ratio`` the joints of every ``flip_pairs`` pair
    of the layout trade places (``keypoint`` and ``keypoint_score``), and
    ``reflect`` decides what happens to the x coordinate:

    * ``None`` (default): nothing. This is ACLNet's 3D ``Spatial_Flip``:
      a pure relabelling, so a left arm's trajectory is fed as the right
      arm's on the same side of the body (aclnet_method.md §Q12).
    * ``'origin'``: ``x -> -x``, a true mirror image of centred 3D (or
      ``PreNormalize2D``-normalised 2D) coordinates; the clean 3D option.
    * ``'image'``: ``x -> W - x`` with ``W = results['img_shape'][1]``, for
      2D pixel coordinates; zeros (undetected joints) stay zero. With the
      COCO pairs this is ACLNet's 2D flip and equals MMAction2's
      ``Flip(left_kp=..., right_kp=...)`` on keypoints. For ``'coco_new'``
      apply it to the 17 COCO joints, before :class:`CocoToCocoNew`, as the
      reference does.

    Randomness: numpy's global RNG when ``seed`` is None (seeded per
    dataloader worker by MMEngine), else a private
    ``np.random.default_rng(seed)``; one draw per sample. For training
    pipelines only.

    Required Keys:

        - keypoint: ``(..., V, C)``
        - keypoint_score (optional): ``(..., V)``
        - img_shape (with ``reflect='image'``)

    Modified Keys:

        - keypoint
        - keypoint_score (optional)

    Added Keys:

        - flip: whether this sample was flipped.

    Args:
        layout (str | dict | SkeletonLayout): Layout giving ``flip_pairs``.
            Defaults to ``'nturgb+d'``.
        flip_ratio (float): Probability of a flip. Defaults to 0.5.
        reflect (str, optional): ``None``, ``'origin'`` or ``'image'``.
            Defaults to None.
        seed (int, optional): Seed of a private generator. Defaults to None.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ),
        produces=('keypoint', 'keypoint_score'),
        layout_arg='layout',
        default_layout='nturgb+d')

    def __init__(self,
                 layout: Union[str, dict, SkeletonLayout] = 'nturgb+d',
                 flip_ratio: float = 0.5,
                 reflect: Optional[str] = None,
                 seed: Optional[int] = None) -> None:
        if reflect not in _REFLECT_MODES:
            raise ValueError(f'reflect must be one of {_REFLECT_MODES}, '
                             f'got {reflect!r}')
        if not 0 <= flip_ratio <= 1:
            raise ValueError(f'flip_ratio must be in [0, 1], got '
                             f'{flip_ratio}')
        skeleton = get_layout(layout)
        if not skeleton.flip_pairs:
            raise ValueError(f'layout {layout!r} has no flip_pairs')
        pairs = np.asarray(skeleton.flip_pairs, dtype=np.int64)
        order = np.arange(skeleton.num_node)
        order[pairs[:, 0]] = pairs[:, 1]
        order[pairs[:, 1]] = pairs[:, 0]
        self.layout = layout
        self.flip_ratio = flip_ratio
        self.reflect = reflect
        self.seed = seed
        self.order = order
        self.rng = get_rng(seed)

    def transform(self, results: Dict) -> Dict:
        """Flip the sample or leave it.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        if keypoint.shape[-2] != len(self.order):
            raise ValueError(f'layout {self.layout!r} has {len(self.order)} '
                             f'joints, keypoint has {keypoint.shape[-2]}')
        flip = bool(self.rng.random() < self.flip_ratio)
        check_score_shape(results, 'SkeletonFlip')
        results['flip'] = flip
        if not flip:
            return results
        # Fancy indexing copies, so the caller's array is left untouched.
        keypoint = keypoint[..., self.order, :]
        if self.reflect == 'origin':
            keypoint[..., 0] = -keypoint[..., 0]
        elif self.reflect == 'image':
            width = results['img_shape'][1]
            x = keypoint[..., 0]
            x[x != 0] = width - x[x != 0]
        results['keypoint'] = keypoint
        if 'keypoint_score' in results:
            results['keypoint_score'] = (
                results['keypoint_score'][..., self.order])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout!r}, '
                f'flip_ratio={self.flip_ratio}, reflect={self.reflect!r}, '
                f'seed={self.seed})')
