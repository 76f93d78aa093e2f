# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Two augmented views of one skeleton sample, as two clips."""
import copy
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform, Compose

from ..contract import TransformContract
from ._checks import check_score_shape

__all__ = ['SkeletonTwoView']


@TRANSFORMS.register_module()
class SkeletonTwoView(BaseTransform):
    """Make a query and a key view by two independent augmentation draws.

    Each view runs its own copy of the sample through a transform list
    (``transforms`` for the query; ``key_transforms``, or ``transforms``
    again, for the key), so random parameters are drawn independently. The
    views are then laid end to end in time and ``num_clips`` is set to 2:
    MMAction2's ``FormatGCNInput`` turns that into ``(2, M, T, V, C)``,
    view 0 the query and view 1 the key, which
    :class:`~aclnet_mm.models.recognizers.ASCALRecognizer` splits again.

    Required Keys:

        - keypoint, and whatever the transforms need

    Modified Keys:

        - keypoint: ``(M, 2 * T, V, C)``
        - keypoint_score (optional): ``(M, 2 * T, V)``

    Added Keys:

        - num_clips: 2

    Args:
        transforms (Sequence[dict]): Transforms of the query view (and of
            the key view when ``key_transforms`` is None).
        key_transforms (Sequence[dict], optional): Transforms of the key
            view, for asymmetric views. Defaults to None.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ),
        produces=('keypoint', 'keypoint_score', 'num_clips'))

    def __init__(self,
                 transforms: Sequence[dict],
                 key_transforms: Optional[Sequence[dict]] = None) -> None:
        self.query_pipeline = self._compose(transforms)
        self.key_pipeline = self._compose(transforms if key_transforms is
                                          None else key_transforms)

    @staticmethod
    def _compose(transforms: Sequence[dict]) -> Compose:
        # MMAction2's registry, whatever the current default scope.
        return Compose([
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in transforms
        ])

    def transform(self, results: Dict) -> Dict:
        """Make and join the two views.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict of the query view, with both views'
            keypoints.
        """
        check_score_shape(results, 'SkeletonTwoView')
        views: List[Dict] = []
        for pipeline in (self.query_pipeline, self.key_pipeline):
            view = pipeline(copy.deepcopy(results))
            if view is None:
                raise RuntimeError('a view transform returned None')
            if view.get('num_clips', 1) != 1:
                raise ValueError('each view must be a single clip')
            views.append(view)
        query, key = views
        if query['keypoint'].shape != key['keypoint'].shape:
            raise ValueError(f'views differ in shape: '
                             f'{query["keypoint"].shape} vs '
                             f'{key["keypoint"].shape}')
        for name in ('keypoint', 'keypoint_score'):
            if name in query:
                query[name] = np.concatenate((query[name], key[name]), axis=1)
        query['num_clips'] = 2
        return query

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(query={self.query_pipeline}, '
                f'key={self.key_pipeline})')
