# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Random removal of one body part (a limb) from a skeleton sequence."""
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from aclnet_mm.structures import SkeletonLayout, get_layout
from ..contract import TransformContract
from ._checks import check_score_shape
from ._rng import get_rng

__all__ = ['SkeletonPartDrop', 'BODY_PARTS']

# Limbs per layout, in ACLNet's order: left arm, left leg, right arm, right
# leg. Arms start at the shoulder and legs at the hip; NTU arms include the
# hand tip and thumb, BODY-25 legs the toes and heel.
BODY_PARTS = {
    'nturgb+d': ((4, 5, 6, 7, 21, 22), (12, 13, 14, 15),
                 (8, 9, 10, 11, 23, 24), (16, 17, 18, 19)),
    'coco': ((5, 7, 9), (11, 13, 15), (6, 8, 10), (12, 14, 16)),
    'coco_new': ((5, 7, 9), (11, 13, 15), (6, 8, 10), (12, 14, 16)),
    'openpose': ((5, 6, 7), (11, 12, 13), (2, 3, 4), (8, 9, 10)),
    'openpose_body25': (
        (5, 6, 7),
        (12, 13, 14, 19, 20, 21),
        (2, 3, 4),
        (9, 10, 11, 22, 23, 24),
    ),
}


@TRANSFORMS.register_module()
class SkeletonPartDrop(BaseTransform):
    """Zero one randomly chosen body part (ACLNet's ``Part_Drop``).

    With probability ``drop_ratio`` one part, chosen uniformly, is set to
    zero in every channel, person and frame, the way an undetected joint is
    stored; ``keypoint_score`` of those joints (2D) is zeroed too. Parts come
    from :data:`BODY_PARTS` for the registered layouts (NTU exactly as in the
    reference) or from ``parts``.

    Randomness: numpy's global RNG when ``seed`` is None (seeded per
    dataloader worker by MMEngine), else a private
    ``np.random.default_rng(seed)``. The reference draws from Python's
    ``random`` module instead; the distribution is the same. For training
    pipelines only.

    Required Keys:

        - keypoint: ``(..., V, C)``
        - keypoint_score (optional): ``(..., V)``

    Modified Keys:

        - keypoint: same shape and dtype.
        - keypoint_score (optional): same shape and dtype.

    Args:
        layout (str | dict | SkeletonLayout): Layout; its name selects the
            default parts and its size is checked. Defaults to
            ``'nturgb+d'``.
        drop_ratio (float): Probability of dropping a part. Defaults to 0.2.
        parts (Sequence[Sequence[int]], optional): Joint indices of each
            part, overriding :data:`BODY_PARTS`. Defaults to None.
        seed (int, optional): Seed of a private generator. Defaults to None.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ),
        produces=('keypoint', 'keypoint_score'),
        layout_arg='layout',
        default_layout='nturgb+d')

    def __init__(self,
                 layout: Union[str, dict, SkeletonLayout] = 'nturgb+d',
                 drop_ratio: float = 0.2,
                 parts: Optional[Sequence[Sequence[int]]] = None,
                 seed: Optional[int] = None) -> None:
        if not 0 <= drop_ratio <= 1:
            raise ValueError(f'drop_ratio must be in [0, 1], got '
                             f'{drop_ratio}')
        skeleton = get_layout(layout)
        if parts is None:
            if skeleton.name not in BODY_PARTS:
                raise ValueError(f'no default body parts for layout '
                                 f'{skeleton.name!r}; pass parts')
            parts = BODY_PARTS[skeleton.name]
        if not parts:
            raise ValueError('parts must name at least one part')
        # One boolean row per part: the joints it zeroes.
        masks = np.zeros((len(parts), skeleton.num_node), dtype=bool)
        for index, joints in enumerate(parts):
            joints = np.asarray(joints, dtype=np.int64)
            inside = (joints >= 0) & (joints < skeleton.num_node)
            if joints.size == 0 or not inside.all():
                raise ValueError(f'part {index} {tuple(joints)} outside '
                                 f'0..{skeleton.num_node - 1}')
            masks[index, joints] = True
        self.layout = layout
        self.drop_ratio = drop_ratio
        self.parts = tuple(tuple(int(j) for j in part) for part in parts)
        self.seed = seed
        self.masks = masks
        self.rng = get_rng(seed)

    def transform(self, results: Dict) -> Dict:
        """Drop a part or leave the sample.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        if keypoint.shape[-2] != self.masks.shape[1]:
            raise ValueError(f'layout {self.layout!r} has '
                             f'{self.masks.shape[1]} joints, keypoint has '
                             f'{keypoint.shape[-2]}')
        check_score_shape(results, 'SkeletonPartDrop')
        if not self.rng.random() < self.drop_ratio:
            return results
        drop = self.masks[self.rng.choice(len(self.masks))]
        keypoint = keypoint.copy()
        keypoint[..., drop, :] = 0
        results['keypoint'] = keypoint
        if 'keypoint_score' in results:
            score = results['keypoint_score'].copy()
            score[..., drop] = 0
            results['keypoint_score'] = score
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout!r}, '
                f'drop_ratio={self.drop_ratio}, parts={self.parts}, '
                f'seed={self.seed})')
