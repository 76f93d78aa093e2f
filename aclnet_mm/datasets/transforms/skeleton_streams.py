# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Joint, bone, K-bone and motion streams for any skeleton layout."""
from typing import Dict, Sequence, Union

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from aclnet_mm.structures import SkeletonLayout, get_layout
from ..contract import TransformContract
from ._checks import check_score_shape

__all__ = ['GenSkeletonStreams']

_STREAMS = ('j', 'b', 'k', 'jm', 'bm', 'km')
# Layouts whose bone table MMAction2's ``JointToBone`` knows.
_MMACTION_BONE_TABLES = ('nturgb+d', 'openpose', 'coco')
_SCORE_MODES = ('reference', 'mean', 'min')


def _mmaction_parents(name: str) -> np.ndarray:
    """Parents from MMAction2's ``JointToBone`` table (roots self-linked)."""
    # Imported here: loading MMAction2's transforms is not free.
    from mmaction.datasets.transforms import JointToBone
    pairs = np.asarray(JointToBone(dataset=name).pairs, dtype=np.int64)
    parents = np.full(len(pairs), -1, dtype=np.int64)
    parents[pairs[:, 0]] = pairs[:, 1]
    if (parents < 0).any():
        raise ValueError(f'MMAction2 bone table of {name!r} misses joints')
    return parents


def _combine_scores(first: np.ndarray, second: np.ndarray,
                    mode: str) -> np.ndarray:
    """The confidence of a quantity computed from two joints."""
    if mode == 'mean':
        return (first + second) / 2
    if mode == 'min':
        return np.minimum(first, second)
    return first - second


@TRANSFORMS.register_module()
class GenSkeletonStreams(BaseTransform):
    """Build the j / b / k / jm / bm / km input streams of a skeleton.

    A layout-generic :class:`~mmaction.datasets.transforms.GenSkeFeat`
    that also knows ACLNet's K-bone. With ``x`` the ``(M, T, V, C)``
    keypoints and ``parent`` the bone tree:

    * ``j``: the joints ``x``;
    * ``b``: bones, ``x[v] - x[parent[v]]``; the root bone is 0;
    * ``k``: K-bones (InfoGCN, k = 2), ``x[v] - x[parent[parent[v]]]``;
      0 for the root and its children (joints within one hop of it);
    * ``jm`` / ``bm`` / ``km``: motions ``s[t + 1] - s[t]`` of ``j`` / ``b``
      / ``k``, 0 on the last frame, computed over the frames present, so the
      stream's place in the pipeline sets whether motion is taken before or
      after temporal sampling (before ``UniformSampleFrames`` for ACLNet's
      3D data, after ``PoseDecode`` for its 2D data).

    The streams named in ``feats`` are concatenated along ``axis`` in that
    order, each with the input's channels: ``feats=('j', 'b')`` on 3D data
    gives ``(x, y, z, bx, by, bz)``.

    The bone tree: ``bone_tree='layout'`` uses the layout's own tree
    (``get_layout(layout).parents``). ``'mmaction'`` uses MMAction2's
    ``JointToBone`` table for its three names, which differs from its
    graphs in a few joints (NTU hand tips hang off the thumbs, COCO hips off
    the nose, OpenPose is rooted at the nose). ACLNet's NTU bones and
    K-bones follow that table, so ``'auto'`` (default) picks it for
    ``'nturgb+d'``, ``'coco'`` and ``'openpose'`` (``b`` / ``jm`` / ``bm``
    then equal MMAction2's ``GenSkeFeat``) and the layout's tree otherwise
    (``'coco_new'`` as in ACLNet, custom layouts).

    2D data: when ``keypoint_score`` is present, it becomes the last
    channel of ``j`` (as ``GenSkeFeat`` does) and each derived stream
    carries a confidence in that channel. ``score_mode`` sets how:

    * ``'reference'`` (default): ACLNet on ``'coco_new'``, the layout of its
      2D experiments: the mean of the two joints' scores for ``b``, but the
      *difference* for ``k`` and for every motion (scores are subtracted
      like coordinates, a quirk; aclnet_method.md §Q13).
    * ``'mean'``: the mean of the two scores everywhere (two joints for
      ``b`` / ``k``, two frames for motions), never a difference. This is
      MMAction2's ``GenSkeFeat`` (and ACLNet's own ``'coco'`` branch).
    * ``'min'``: the smaller of the two scores, never a difference: a
      derived quantity is as reliable as its less reliable joint.

    The last frame of a motion stream is 0 in every channel, its score
    included, as in MMAction2.

    Required Keys:

        - keypoint
        - keypoint_score (optional)

    Modified Keys:

        - keypoint: ``(M, T, V, C * len(feats))`` with the default ``axis``,
          in the input's dtype.
        - keypoint_score: removed once merged into ``keypoint``.

    Args:
        layout (str | dict | SkeletonLayout): A registered layout name or a
            layout dict (see :func:`aclnet_mm.structures.get_layout`).
            Defaults to ``'nturgb+d'``.
        feats (Sequence[str]): Streams to build, among ``'j'``, ``'b'``,
            ``'k'``, ``'jm'``, ``'bm'``, ``'km'``. Defaults to ``('j', )``.
        bone_tree (str): ``'auto'``, ``'layout'`` or ``'mmaction'`` (see
            above). Defaults to ``'auto'``.
        score_mode (str): ``'reference'``, ``'mean'`` or ``'min'`` (see
            above). Defaults to ``'reference'``.
        axis (int): Axis along which the streams are joined.
            Defaults to -1.

    Raises:
        ValueError: Bad arguments; or, for a sample, ``keypoint`` has
            another joint count than the layout, ``keypoint_score`` goes
            with keypoints that are not 2D or its shape is not
            ``keypoint``'s without the last axis.
    """

    CONTRACT = TransformContract(
        requires=('keypoint', ),
        produces=('keypoint', ),
        layout_arg='layout',
        default_layout='nturgb+d',
        streams_arg='feats',
        allowed_streams=_STREAMS,
        bone_table='bone_tree')

    def __init__(self,
                 layout: Union[str, dict, SkeletonLayout] = 'nturgb+d',
                 feats: Sequence[str] = ('j', ),
                 bone_tree: str = 'auto',
                 score_mode: str = 'reference',
                 axis: int = -1) -> None:
        feats = tuple(feats)
        unknown = [feat for feat in feats if feat not in _STREAMS]
        if not feats or unknown:
            raise ValueError(f'feats must be a non-empty subset of '
                             f'{_STREAMS}, got {feats}')
        if bone_tree not in ('auto', 'layout', 'mmaction'):
            raise ValueError(f'bone_tree must be auto, layout or mmaction, '
                             f'got {bone_tree!r}')
        if score_mode not in _SCORE_MODES:
            raise ValueError(f'score_mode must be one of {_SCORE_MODES}, '
                             f'got {score_mode!r}')
        skeleton = get_layout(layout)
        known = isinstance(layout, str) and layout in _MMACTION_BONE_TABLES
        if bone_tree == 'mmaction' and not known:
            raise ValueError(f'MMAction2 has bone tables for '
                             f'{_MMACTION_BONE_TABLES} only, not {layout!r}')
        if bone_tree == 'layout' or not known:
            parents = skeleton.parents
        else:
            parents = _mmaction_parents(layout)
        grand = parents[parents]
        joints = np.arange(len(parents))
        self.layout = layout
        self.feats = feats
        self.bone_tree = bone_tree
        self.score_mode = score_mode
        self.axis = axis
        self.num_node = skeleton.num_node
        self.parents = parents
        # A joint whose parent is the root (self-linked) keeps itself as its
        # anchor, so its K-bone is 0.
        self.kbone_anchors = np.where(grand == parents, joints, grand)

    def _relative(self, keypoint: np.ndarray, anchors: np.ndarray,
                  has_score: bool, rule: str) -> np.ndarray:
        """``keypoint[v] - keypoint[anchors[v]]`` with the score rule."""
        anchored = keypoint[..., anchors, :]
        out = keypoint - anchored
        if has_score and rule != 'diff':
            out[..., -1] = _combine_scores(keypoint[..., -1],
                                           anchored[..., -1], rule)
        return out

    @staticmethod
    def _motion(stream: np.ndarray, has_score: bool, rule: str) -> np.ndarray:
        """Forward difference over time (axis -3); last frame 0."""
        out = np.zeros_like(stream)
        out[..., :-1, :, :] = np.diff(stream, axis=-3)
        if has_score and rule != 'diff':
            scores = stream[..., -1]
            out[..., :-1, :, -1] = _combine_scores(scores[..., :-1, :],
                                                   scores[..., 1:, :], rule)
        return out

    def transform(self, results: Dict) -> Dict:
        """Build the streams.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        keypoint = results['keypoint']
        has_score = 'keypoint_score' in results
        if has_score:
            if keypoint.shape[-1] != 2:
                raise ValueError('keypoint_score goes with 2D keypoints; '
                                 f'got {keypoint.shape[-1]} coordinates')
            check_score_shape(results, 'GenSkeletonStreams')
            score = results.pop('keypoint_score').astype(keypoint.dtype)
            keypoint = np.concatenate([keypoint, score[..., None]], axis=-1)
        if keypoint.shape[-2] != self.num_node:
            raise ValueError(f'layout {self.layout!r} has {self.num_node} '
                             f'joints, keypoint has {keypoint.shape[-2]}')

        # Reference: bone scores are averaged, K-bone and motion scores
        # subtracted; the clean modes combine every pair the same way.
        if self.score_mode == 'reference':
            bone_rule, other_rule = 'mean', 'diff'
        else:
            bone_rule = other_rule = self.score_mode
        streams = dict(j=keypoint)
        if 'b' in self.feats or 'bm' in self.feats:
            streams['b'] = self._relative(keypoint, self.parents, has_score,
                                          bone_rule)
        if 'k' in self.feats or 'km' in self.feats:
            streams['k'] = self._relative(keypoint, self.kbone_anchors,
                                          has_score, other_rule)
        for feat in self.feats:
            if feat.endswith('m'):
                streams[feat] = self._motion(streams[feat[0]], has_score,
                                             other_rule)
        results['keypoint'] = np.concatenate(
            [streams[feat] for feat in self.feats], axis=self.axis)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout!r}, '
                f'feats={self.feats}, bone_tree={self.bone_tree!r}, '
                f'score_mode={self.score_mode!r}, axis={self.axis})')
