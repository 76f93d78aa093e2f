# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A small, deterministic, learnable skeleton data set in MMAction2's format.

The generator writes the annotation dict that MMAction2's
:class:`~mmaction.datasets.PoseDataset` reads, so tests, demos and smoke
trainings run the real data pipeline without downloading anything.

How the samples are made:

* A rest pose is grown along the layout's tree from its root: every bone
  gets a fixed random direction and length, and the pose is scaled to span
  1 unit (a metre for 3D; ``pixel_scale`` pixels for 2D).
* Each class owns a smooth motion: a subset of joints oscillates along
  class-specific directions with a class-specific frequency (1-3 cycles per
  clip) and phases. The motion of a joint also moves its descendants, so a
  class looks like a limb swinging rather than a joint drifting alone.
* Each sample draws a random start phase, amplitude, global offset and
  Gaussian jitter. Classes differ in which joints move and how, so a tiny
  GCN separates them within one or two epochs.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import mmengine
import numpy as np

from aclnet_mm.structures import SkeletonLayout, get_layout

__all__ = [
    'make_synthetic_skeleton_dataset', 'dump_synthetic_skeleton_dataset'
]

_SPLIT_KEYS = ('train', 'val', 'test')


def _children(layout: SkeletonLayout) -> List[List[int]]:
    children = [[] for _ in range(layout.num_node)]
    for child, parent in layout.inward:
        children[parent].append(child)
    return children


def _tree_order(layout: SkeletonLayout) -> List[int]:
    """Joints in breadth-first order from the root (parents first)."""
    children = _children(layout)
    order, queue = [], [layout.center]
    while queue:
        joint = queue.pop(0)
        order.append(joint)
        queue.extend(children[joint])
    return order


def _descendant_matrix(layout: SkeletonLayout) -> np.ndarray:
    """``D[a, v] = 1`` when joint ``v`` is ``a`` or lies below ``a``."""
    num_node = layout.num_node
    parents = layout.parents
    desc = np.eye(num_node, dtype=np.float64)
    for v in range(num_node):
        joint = v
        while joint != layout.center:
            joint = parents[joint]
            desc[joint, v] = 1.
    return desc


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _rest_pose(layout: SkeletonLayout, coord_dim: int,
               rng: np.random.Generator) -> np.ndarray:
    """A random pose along the layout's tree, centred, 1 unit across."""
    pose = np.zeros((layout.num_node, coord_dim))
    parents = layout.parents
    for joint in _tree_order(layout)[1:]:
        direction = _unit(rng.standard_normal(coord_dim))
        length = rng.uniform(0.5, 1.5)
        pose[joint] = pose[parents[joint]] + length * direction
    pose -= (pose.max(0) + pose.min(0)) / 2
    return pose / (pose.max(0) - pose.min(0)).max()


def _class_motion(num_node: int, coord_dim: int,
                  rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """Parameters of one class's oscillation.

    Returns a dict with ``active`` (V,) 0/1 mask of the driving joints,
    ``freq`` (scalar, cycles per clip), ``phase`` (V,), ``direction``
    (V, C) unit vectors, ``amplitude`` (V,) and ``posture`` (V, C), a
    static displacement that bends the driving joints.
    """
    num_active = max(1, num_node // 4)
    active = np.zeros(num_node)
    active[rng.choice(num_node, num_active, replace=False)] = 1.
    return dict(
        active=active,
        freq=float(rng.integers(1, 4)),
        phase=rng.uniform(0, 2 * np.pi, num_node),
        direction=_unit(rng.standard_normal((num_node, coord_dim))),
        amplitude=rng.uniform(0.1, 0.2, num_node),
        posture=0.4 * _unit(rng.standard_normal((num_node, coord_dim))))


def _sample_person(rest: np.ndarray, motion: Dict[str, np.ndarray],
                   desc: np.ndarray, num_frames: int, noise_std: float,
                   rng: np.random.Generator) -> np.ndarray:
    """One person's (T, V, C) trajectory."""
    t = np.arange(num_frames) / num_frames
    start = rng.uniform(0, 2 * np.pi)
    gain = rng.uniform(0.8, 1.2)
    # (T, V): each driving joint's scalar oscillation.
    wave = np.sin(2 * np.pi * motion['freq'] * t[:, None] +
                  motion['phase'][None] + start)
    wave = wave * motion['amplitude'] * motion['active'] * gain
    # A driving joint displaces itself and everything below it.
    disp = np.einsum('ta,ac,av->tvc', wave, motion['direction'], desc)
    bend = motion['posture'] * motion['active'][:, None]
    disp = disp + np.einsum('ac,av->vc', bend, desc)
    offset = rng.normal(0, 0.05, rest.shape[-1])
    jitter = rng.normal(0, noise_std, (num_frames, ) + rest.shape)
    return rest[None] + disp + offset + jitter


def make_synthetic_skeleton_dataset(
        num_classes: int = 4,
        samples_per_class: int = 8,
        num_frames: int = 32,
        num_joints: int = 25,
        num_persons: int = 2,
        coord_dim: int = 3,
        layout: str = 'nturgb+d',
        seed: int = 0,
        split_ratios: Tuple[float, float, float] = (0.5, 0.25, 0.25),
        split_prefix: str = '',
        with_score: Optional[bool] = None,
        min_frames: Optional[int] = None,
        noise_std: float = 0.01,
        img_shape: Tuple[int, int] = (1080, 1920),
        pixel_scale: Optional[float] = None) -> dict:
    """Build a separable synthetic skeleton data set.

    Args:
        num_classes (int): Number of classes. Defaults to 4.
        samples_per_class (int): Samples per class. Defaults to 8.
        num_frames (int): Frames per sample (the maximum when
            ``min_frames`` is set). Defaults to 32.
        num_joints (int): Number of joints; must equal the layout's.
            Defaults to 25.
        num_persons (int): Persons per sample ``M``; every person is
            present in every frame. Defaults to 2.
        coord_dim (int): 3 for 3D (metres), 2 for 2D (pixels inside
            ``img_shape``). Defaults to 3.
        layout (str): A registered skeleton layout (see
            :func:`aclnet_mm.models.utils.get_layout`); its tree shapes the
            rest pose. Defaults to ``'nturgb+d'``.
        seed (int): Seed; the output is a pure function of the arguments.
            Defaults to 0.
        split_ratios (tuple[float, float, float]): Fractions of each class
            for train / val / test; test takes the remainder.
            Defaults to ``(0.5, 0.25, 0.25)``.
        split_prefix (str): Prefix of the split names, e.g. ``'xsub_'``
            gives ``xsub_train`` / ``xsub_val`` / ``xsub_test``.
            Defaults to ``''``.
        with_score (bool, optional): Whether to store ``keypoint_score``
            (uniform in [0.5, 1]). ``None`` stores it for 2D only, as
            MMAction2's 2D pickles do. MMAction2's ``GenSkeFeat`` rejects
            scores on 3D data. Defaults to None.
        min_frames (int, optional): When set, each sample's length is drawn
            uniformly from ``[min_frames, num_frames]``. Defaults to None.
        noise_std (float): Per-coordinate jitter in metres (multiplied by
            ``pixel_scale`` for 2D). Defaults to 0.01.
        img_shape (tuple[int, int]): ``(H, W)`` of the frame for 2D.
            Defaults to ``(1080, 1920)``.
        pixel_scale (float, optional): Pixels per unit for 2D. ``None``
            draws a unit as 25 % of the frame height (or of its width
            share per person), which keeps bodies inside the frame in
            almost all cases (coordinates are not clipped).
            Defaults to None.

    Returns:
        dict: ``dict(split=..., annotations=..., classes=...)``. Each
        annotation has ``frame_dir``, ``label``, ``total_frames``,
        ``keypoint`` (M, T, V, C) float32, and for 2D ``img_shape`` and
        ``original_shape`` (plus ``keypoint_score`` (M, T, V) float32 when
        scores are stored).
    """
    skeleton = get_layout(layout)
    if skeleton.num_node != num_joints:
        raise ValueError(f'layout {layout!r} has {skeleton.num_node} '
                         f'joints, not num_joints={num_joints}')
    if coord_dim not in (2, 3):
        raise ValueError(f'coord_dim must be 2 or 3, not {coord_dim}')
    if len(split_ratios) != 3 or min(split_ratios) < 0 or sum(
            split_ratios[:2]) > 1:
        raise ValueError('split_ratios must be three non-negative fractions '
                         f'with train + val <= 1, got {split_ratios}')
    if min_frames is not None and not 1 <= min_frames <= num_frames:
        raise ValueError(f'min_frames={min_frames} outside 1..{num_frames}')
    if with_score is None:
        with_score = coord_dim == 2

    rng = np.random.default_rng(seed)
    desc = _descendant_matrix(skeleton)
    rest = _rest_pose(skeleton, coord_dim, rng)
    motions = [
        _class_motion(num_joints, coord_dim, rng) for _ in range(num_classes)
    ]
    # Persons stand side by side along the first axis, 1.2 units apart.
    person_shift = np.zeros((num_persons, coord_dim))
    person_shift[:, 0] = (np.arange(num_persons) - (num_persons - 1) / 2)
    person_shift[:, 0] *= 1.2
    if coord_dim == 2 and pixel_scale is None:
        height, width = img_shape
        pixel_scale = 0.25 * min(height, width / (1.2 * num_persons))

    num_train = int(round(split_ratios[0] * samples_per_class))
    num_val = int(round(split_ratios[1] * samples_per_class))
    num_val = min(num_val, samples_per_class - num_train)
    split_names = [split_prefix + key for key in _SPLIT_KEYS]
    split = {name: [] for name in split_names}
    annotations = []
    for label, motion in enumerate(motions):
        for index in range(samples_per_class):
            length = num_frames
            if min_frames is not None:
                length = int(rng.integers(min_frames, num_frames + 1))
            persons = [
                _sample_person(rest + person_shift[m], motion, desc, length,
                               noise_std, rng) for m in range(num_persons)
            ]
            keypoint = np.stack(persons)
            anno = dict(
                frame_dir=f'synthetic_c{label:03d}_s{index:03d}',
                label=label,
                total_frames=length)
            if coord_dim == 2:
                # Image rows grow downwards; centre the group in the frame.
                keypoint[..., 1] *= -1
                keypoint *= pixel_scale
                keypoint += np.array(img_shape[::-1], dtype=np.float64) / 2
                anno['img_shape'] = tuple(img_shape)
                anno['original_shape'] = tuple(img_shape)
            anno['keypoint'] = keypoint.astype(np.float32)
            if with_score:
                anno['keypoint_score'] = rng.uniform(
                    0.5, 1.0, keypoint.shape[:3]).astype(np.float32)
            if index < num_train:
                part = split_names[0]
            elif index < num_train + num_val:
                part = split_names[1]
            else:
                part = split_names[2]
            split[part].append(anno['frame_dir'])
            annotations.append(anno)
    return dict(
        split=split,
        annotations=annotations,
        classes=[f'class_{label}' for label in range(num_classes)])


def dump_synthetic_skeleton_dataset(path: str, **kwargs) -> str:
    """Write :func:`make_synthetic_skeleton_dataset` output as a pickle.

    Args:
        path (str): Target ``.pkl`` file; parent folders are created.
        **kwargs: Arguments of :func:`make_synthetic_skeleton_dataset`.

    Returns:
        str: ``path``.
    """
    if not path.endswith('.pkl'):
        raise ValueError(f'PoseDataset reads .pkl files only, got {path!r}')
    parent = osp.dirname(osp.abspath(path))
    os.makedirs(parent, exist_ok=True)
    mmengine.dump(make_synthetic_skeleton_dataset(**kwargs), path)
    return path
