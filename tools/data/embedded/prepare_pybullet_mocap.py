# Copyright (c) aclnet-mm contributors. All rights reserved.
"""3D joint positions from the DeepMimic motion clips bundled with pybullet.

``pybullet`` 3.2.7 (PyPI, zlib; the optional extra ``mocap``) ships 15
labelled motion-capture clips, ``pybullet_data/data/motions/
humanoid3d_<action>.txt``. Each is JSON whose ``Frames`` rows hold 44
numbers: the frame duration, the root position, the root rotation
(quaternion w, x, y, z), then the rotations of chest, neck, right hip, right
knee, right ankle, right shoulder, right elbow, left hip, left knee, left
ankle, left shoulder and left elbow (quaternions for the spherical joints,
one angle for knees and elbows).

We pose the bundled ``humanoid/humanoid.urdf`` (``globalScaling=0.25``, the
scale DeepMimic uses) frame by frame in a ``DIRECT`` (headless) pybullet
client and read the world position of each link frame: (T, 15, 3) joint
positions in metres, **y up**, as in the clips. The 15 joints form the
layout ``'deepmimic_humanoid'`` of :mod:`aclnet_mm.structures` (the URDF's
base coincides with its ``root`` link, so it is not a separate joint).

Each action is one clip, so it is a real 3D path for demos and tests, not a
benchmark: clips are windows split by time like the 2D set.

Needs the optional extra ``pybullet==3.2.7``. Example::

    python tools/data/embedded/prepare_pybullet_mocap.py \
        --out data/embedded/mocap_3d.pkl --window 8
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine
import numpy as np

from aclnet_mm.structures import get_layout

# The BODY-25 script beside this one has the split and class-file helpers.
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from prepare_pose_classification_kit import (  # noqa: E402 isort: skip
    SPLITS, check_out_file, split_boundaries, write_dataset)

__all__ = [
    'DEEPMIMIC_ACTIONS', 'DEEPMIMIC_JOINTS', 'load_deepmimic_motion',
    'deepmimic_forward_kinematics', 'make_mocap_dataset',
    'convert_pybullet_mocap'
]

INSTALL_HINT = 'pip install pybullet==3.2.7 (or the extra aclnet_mm[mocap])'

DEEPMIMIC_ACTIONS = ('backflip', 'cartwheel', 'crawl', 'dance_a', 'dance_b',
                     'getup_facedown', 'getup_faceup', 'jump', 'kick', 'punch',
                     'roll', 'run', 'spin', 'spinkick', 'walk')

# Link order of humanoid.urdf; index = joint index of the layout.
DEEPMIMIC_JOINTS = get_layout('deepmimic_humanoid').joint_names

# (URDF joint index, number of values) in the order of a DeepMimic frame,
# after frame duration, root position and root rotation.
_FRAME_JOINTS = ((1, 4), (2, 4), (9, 4), (10, 1), (11, 4), (3, 4), (4, 1),
                 (12, 4), (13, 1), (14, 4), (6, 4), (7, 1))
_FRAME_SIZE = 8 + sum(size for _, size in _FRAME_JOINTS)


def _pybullet_data_path() -> str:
    spec = importlib.util.find_spec('pybullet_data')
    if spec is None or importlib.util.find_spec('pybullet') is None:
        raise FileNotFoundError(f'pybullet is not installed; {INSTALL_HINT}')
    return list(spec.submodule_search_locations)[0]


def load_deepmimic_motion(action: str,
                          data_path: Optional[str] = None) -> np.ndarray:
    """Read ``humanoid3d_<action>.txt``.

    Args:
        action (str): One of :data:`DEEPMIMIC_ACTIONS`.
        data_path (str, optional): The ``pybullet_data`` folder; found
            automatically when None. Defaults to None.

    Returns:
        np.ndarray: The (T, 44) frame rows as float64.
    """
    data_path = data_path or _pybullet_data_path()
    path = osp.join(data_path, 'data', 'motions', f'humanoid3d_{action}.txt')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist; {INSTALL_HINT}')
    with open(path) as f:
        frames = np.asarray(json.load(f)['Frames'], dtype=np.float64)
    if frames.ndim != 2 or frames.shape[1] != _FRAME_SIZE:
        raise ValueError(f'{path}: expected rows of {_FRAME_SIZE} values, '
                         f'got {frames.shape}')
    return frames


def _wxyz_to_xyzw(quat: np.ndarray) -> List[float]:
    return [quat[1], quat[2], quat[3], quat[0]]


def deepmimic_forward_kinematics(frames: np.ndarray,
                                 data_path: Optional[str] = None
                                 ) -> np.ndarray:
    """Joint positions of the humanoid posed by DeepMimic frames.

    Args:
        frames (np.ndarray): (T, 44) rows of a DeepMimic motion file.
        data_path (str, optional): The ``pybullet_data`` folder; found
            automatically when None. Defaults to None.

    Returns:
        np.ndarray: (T, 15, 3) float32 positions in metres, y up, joints in
        the order of :data:`DEEPMIMIC_JOINTS`.
    """
    data_path = data_path or _pybullet_data_path()
    import pybullet
    client = pybullet.connect(pybullet.DIRECT)
    try:
        body = pybullet.loadURDF(
            osp.join(data_path, 'humanoid', 'humanoid.urdf'),
            globalScaling=0.25,
            physicsClientId=client)
        links = list(range(len(DEEPMIMIC_JOINTS)))
        positions = np.zeros((len(frames), len(links), 3))
        for t, frame in enumerate(frames):
            pybullet.resetBasePositionAndOrientation(
                body,
                frame[1:4].tolist(),
                _wxyz_to_xyzw(frame[4:8]),
                physicsClientId=client)
            offset = 8
            for joint, size in _FRAME_JOINTS:
                values = frame[offset:offset + size]
                if size == 4:
                    pybullet.resetJointStateMultiDof(
                        body,
                        joint,
                        _wxyz_to_xyzw(values),
                        physicsClientId=client)
                else:
                    pybullet.resetJointState(
                        body, joint, values[0], physicsClientId=client)
                offset += size
            states = pybullet.getLinkStates(
                body,
                links,
                computeForwardKinematics=True,
                physicsClientId=client)
            # Index 4: world position of the link frame, i.e. the joint.
            positions[t] = [state[4] for state in states]
    finally:
        pybullet.disconnect(physicsClientId=client)
    return positions.astype(np.float32)


def make_mocap_dataset(actions: Sequence[str] = DEEPMIMIC_ACTIONS,
                       window: int = 8,
                       stride: Optional[int] = None,
                       split_ratios: Tuple[float, float,
                                           float] = (0.7, 0.1, 0.2),
                       data_path: Optional[str] = None) -> dict:
    """Build the PoseDataset annotation dict of the DeepMimic clips.

    Args:
        actions (Sequence[str]): Actions to include; label = position.
            Defaults to all 15.
        window (int): Frames per clip. The clips have 25 (``run``) to 227
            frames at 16-60 fps and are not resampled, so the val / test
            parts of the shortest clips hold no window. Defaults to 8.
        stride (int, optional): Step between window starts; ``None`` means
            ``window // 2`` (the clips are short). Defaults to None.
        split_ratios (tuple[float, float, float]): Time fractions of each
            clip for train / val / test. Defaults to ``(0.7, 0.1, 0.2)``.
        data_path (str, optional): The ``pybullet_data`` folder; found
            automatically when None. Defaults to None.

    Returns:
        dict: ``split``, ``annotations`` (``keypoint`` (1, T, 15, 3)
        float32, no scores), ``classes`` and ``meta``, in the layout of
        ``make_body25_dataset`` of prepare_pose_classification_kit.py.
    """
    stride = max(1, window // 2) if stride is None else stride
    if window < 1 or stride < 1:
        raise ValueError(f'window ({window}) and stride ({stride}) must be '
                         'positive')
    split = {name: [] for name in SPLITS}
    annotations = []
    frames_per_class: Dict[str, int] = {}
    for label, action in enumerate(actions):
        positions = deepmimic_forward_kinematics(
            load_deepmimic_motion(action, data_path), data_path)
        frames_per_class[action] = len(positions)
        bounds = split_boundaries(len(positions), split_ratios)
        for part, begin, end in zip(SPLITS, bounds[:-1], bounds[1:]):
            for start in range(begin, end - window + 1, stride):
                frame_dir = f'{action}_{start:04d}'
                annotations.append(
                    dict(
                        frame_dir=frame_dir,
                        label=label,
                        total_frames=window,
                        keypoint=positions[None, start:start + window],
                        source_frames=(start, start + window),
                        source_split=part))
                split[part].append(frame_dir)
    meta = dict(
        source='pybullet 3.2.7 pybullet_data/data/motions/humanoid3d_*.txt',
        layout='deepmimic_humanoid',
        coordinates='metres, y up, world frame of the clip',
        window=window,
        stride=stride,
        split_ratios=tuple(float(r) for r in split_ratios),
        frames_per_class=frames_per_class)
    return dict(
        split=split, annotations=annotations, classes=list(actions), meta=meta)


def convert_pybullet_mocap(out_file: str = 'data/embedded/mocap_3d.pkl',
                           verbose: bool = True,
                           **kwargs) -> dict:
    """Write the DeepMimic pickle and ``<stem>_classes.txt`` beside it.

    Args:
        out_file (str): Target ``.pkl``. Defaults to
            ``'data/embedded/mocap_3d.pkl'``.
        verbose (bool): Print the clips per split and class.
            Defaults to True.
        **kwargs: Arguments of :func:`make_mocap_dataset`.

    Returns:
        dict: The annotation dict that was written.
    """
    check_out_file(out_file)
    data = make_mocap_dataset(**kwargs)
    write_dataset(data, out_file, verbose)
    return data


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the DeepMimic humanoid clips bundled with '
        'pybullet as an MMAction2 PoseDataset pickle (3D, y up)')
    parser.add_argument(
        '--out',
        default='data/embedded/mocap_3d.pkl',
        help='output pickle (a <stem>_classes.txt is written beside it)')
    parser.add_argument('--window', type=int, default=8, help='clip frames')
    parser.add_argument(
        '--stride',
        type=int,
        default=None,
        help='step between clip starts (default: half the window)')
    parser.add_argument(
        '--split-ratios',
        type=float,
        nargs=3,
        default=(0.7, 0.1, 0.2),
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='time fractions of each clip')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        convert_pybullet_mocap(
            out_file=args.out,
            window=args.window,
            stride=args.stride,
            split_ratios=tuple(args.split_ratios))
    except FileNotFoundError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
