# Copyright (c) aclnet-mm contributors. All rights reserved.
"""PKU-MMD (v1) skeletons and labels to a ``PoseDataset`` pickle of clips.

PKU-MMD v1 (Liu et al. 2017) is 1076 long Kinect v2 recordings
(``0002-L`` ... ``0364-R``: sequence number and view Left / Middle /
Right), each with about 20 actions of 51 classes. Its files:

* ``Skeleton/<video>.txt``: one row per frame of 150 numbers, two persons
  x 25 joints x (x, y, z), in the joint order of NTU RGB+D; the second
  person is all zeros when only one is present.
* ``Label/<video>.txt``: one row per action,
  ``action_id,start_frame,end_frame,confidence`` (action ids 1-51,
  confidence 1 or 2).
* ``Split/cross-subject.txt`` and ``Split/cross-view.txt``: the official
  benchmark splits, distributed with the data set (not redistributable
  here, so they are inputs): a ``Training videos:`` line, then the video
  ids separated by commas, then ``Validataion videos:`` (sic) and its ids.

Every labelled interval becomes one clip: ``keypoint`` float32
``(M, T, 25, 3)`` with the all-zero person dropped (``M`` is 1 or 2),
``label`` = action id - 1, ``frame_dir`` = ``<video>_<row>`` (the 0-based
row of the label file, three digits). The interval is taken inclusive of
both ends, ``frames[start:end + 1]``, and clipped to the recording.

Example, with the folders of the official download::

    python tools/data/pku_mmd/gen_pku_mmd.py \\
        --skeleton-dir data/pku_mmd/Skeleton --label-dir data/pku_mmd/Label \\
        --xsub-split data/pku_mmd/Split/cross-subject.txt \\
        --xview-split data/pku_mmd/Split/cross-view.txt \\
        --out-file data/skeleton/pku_mmd_3d.pkl

The split files come with the data set (``Split/``); they are not
redistributed with aclnet-mm. See ``docs/user_guides/data_preparation.md``.
"""
import argparse
import os
import os.path as osp
import re
import sys
from collections import namedtuple
from typing import Dict, List, Optional, Sequence, Tuple, Union

import mmengine
import numpy as np

from aclnet_mm.utils.progress import progress_bar

# tools/data is not a package: the shared parsing helpers sit one folder up.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from skeleton_parsing import (  # noqa: E402 isort: skip
    ConversionResult, SkeletonFormatError, as_float32)

__all__ = [
    'PKUAction', 'read_pku_skeleton', 'read_pku_labels', 'read_pku_split',
    'convert_pku_mmd', 'PKU_MMD_NUM_CLASSES'
]

PKU_MMD_NUM_CLASSES = 51
_NUM_PERSONS = 2
_NUM_JOINTS = 25
_ROW_VALUES = _NUM_PERSONS * _NUM_JOINTS * 3
_BENCHMARKS = ('xsub', 'xview')

PKUAction = namedtuple('PKUAction',
                       ['label', 'start', 'end', 'confidence', 'line'])


def read_pku_skeleton(path: Union[str, os.PathLike]) -> np.ndarray:
    """Read one PKU-MMD skeleton file.

    Args:
        path (str | os.PathLike): ``<video>.txt`` of ``Skeleton/``.

    Returns:
        np.ndarray: ``(2, T, 25, 3)`` float64 (person, frame, joint, xyz).

    Raises:
        SkeletonFormatError: A row that is not 150 numbers; the message
            names the line.
    """
    path = str(path)
    with open(path, 'r') as f:
        lines = f.read().splitlines()
    rows = [line for line in lines if line.strip()]
    try:
        # One C-level conversion for the whole file; the line-by-line scan
        # below only runs to locate an error.
        values = np.array(' '.join(rows).split(), dtype=np.float64)
        ok = values.size == len(rows) * _ROW_VALUES
    except ValueError:
        ok = False
    if not ok:
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            tokens = line.split()
            if len(tokens) != _ROW_VALUES:
                raise SkeletonFormatError(
                    path, f'expected {_ROW_VALUES} values (2 persons x 25 '
                    f'joints x xyz), found {len(tokens)}', lineno,
                    'skeleton row')
            try:
                [float(t) for t in tokens]
            except ValueError:
                raise SkeletonFormatError(
                    path, f'not a number in {line.strip()[:80]!r}', lineno,
                    'skeleton row') from None
        raise SkeletonFormatError(path, 'unreadable skeleton rows')
    if not rows:
        raise SkeletonFormatError(path, 'no frames', field='skeleton row')
    values = values.reshape(len(rows), _NUM_PERSONS, _NUM_JOINTS, 3)
    return values.transpose(1, 0, 2, 3)


def read_pku_labels(path: Union[str, os.PathLike],
                    num_classes: int = PKU_MMD_NUM_CLASSES) -> List[PKUAction]:
    """Read one PKU-MMD label file.

    Args:
        path (str | os.PathLike): ``<video>.txt`` of ``Label/``.
        num_classes (int): Valid action ids are ``1..num_classes``.
            Defaults to 51.

    Returns:
        list[PKUAction]: ``(label, start, end, confidence, line)`` per row,
        ``label`` 1-based as in the file.
    """
    path = str(path)
    actions = []
    with open(path, 'r') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            fields = [t.strip() for t in line.strip().split(',')]
            if len(fields) != 4:
                raise SkeletonFormatError(
                    path, 'expected action_id,start_frame,end_frame,'
                    f'confidence, found {line.strip()[:80]!r}', lineno,
                    'label row')
            names = ('action_id', 'start_frame', 'end_frame', 'confidence')
            values = []
            for name, field in zip(names, fields):
                try:
                    values.append(int(field))
                except ValueError:
                    raise SkeletonFormatError(path,
                                              f'not an integer: {field!r}',
                                              lineno, name) from None
            label, start, end, confidence = values
            if not 1 <= label <= num_classes:
                raise SkeletonFormatError(
                    path, f'action id {label} outside 1..{num_classes}',
                    lineno, 'action_id')
            if start < 0 or end < start:
                raise SkeletonFormatError(path,
                                          f'bad interval [{start}, {end}]',
                                          lineno, 'start_frame/end_frame')
            actions.append(PKUAction(label, start, end, confidence, lineno))
    return actions


def read_pku_split(path: Union[str, os.PathLike]) -> Tuple[List, List]:
    """Read an official split file (``cross-subject.txt``/``cross-view.txt``).

    Args:
        path (str | os.PathLike): The split file.

    Returns:
        tuple[list[str], list[str]]: Training and validation video ids.
    """
    path = str(path)
    with open(path, 'r') as f:
        text = f.read()
    # The official files spell it "Validataion"; accept the usual words.
    header = re.compile(
        r'(training|validataion|validation|testing|test)\s+videos\s*:',
        re.IGNORECASE)
    parts = header.split(text)
    found = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        phase = 'train' if name.lower() == 'training' else 'val'
        found[phase] = [v.strip() for v in body.split(',') if v.strip()]
    if set(found) != {'train', 'val'}:
        raise SkeletonFormatError(
            path, 'expected a "Training videos:" and a "Validataion '
            'videos:" section',
            field='split header')
    return found['train'], found['val']


def convert_pku_mmd(skeleton_dir: Union[str, os.PathLike],
                    label_dir: Union[str, os.PathLike],
                    split_files: Optional[Dict[str, str]] = None,
                    out_file: Optional[Union[str, os.PathLike]] = None,
                    on_error: str = 'raise',
                    num_classes: int = PKU_MMD_NUM_CLASSES,
                    progress: bool = True) -> ConversionResult:
    """Cut PKU-MMD recordings into labelled clips.

    Args:
        skeleton_dir (str | os.PathLike): ``Skeleton/`` folder.
        label_dir (str | os.PathLike): ``Label/`` folder (same file names).
        split_files (dict[str, str], optional): Official split files by
            benchmark, ``dict(xsub='Split/cross-subject.txt',
            xview='Split/cross-view.txt')``; each gives the
            ``{bench}_train`` / ``{bench}_val`` splits. Defaults to None
            (no split written; ``PoseDataset`` then needs ``split=None``).
        out_file (str | os.PathLike, optional): Where to dump the pickle.
            Defaults to None.
        on_error (str): ``'raise'`` or ``'skip'`` (leave the recording
            out, record the error, go on). Defaults to ``'raise'``.
        num_classes (int): Number of action classes. Defaults to 51.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        ConversionResult: Annotations, ignored recordings (those without a
        label file are errors, not ignored) and errors.
    """
    if on_error not in ('raise', 'skip'):
        raise ValueError(f"on_error must be 'raise' or 'skip', got "
                         f'{on_error!r}')
    split_files = dict(split_files or {})
    unknown = set(split_files) - set(_BENCHMARKS)
    if unknown:
        raise ValueError(f'split_files keys must be in {_BENCHMARKS}, got '
                         f'{sorted(unknown)}')
    splits = {
        bench: read_pku_split(path)
        for bench, path in split_files.items()
    }

    videos = sorted(
        osp.splitext(f)[0] for f in os.listdir(skeleton_dir)
        if f.endswith('.txt'))
    annotations, errors = [], []
    clips_of = {}
    bar = progress_bar(len(videos)) if progress and videos else None
    for video in videos:
        try:
            clips = _video_clips(
                osp.join(str(skeleton_dir), video + '.txt'),
                osp.join(str(label_dir), video + '.txt'), video, num_classes)
        except SkeletonFormatError as err:
            if on_error == 'raise':
                raise
            errors.append(err)
        else:
            annotations.extend(clips)
            clips_of[video] = [clip['frame_dir'] for clip in clips]
        if bar is not None:
            bar.update()
    if bar is not None:
        print()

    split = {}
    for bench, (train, val) in splits.items():
        for phase, ids in (('train', train), ('val', val)):
            split[f'{bench}_{phase}'] = [
                clip for video in ids for clip in clips_of.get(video, ())
            ]
    # Class names: the action ids of the label files (label 0 is action 1).
    data = dict(
        split=split,
        annotations=annotations,
        classes=[f'action_{i:02d}' for i in range(1, num_classes + 1)])
    if out_file is not None:
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(out_file)))
        mmengine.dump(data, str(out_file))
    return ConversionResult(data, errors=errors)


def _video_clips(skeleton_file: str, label_file: str, video: str,
                 num_classes: int) -> List[dict]:
    if not osp.isfile(label_file):
        raise SkeletonFormatError(
            label_file, f'no label file for the skeleton file of {video}')
    skeleton = read_pku_skeleton(skeleton_file)
    num_frames = skeleton.shape[1]
    clips = []
    for row, action in enumerate(read_pku_labels(label_file, num_classes)):
        if action.start >= num_frames:
            raise SkeletonFormatError(
                label_file, f'interval [{action.start}, {action.end}] '
                f'starts after the last frame ({num_frames} frames in '
                f'{skeleton_file})', action.line, 'start_frame')
        clip = skeleton[:, action.start:action.end + 1]
        clip = clip[clip.reshape(len(clip), -1).any(axis=1)]
        if len(clip) == 0:
            raise SkeletonFormatError(
                label_file, f'no skeleton in frames {action.start}-'
                f'{action.end} of {skeleton_file}', action.line,
                'start_frame/end_frame')
        clips.append(
            dict(
                frame_dir=f'{video}_{row:03d}',
                label=action.label - 1,
                keypoint=as_float32(clip),
                total_frames=clip.shape[1]))
    return clips


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Cut PKU-MMD recordings into a PoseDataset pickle')
    parser.add_argument(
        '--skeleton-dir', required=True, help='folder of skeleton .txt')
    parser.add_argument(
        '--label-dir', required=True, help='folder of label .txt')
    parser.add_argument(
        '--xsub-split', help='official cross-subject.txt (xsub_* splits)')
    parser.add_argument(
        '--xview-split', help='official cross-view.txt (xview_* splits)')
    parser.add_argument(
        '--out-file',
        default='data/skeleton/pku_mmd_3d.pkl',
        help='output pickle')
    parser.add_argument(
        '--skip-malformed',
        action='store_true',
        help='leave malformed recordings out and list them at the end '
        'instead of stopping at the first one')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the conversion; return 1 when inputs were skipped as malformed."""
    args = parse_args(argv)
    split_files = {}
    if args.xsub_split:
        split_files['xsub'] = args.xsub_split
    if args.xview_split:
        split_files['xview'] = args.xview_split
    if not split_files:
        print('warning: no split file given; the pickle has no split and '
              'needs split=None in the dataset config')
    result = convert_pku_mmd(
        args.skeleton_dir,
        args.label_dir,
        split_files=split_files,
        out_file=args.out_file,
        on_error='skip' if args.skip_malformed else 'raise',
        progress=not args.no_progress)
    print(result.summary())
    print(f'written to {args.out_file}')
    return 1 if result.errors else 0


if __name__ == '__main__':
    sys.exit(main())
