# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Named skeleton layouts: joints, their tree, their left/right pairs.

One table of layouts that the data side (bone / K-bone / flip transforms,
the validator, the datasets) and the model side (graphs, heads) both read.
It holds MMAction2's three layout names (``'openpose'``, ``'nturgb+d'``,
``'coco'``), restated with joint names and flip pairs, and ours. A layout
may also be given as a dict or as a JSON / YAML file holding one
(:func:`get_layout`).

MMAction2's own ``STGCN`` / ``AAGCN`` reach our layouts through the dict
form of :meth:`SkeletonLayout.to_graph_dict`:
``graph_cfg=dict(layout=get_layout('openpose_body25').to_graph_dict())``
in a Python config, or the dict written out (``num_node``, ``inward``,
``center``) in any config.
"""
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = [
    'SkeletonLayout', 'register_layout', 'get_layout', 'list_layouts',
    'layout_from_dict', 'load_layout_file', 'MMACTION_LAYOUTS'
]

#: Layout names MMAction2's ``Graph`` resolves itself.
MMACTION_LAYOUTS = ('openpose', 'nturgb+d', 'coco')


@dataclass(frozen=True)
class SkeletonLayout:
    """A skeleton: joints, the tree that links them, and its root.

    Args:
        name (str): Registered name.
        num_node (int): Number of joints ``V``.
        inward (tuple[tuple[int, int]]): ``(child, parent)`` edges pointing
            towards ``center``; they must form a tree over all joints.
        center (int): Root joint of the tree.
        joint_names (tuple[str], optional): One name per joint.
        flip_pairs (tuple[tuple[int, int]]): Left/right joint pairs swapped
            by a horizontal flip; disjoint, each of two distinct joints.

    Raises:
        ValueError: The edges do not form a tree rooted at ``center`` (an
            index out of range, a joint with two parents, an unlinked joint
            or a cycle), or ``flip_pairs`` are not disjoint pairs of
            distinct joints.
    """

    name: str
    num_node: int
    inward: Tuple[Tuple[int, int], ...]
    center: int
    joint_names: Optional[Tuple[str, ...]] = None
    flip_pairs: Tuple[Tuple[int, int], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.joint_names is not None and len(
                self.joint_names) != self.num_node:
            raise ValueError(
                f'layout {self.name!r}: {len(self.joint_names)} joint names '
                f'for {self.num_node} joints')
        parents = self.parents  # validates the tree
        del parents
        flat = [joint for pair in self.flip_pairs for joint in pair]
        if (any(len(pair) != 2 for pair in self.flip_pairs)
                or any(not 0 <= joint < self.num_node for joint in flat)
                or len(set(flat)) != len(flat)):
            # A flip must be an involution: swapping twice is the identity.
            raise ValueError(
                f'layout {self.name!r}: flip_pairs {self.flip_pairs} must '
                f'be disjoint pairs of distinct joints in 0..'
                f'{self.num_node - 1}')

    @property
    def parents(self) -> np.ndarray:
        """Parent index of every joint; the root is its own parent."""
        if self.num_node < 1 or not 0 <= self.center < self.num_node:
            raise ValueError(f'layout {self.name!r}: center {self.center} '
                             f'outside 0..{self.num_node - 1}')
        parents = np.full(self.num_node, -1, dtype=np.int64)
        parents[self.center] = self.center
        for child, parent in self.inward:
            if not (0 <= child < self.num_node
                    and 0 <= parent < self.num_node):
                raise ValueError(f'layout {self.name!r}: edge '
                                 f'{(child, parent)} outside 0..'
                                 f'{self.num_node - 1}')
            if parents[child] != -1:
                raise ValueError(f'layout {self.name!r}: joint {child} has '
                                 'two parents; inward edges must form a tree')
            parents[child] = parent
        missing = np.flatnonzero(parents < 0)
        if missing.size:
            raise ValueError(f'layout {self.name!r}: joints '
                             f'{missing.tolist()} are not linked to the tree')
        # Every joint has a parent, yet a cycle of joints may never reach
        # the centre: after num_node hops each joint must sit at the root.
        root = np.arange(self.num_node)
        for _ in range(self.num_node):
            root = parents[root]
        cyclic = np.flatnonzero(root != self.center)
        if cyclic.size:
            raise ValueError(f'layout {self.name!r}: joints '
                             f'{cyclic.tolist()} form a cycle that does not '
                             f'reach center {self.center}')
        return parents

    def ancestors(self, hops: int) -> np.ndarray:
        """Index of each joint's ``hops``-th ancestor, stopping at the root."""
        parents = self.parents
        index = np.arange(self.num_node)
        for _ in range(hops):
            index = parents[index]
        return index

    def to_graph_dict(self) -> dict:
        """The dict form that MMAction2's ``Graph`` accepts."""
        return dict(
            num_node=self.num_node,
            inward=[tuple(edge) for edge in self.inward],
            center=self.center)


_LAYOUTS: Dict[str, SkeletonLayout] = {}


def register_layout(name: str,
                    num_node: int,
                    inward: Sequence[Tuple[int, int]],
                    center: int,
                    joint_names: Optional[Sequence[str]] = None,
                    flip_pairs: Sequence[Tuple[int, int]] = (),
                    force: bool = False) -> SkeletonLayout:
    """Register a named layout.

    Args:
        name (str): Name used in configs (``graph_cfg.layout``).
        num_node (int): Number of joints.
        inward (Sequence[tuple[int, int]]): ``(child, parent)`` tree edges.
        center (int): Root joint.
        joint_names (Sequence[str], optional): Joint names.
        flip_pairs (Sequence[tuple[int, int]]): Left/right pairs.
        force (bool): Replace an existing entry. Defaults to False.

    Returns:
        SkeletonLayout: The registered layout.
    """
    if name in _LAYOUTS and not force:
        raise KeyError(f'layout {name!r} is already registered')
    layout = SkeletonLayout(
        name=name,
        num_node=int(num_node),
        inward=tuple((int(c), int(p)) for c, p in inward),
        center=int(center),
        joint_names=None if joint_names is None else tuple(joint_names),
        flip_pairs=tuple((int(a), int(b)) for a, b in flip_pairs))
    _LAYOUTS[name] = layout
    return layout


def _joint_index(value: Union[int, str], names: Optional[Sequence[str]],
                 what: str) -> int:
    """A joint given by index, or by name when the layout names its joints."""
    if isinstance(value, str):
        if not names or value not in names:
            raise ValueError(f'layout: {what} names joint {value!r}, which '
                             f'is not in joint_names {list(names or ())}')
        return list(names).index(value)
    return int(value)


def layout_from_dict(spec: dict, name: str = 'custom') -> SkeletonLayout:
    """Build a :class:`SkeletonLayout` from a plain dict (config, JSON, YAML).

    The tree is given by one of

    - ``inward``: ``(child, parent)`` edges (MMAction2's form), or
      ``edges``: the same pairs, any orientation (oriented from
      ``center``), or
    - ``parents``: the parent of each joint, the root's being itself, -1
      or None.

    Joints in ``inward`` / ``edges`` / ``parents`` / ``flip_pairs`` /
    ``center`` may be indices or, with ``joint_names``, names. ``num_node``
    defaults to the number of ``joint_names`` or ``parents``; ``center``
    (or ``centre``) to the root of ``parents``.

    Example::

        dict(joint_names=['pelvis', 'chest', 'head', 'l_hand', 'r_hand'],
             parents=[None, 'pelvis', 'chest', 'chest', 'chest'],
             flip_pairs=[('l_hand', 'r_hand')])

    Args:
        spec (dict): The layout.
        name (str): Its name in messages, unless ``spec['name']`` is set.
            Defaults to ``'custom'``.

    Returns:
        SkeletonLayout: The checked layout.

    Raises:
        ValueError: Naming what is missing or inconsistent.
    """
    name = str(spec.get('name', name))
    names = spec.get('joint_names')
    names = tuple(str(n) for n in names) if names else None
    known = {
        'name', 'num_node', 'inward', 'edges', 'parents', 'center', 'centre',
        'joint_names', 'flip_pairs'
    }
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f'layout {name!r}: unknown keys {sorted(unknown)}; '
                         f'a layout dict takes {sorted(known)}')
    trees = [key for key in ('inward', 'edges', 'parents') if key in spec]
    if len(trees) != 1:
        raise ValueError(f'layout {name!r}: give the tree as exactly one of '
                         f'inward, edges or parents (got {trees or "none"})')
    center = spec.get('center', spec.get('centre'))

    def index(value, what):
        return _joint_index(value, names, what)

    if 'parents' in spec:
        parents = list(spec['parents'])
        num_node = int(spec.get('num_node', len(parents)))
        if len(parents) != num_node:
            raise ValueError(f'layout {name!r}: {len(parents)} parents for '
                             f'{num_node} joints')
        roots = [
            j for j, p in enumerate(parents)
            if p is None or p == -1 or (not isinstance(p, str) and p == j) or (
                isinstance(p, str) and names and p == names[j])
        ]
        if len(roots) != 1:
            raise ValueError(f'layout {name!r}: parents must have exactly one '
                             f'root (its own parent, -1 or None); got '
                             f'{len(roots)}: {roots}')
        if center is None:
            center = roots[0]
        inward = [(j, index(p, f'parents[{j}]')) for j, p in enumerate(parents)
                  if j != roots[0]]
    else:
        pairs = [(index(a, trees[0]), index(b, trees[0]))
                 for a, b in spec[trees[0]]]
        num_node = spec.get('num_node')
        if num_node is None:
            num_node = len(names) if names else 1 + max(
                (max(pair) for pair in pairs), default=0)
        if center is None:
            raise ValueError(f'layout {name!r}: {trees[0]} needs a center '
                             '(the root joint)')
        inward = pairs
        if trees[0] == 'edges':
            inward = _orient_edges(pairs, index(center, 'center'),
                                   int(num_node), name)
    return SkeletonLayout(
        name=name,
        num_node=int(num_node),
        inward=tuple(inward),
        center=index(center, 'center'),
        joint_names=names,
        flip_pairs=tuple((index(a, 'flip_pairs'), index(b, 'flip_pairs'))
                         for a, b in spec.get('flip_pairs') or ()))


def _orient_edges(edges: Sequence[Tuple[int, int]], center: int, num_node: int,
                  name: str) -> List[Tuple[int, int]]:
    """``(child, parent)`` pairs of undirected edges, by a walk from the
    root; extra edges (cycles) are refused by the tree check later."""
    neighbours: Dict[int, List[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    inward, seen, stack = [], {center}, [center]
    while stack:
        joint = stack.pop()
        for other in neighbours.get(joint, ()):
            if other not in seen:
                seen.add(other)
                inward.append((other, joint))
                stack.append(other)
    if len(inward) != len(edges):
        raise ValueError(f'layout {name!r}: the {len(edges)} edges do not '
                         f'form a tree over {num_node} joints rooted at '
                         f'{center} (cycle or unlinked joints)')
    return inward


def load_layout_file(path: str) -> SkeletonLayout:
    """Read a layout from a JSON or YAML file (the dict of
    :func:`layout_from_dict`).

    Args:
        path (str): A ``.json``, ``.yaml`` or ``.yml`` file.

    Returns:
        SkeletonLayout: The layout, named after the file unless it names
        itself.
    """
    ext = osp.splitext(path)[1].lower()
    if not osp.isfile(path):
        raise FileNotFoundError(f'no such layout file: {path}')
    with open(path) as f:
        if ext == '.json':
            spec = json.load(f)
        else:
            import yaml  # PyYAML comes with MMEngine
            spec = yaml.safe_load(f)
    if not isinstance(spec, dict):
        raise ValueError(f'{path}: a layout file must hold one mapping '
                         f'(joint_names, parents or edges, center, '
                         f'flip_pairs), got {type(spec).__name__}')
    try:
        return layout_from_dict(spec, name=path)
    except ValueError as err:
        raise ValueError(f'{path}: {err}') from err


_LAYOUT_FILE_EXTS = ('.json', '.yaml', '.yml')


def get_layout(layout: Union[str, dict, SkeletonLayout]) -> SkeletonLayout:
    """Resolve a layout name, dict or file to a :class:`SkeletonLayout`.

    Args:
        layout (str | dict | SkeletonLayout): A registered name, a dict
            (see :func:`layout_from_dict`; MMAction2's ``num_node`` /
            ``inward`` / ``center`` form included) or the path of a JSON /
            YAML file holding such a dict.

    Returns:
        SkeletonLayout: The layout.
    """
    if isinstance(layout, SkeletonLayout):
        return layout
    if isinstance(layout, dict):
        return layout_from_dict(dict(layout))
    if isinstance(layout, str) and layout not in _LAYOUTS \
            and layout.lower().endswith(_LAYOUT_FILE_EXTS):
        return load_layout_file(layout)
    if not isinstance(layout, str) or layout not in _LAYOUTS:
        raise KeyError(f'unknown skeleton layout {layout!r}; registered: '
                       f'{sorted(_LAYOUTS)} (or pass a dict with joint_names, '
                       'parents or inward edges and center, or the path of '
                       'a .json / .yaml file holding one)')
    return _LAYOUTS[layout]


def list_layouts() -> List[str]:
    """Names of all registered layouts."""
    return sorted(_LAYOUTS)


# MMAction2's own layouts, restated so that bone / K-bone / flip transforms
# can look up parents and left/right pairs by the same names.
_NTU_NEIGHBOURS = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6),
                   (8, 7), (9, 21), (10, 9), (11, 10), (12, 11), (13, 1),
                   (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18),
                   (20, 19), (22, 8), (23, 8), (24, 12), (25, 12)]
register_layout(
    'nturgb+d',
    num_node=25,
    inward=[(i - 1, j - 1) for i, j in _NTU_NEIGHBOURS],
    center=20,
    joint_names=('spine_base', 'spine_mid', 'neck', 'head', 'left_shoulder',
                 'left_elbow', 'left_wrist', 'left_hand', 'right_shoulder',
                 'right_elbow', 'right_wrist', 'right_hand', 'left_hip',
                 'left_knee', 'left_ankle', 'left_foot', 'right_hip',
                 'right_knee', 'right_ankle', 'right_foot', 'spine_shoulder',
                 'left_hand_tip', 'left_thumb', 'right_hand_tip',
                 'right_thumb'),
    flip_pairs=((4, 8), (5, 9), (6, 10), (7, 11), (12, 16), (13, 17), (14, 18),
                (15, 19), (21, 23), (22, 24)))
register_layout(
    'coco',
    num_node=17,
    inward=[(15, 13), (13, 11), (16, 14), (14, 12), (11, 5), (12, 6), (9, 7),
            (7, 5), (10, 8), (8, 6), (5, 0), (6, 0), (1, 0), (3, 1), (2, 0),
            (4, 2)],
    center=0,
    joint_names=('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
                 'left_shoulder', 'right_shoulder', 'left_elbow',
                 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
                 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                 'right_ankle'),
    flip_pairs=((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14),
                (15, 16)))
register_layout(
    'openpose',
    num_node=18,
    inward=[(4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11), (10, 9),
            (9, 8), (11, 5), (8, 2), (5, 1), (2, 1), (0, 1), (15, 0), (14, 0),
            (17, 15), (16, 14)],
    center=1,
    flip_pairs=((2, 5), (3, 6), (4, 7), (8, 11), (9, 12), (10, 13), (14, 15),
                (16, 17)))

# OpenPose BODY-25, the layout of the embedded pose-classification-kit data.
# The tree is OpenPose's part-affinity pairs without the two ear-shoulder
# links (2-17, 5-18), which would close cycles.
_BODY25_NAMES = ('nose', 'neck', 'right_shoulder', 'right_elbow',
                 'right_wrist', 'left_shoulder', 'left_elbow', 'left_wrist',
                 'mid_hip', 'right_hip', 'right_knee', 'right_ankle',
                 'left_hip', 'left_knee', 'left_ankle', 'right_eye',
                 'left_eye', 'right_ear', 'left_ear', 'left_bigtoe',
                 'left_smalltoe', 'left_heel', 'right_bigtoe',
                 'right_smalltoe', 'right_heel')
register_layout(
    'openpose_body25',
    num_node=25,
    inward=[(8, 1), (2, 1), (5, 1), (3, 2), (4, 3), (6, 5), (7, 6), (9, 8),
            (10, 9), (11, 10), (12, 8), (13, 12), (14, 13), (0, 1), (15, 0),
            (17, 15), (16, 0), (18, 16), (19, 14), (20, 19), (21, 14),
            (22, 11), (23, 22), (24, 11)],
    center=1,
    joint_names=_BODY25_NAMES,
    flip_pairs=((2, 5), (3, 6), (4, 7), (9, 12), (10, 13), (11, 14), (15, 16),
                (17, 18), (19, 22), (20, 23), (21, 24)))

# ACLNet's 'coco_new' (Kinetics-Skeleton, FineGYM): COCO-17 plus three
# synthetic midline joints that ``CocoToCocoNew`` appends: 17 = hip centre,
# 18 = midpoint of 17 and 19, 19 = shoulder centre. The tree is rooted at the
# shoulder centre; head and shoulders hang from it and the hips from the hip
# centre, exactly the reference's graph and bone table.
register_layout(
    'coco_new',
    num_node=20,
    inward=[(15, 13), (13, 11), (16, 14), (14, 12), (11, 17), (12, 17), (9, 7),
            (7, 5), (10, 8), (8, 6), (5, 19), (6, 19), (1, 0), (3, 1), (2, 0),
            (4, 2), (0, 19), (17, 18), (18, 19)],
    center=19,
    joint_names=get_layout('coco').joint_names +
    ('hip_centre', 'torso_centre', 'shoulder_centre'),
    flip_pairs=get_layout('coco').flip_pairs)

# Rao et al.'s 14-joint CASIA-B skeletons (3D, lifted from OpenPose): the
# OpenPose COCO-18 body without eyes and ears. Edges as in their re-ID code
# (0-1, 1-2, ..., 12-13), rooted at the neck; joint names are inferred.
register_layout(
    'openpose14',
    num_node=14,
    inward=[(0, 1), (2, 1), (3, 2), (4, 3), (5, 1), (6, 5), (7, 6), (8, 1),
            (9, 8), (10, 9), (11, 1), (12, 11), (13, 12)],
    center=1,
    joint_names=('nose', 'neck', 'right_shoulder', 'right_elbow',
                 'right_wrist', 'left_shoulder', 'left_elbow', 'left_wrist',
                 'right_hip', 'right_knee', 'right_ankle', 'left_hip',
                 'left_knee', 'left_ankle'),
    flip_pairs=((2, 5), (3, 6), (4, 7), (8, 11), (9, 12), (10, 13)))

# The 15 links of the DeepMimic humanoid bundled with pybullet, as
# tools/data/embedded/prepare_pybullet_mocap.py writes them (y up), rooted
# at the pelvis link.
register_layout(
    'deepmimic_humanoid',
    num_node=15,
    inward=[(1, 0), (2, 1), (3, 1), (4, 3), (5, 4), (6, 1), (7, 6), (8, 7),
            (9, 0), (10, 9), (11, 10), (12, 0), (13, 12), (14, 13)],
    center=0,
    joint_names=('root', 'chest', 'neck', 'right_shoulder', 'right_elbow',
                 'right_wrist', 'left_shoulder', 'left_elbow', 'left_wrist',
                 'right_hip', 'right_knee', 'right_ankle', 'left_hip',
                 'left_knee', 'left_ankle'),
    flip_pairs=((3, 6), (4, 7), (5, 8), (9, 12), (10, 13), (11, 14)))
