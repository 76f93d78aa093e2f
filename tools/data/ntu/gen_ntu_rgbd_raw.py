# Copyright (c) aclnet-mm contributors. All rights reserved.
"""NTU RGB+D 60 / 120 raw ``.skeleton`` files to a ``PoseDataset`` pickle.

The ``.skeleton`` text format (Kinect v2, as read by the dataset's own
``read_skeleton_file.m``)::

    <number of frames>
    per frame:
        <number of bodies>
        per body:
            bodyID clipedEdges handLeftConfidence handLeftState
                handRightConfidence handRightState isRestricted leanX leanY
                trackingState                                 (10 values)
            <number of joints>                                (25)
            per joint:
                x y z depthX depthY colorX colorY orientationW orientationX
                    orientationY orientationZ trackingState   (12 values)

Bodies are stored by their slot in each frame (the first body listed goes
to slot 0), as MMAction2's ``gen_ntu_rgbd_raw.py`` does. Of the slots, the
two with the largest energy are kept: the sum over x, y and z of the
standard deviation over all joints of the frames where the slot is not all
zero (spatial spread plus motion, which ranks noise bodies, small or
still, last). Slots that stay all zero are dropped, so ``M`` is 1 or 2.
Unlike
MMAction2's script, the keypoints are written as float32 (not float16) and
energy ties keep the slot order.

Example::

    python tools/data/ntu/gen_ntu_rgbd_raw.py \\
        --data-path data/nturgbd_raw/nturgb+d_skeletons --task ntu60 \\
        --out-file data/skeleton/ntu60_3d.pkl

The official lists of samples with missing skeletons (302 for NTU RGB+D
60, 535 for 120) ship with aclnet-mm and are skipped unless
``--ignored-sample-path`` names another list. See
``docs/user_guides/data_preparation.md``.
"""
import argparse
import os
import os.path as osp
import re
import sys
from collections import namedtuple
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Union

import mmengine
import numpy as np

from aclnet_mm.utils.progress import progress_bar

# tools/data is not a package: the shared parsing helpers sit one folder up.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from skeleton_parsing import (  # noqa: E402 isort: skip
    ConversionResult, LineReader, SkeletonFormatError, as_float32)

__all__ = [
    'NTUSampleName', 'parse_ntu_name', 'read_ntu_skeleton', 'select_bodies',
    'load_missing_skeletons', 'ntu_splits', 'convert_ntu_rgbd',
    'NTU60_TRAIN_SUBJECTS', 'NTU120_TRAIN_SUBJECTS', 'NTU60_TRAIN_CAMERAS'
]

# Cross-subject training performers (Shahroudy et al. 2016, Liu et al.
# 2019); the rest are the validation subjects.
NTU60_TRAIN_SUBJECTS = frozenset(
    (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38))
NTU120_TRAIN_SUBJECTS = NTU60_TRAIN_SUBJECTS | frozenset(
    (45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81,
     82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103))
# Cross-view: cameras 2 and 3 train, camera 1 validates.
NTU60_TRAIN_CAMERAS = frozenset((2, 3))
# NTU RGB+D 60 is setups 1-17 and actions 1-60 of NTU RGB+D 120.
_NTU60_MAX_SETUP = 17
_NTU60_NUM_CLASSES = 60
_NUM_JOINTS = 25
_BODY_FIELDS = 10
_JOINT_FIELDS = 12
_TASKS = ('ntu60', 'ntu120')
_LIST_DIR = osp.dirname(osp.abspath(__file__))

NTUSampleName = namedtuple(
    'NTUSampleName', ['setup', 'camera', 'performer', 'replication', 'action'])
_NAME_RE = re.compile(r'S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})')


def parse_ntu_name(name: str) -> NTUSampleName:
    """Parse ``SsssCcccPpppRrrrAaaa`` (with or without ``.skeleton``).

    Args:
        name (str): A file name or sample id such as
            ``'S001C002P003R002A013.skeleton'``.

    Returns:
        NTUSampleName: The setup, camera, performer, replication and
        action numbers, 1-based as in the name.
    """
    match = _NAME_RE.fullmatch(osp.basename(name).split('.')[0])
    if match is None:
        raise SkeletonFormatError(
            name,
            'the file name is not SsssCcccPpppRrrrAaaa[.skeleton]',
            field='file name')
    return NTUSampleName(*(int(g) for g in match.groups()))


def read_ntu_skeleton(path: Union[str, os.PathLike],
                      max_bodies: int = 4) -> np.ndarray:
    """Read the 3D joint positions of one ``.skeleton`` file.

    Args:
        path (str | os.PathLike): The file.
        max_bodies (int): Body slots kept per frame (Kinect v2 tracks up
            to 6; later slots are dropped). Defaults to 4.

    Returns:
        np.ndarray: ``(max_bodies, T, 25, 3)`` float64, zeros where a slot
        is empty.

    Raises:
        SkeletonFormatError: The file does not follow the format; the
            message names the line and the field.
    """
    reader = LineReader(path)
    num_frames = reader.next_int('numFrame')
    data = np.zeros((max_bodies, num_frames, _NUM_JOINTS, 3))
    for t in range(num_frames):
        num_bodies = reader.next_int(f'numBody (frame {t})')
        for m in range(num_bodies):
            reader.next_values(f'bodyInfo (frame {t}, body {m})', _BODY_FIELDS)
            field = f'numJoint (frame {t}, body {m})'
            num_joints = reader.next_int(field)
            if num_joints != _NUM_JOINTS:
                raise reader.error(
                    f'expected {_NUM_JOINTS} joints, found {num_joints}',
                    field)
            for v in range(num_joints):
                values = reader.next_values(
                    f'jointInfo (frame {t}, body {m}, joint {v})',
                    _JOINT_FIELDS)
                if m < max_bodies:
                    data[m, t, v] = values[:3]
    reader.expect_end()
    return data


def _motion_energy(body: np.ndarray) -> float:
    """Sum over x, y, z of the std over the joints of the frames where
    ``body`` is set."""
    present = body.reshape(body.shape[0], -1).any(axis=1)
    if not present.any():
        return 0.
    return float(body[present].std(axis=(0, 1)).sum())


def select_bodies(data: np.ndarray, num_bodies: int = 2) -> np.ndarray:
    """Keep the ``num_bodies`` slots of largest energy, drop empty slots.

    Args:
        data (np.ndarray): ``(S, T, V, C)`` body slots.
        num_bodies (int): How many to keep at most. Defaults to 2.

    Returns:
        np.ndarray: ``(M, T, V, C)`` with ``M <= num_bodies``, by
        decreasing energy.
    """
    energy = np.array([_motion_energy(body) for body in data])
    order = np.argsort(-energy, kind='stable')[:num_bodies]
    kept = data[order]
    return kept[kept.reshape(len(kept), -1).any(axis=1)]


def load_missing_skeletons(task: str = 'ntu60') -> FrozenSet[str]:
    """The official list of samples with missing or incomplete skeletons.

    Shipped from https://github.com/shahroudy/NTURGB-D (``Matlab/``):
    302 names for NTU RGB+D 60, 535 for NTU RGB+D 120.

    Args:
        task (str): ``'ntu60'`` or ``'ntu120'``. Defaults to ``'ntu60'``.

    Returns:
        frozenset[str]: Sample names without the ``.skeleton`` suffix.
    """
    if task not in _TASKS:
        raise ValueError(f'task must be one of {_TASKS}, got {task!r}')
    return _read_name_list(
        osp.join(_LIST_DIR, f'{task}_missing_skeletons.txt'))


def _read_name_list(path: str) -> FrozenSet[str]:
    with open(path, 'r') as f:
        names = (line.split('#')[0].strip() for line in f)
        return frozenset(osp.splitext(name)[0] for name in names if name)


def ntu_splits(names: Iterable[str], task: str = 'ntu60') -> Dict[str, List]:
    """The standard benchmark splits of NTU RGB+D.

    ``ntu60``: ``xsub`` (training performers) and ``xview`` (cameras 2 and
    3 train). ``ntu120``: ``xsub`` and ``xset`` (even setup numbers train).

    Args:
        names (Iterable[str]): Sample names, ``SsssCcccPpppRrrrAaaa``.
        task (str): ``'ntu60'`` or ``'ntu120'``. Defaults to ``'ntu60'``.

    Returns:
        dict[str, list[str]]: ``{bench}_train`` and ``{bench}_val`` lists,
        in the order of ``names``.
    """
    if task not in _TASKS:
        raise ValueError(f'task must be one of {_TASKS}, got {task!r}')
    if task == 'ntu60':
        rules = dict(
            xsub=lambda s: s.performer in NTU60_TRAIN_SUBJECTS,
            xview=lambda s: s.camera in NTU60_TRAIN_CAMERAS)
    else:
        rules = dict(
            xsub=lambda s: s.performer in NTU120_TRAIN_SUBJECTS,
            xset=lambda s: s.setup % 2 == 0)
    split = {}
    for bench in rules:
        split[f'{bench}_train'] = []
        split[f'{bench}_val'] = []
    for name in names:
        parsed = parse_ntu_name(name)
        for bench, is_train in rules.items():
            phase = 'train' if is_train(parsed) else 'val'
            split[f'{bench}_{phase}'].append(name)
    return split


def convert_ntu_rgbd(data_path: Union[str, os.PathLike],
                     task: str = 'ntu60',
                     out_file: Optional[Union[str, os.PathLike]] = None,
                     ignored: Optional[Iterable[str]] = None,
                     on_error: str = 'raise',
                     max_bodies: int = 2,
                     progress: bool = True) -> ConversionResult:
    """Convert a folder of NTU RGB+D ``.skeleton`` files.

    Args:
        data_path (str | os.PathLike): Folder of ``.skeleton`` files.
        task (str): ``'ntu60'`` or ``'ntu120'``. For ``'ntu60'``, files of
            NTU RGB+D 120 only (setup > 17 or action > 60) are left out.
            Defaults to ``'ntu60'``.
        out_file (str | os.PathLike, optional): Where to dump the pickle.
            Defaults to None (not written).
        ignored (Iterable[str], optional): Sample names to skip. Defaults
            to None: the official missing-skeleton list of ``task``.
        on_error (str): ``'raise'`` stops at the first malformed file;
            ``'skip'`` leaves it out, records it in ``errors`` and goes
            on. Defaults to ``'raise'``.
        max_bodies (int): Bodies kept per sample. Defaults to 2.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        ConversionResult: The annotation dict (``keypoint`` float32
        ``(M, T, 25, 3)``, ``label`` = action - 1, ``total_frames``,
        ``frame_dir`` = file stem), the ignored samples and the errors.
    """
    if task not in _TASKS:
        raise ValueError(f'task must be one of {_TASKS}, got {task!r}')
    if on_error not in ('raise', 'skip'):
        raise ValueError(f"on_error must be 'raise' or 'skip', got "
                         f'{on_error!r}')
    ignored = load_missing_skeletons(task) if ignored is None else {
        osp.splitext(osp.basename(name))[0]
        for name in ignored
    }
    files = sorted(f for f in os.listdir(data_path) if f.endswith('.skeleton'))

    selected, skipped, errors = [], [], []
    for file in files:
        stem = osp.splitext(file)[0]
        try:
            parsed = parse_ntu_name(osp.join(data_path, file))
        except SkeletonFormatError as err:
            if on_error == 'raise':
                raise
            errors.append(err)
            continue
        if task == 'ntu60' and (parsed.setup > _NTU60_MAX_SETUP
                                or parsed.action > _NTU60_NUM_CLASSES):
            continue
        if stem in ignored:
            skipped.append(stem)
            continue
        selected.append((stem, parsed))

    annotations = []
    bar = progress_bar(len(selected)) if progress and selected else None
    for stem, parsed in selected:
        path = osp.join(data_path, stem + '.skeleton')
        try:
            keypoint = select_bodies(read_ntu_skeleton(path), max_bodies)
            if keypoint.shape[0] == 0 or keypoint.shape[1] == 0:
                raise SkeletonFormatError(
                    path, 'no body in any frame (add the sample to the '
                    'ignored list if it is a known empty recording)')
        except SkeletonFormatError as err:
            if on_error == 'raise':
                raise
            errors.append(err)
        else:
            annotations.append(
                dict(
                    frame_dir=stem,
                    label=parsed.action - 1,
                    keypoint=as_float32(keypoint),
                    total_frames=keypoint.shape[1]))
        if bar is not None:
            bar.update()
    if bar is not None:
        print()

    # Class names: NTU's action ids (label 0 is A001), so that training,
    # checkpoints and inference name the classes without another file.
    num_classes = _NTU60_NUM_CLASSES if task == 'ntu60' else 120
    data = dict(
        split=ntu_splits([a['frame_dir'] for a in annotations], task),
        annotations=annotations,
        classes=[f'A{i:03d}' for i in range(1, num_classes + 1)])
    if out_file is not None:
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(out_file)))
        mmengine.dump(data, str(out_file))
    return ConversionResult(data, ignored=skipped, errors=errors)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Convert NTU RGB+D raw skeletons to a PoseDataset pickle')
    parser.add_argument(
        '--data-path', required=True, help='folder of .skeleton files')
    parser.add_argument('--task', choices=('ntu60', 'ntu120'), default='ntu60')
    parser.add_argument(
        '--out-file',
        help='output pickle (default: data/skeleton/{task}_3d.pkl)')
    parser.add_argument(
        '--ignored-sample-path',
        help='text file of sample names to skip, one per line (default: '
        'the official missing-skeleton list of the task)')
    parser.add_argument(
        '--skip-malformed',
        action='store_true',
        help='leave malformed files out and list them at the end instead '
        'of stopping at the first one')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the conversion; return 1 when files were skipped as malformed."""
    args = parse_args(argv)
    ignored = None
    if args.ignored_sample_path:
        with open(args.ignored_sample_path, 'r') as f:
            ignored = [
                line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip()
            ]
    out_file = args.out_file or f'data/skeleton/{args.task}_3d.pkl'
    result = convert_ntu_rgbd(
        args.data_path,
        task=args.task,
        out_file=out_file,
        ignored=ignored,
        on_error='skip' if args.skip_malformed else 'raise',
        progress=not args.no_progress)
    print(result.summary())
    print(f'written to {out_file}')
    return 1 if result.errors else 0


if __name__ == '__main__':
    sys.exit(main())
