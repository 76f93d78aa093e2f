# Copyright (c) aclnet-mm contributors. All rights reserved.
"""CASIA-B skeletons to ``PoseDataset`` pickles for gait and person re-ID.

Two sources:

- Gait: GaitGraph's ``casia-b_pose_coco.csv`` (HRNet COCO-17 2D poses, a
  header, then one row per kept frame: ``image_name`` such as
  ``./001-bg-01-018/000042.jpg`` and ``x, y, conf`` for the 17 joints).
- Re-ID: Rao et al.'s 14-joint 3D tracklet arrays
  (``<root>/<f>/CASIA_B_train_npy_data/source_{x,y,z}_CASIA_B_<f>.npy``,
  ``frame_id_CASIA_B_<f>.npy``, and the same under
  ``CASIA_B_test_npy_data/{nm,bg,cl}/`` with a ``t_`` prefix).

Every sample keeps ``subject`` (int), ``cond`` (``'nm'``, ``'bg'``,
``'cl'``), ``seq`` (int) and ``view`` (int, degrees) besides the usual
``keypoint`` fields, so that the retrieval metrics can build their probe
and gallery sets; ``label`` is the zero-based subject index
(``subject - 1``), so a training split made of subjects ``1..K`` trains a
``K``-class head.

Examples::

    # gait: GaitGraph's HRNet pose CSV (COCO-17 2D, one row per frame)
    python tools/data/casia_b/gen_casia_b.py gait \\
        --src data/casia-b/casia-b_pose_coco.csv \\
        --out-file data/skeleton/casia_b_gait_2d.pkl
    # re-ID: Rao et al.'s 14-joint 3D tracklets (their CASIA_B_match folder)
    python tools/data/casia_b/gen_casia_b.py reid \\
        --src data/casia-b/CASIA_B_match --length 40 \\
        --out-file data/skeleton/casia_b_reid_3d.pkl

Splits, the short-sequence policy and the validation subjects are
described in ``docs/advanced_guides/gait_reid.md``.
"""
import argparse
import csv
import os.path as osp
import re
import sys
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

# tools/data is not a package: the shared parsing helpers sit one folder up.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from skeleton_parsing import (  # noqa: E402 isort: skip
    ConversionResult, SkeletonFormatError, as_float32)

__all__ = [
    'CASIA_B_VIEWS', 'parse_casia_b_name', 'read_gaitgraph_csv', 'fit_length',
    'casia_b_subject_splits', 'convert_casia_b_gait', 'cut_tracklets',
    'convert_casia_b_tracklets', 'read_rao_tracklets', 'convert_rao_casia_b'
]

CASIA_B_VIEWS = tuple(range(0, 181, 18))
CASIA_B_IMG_SHAPE = (240, 320)
_NAME_RE = re.compile(r'^(\d{3})-(nm|bg|cl)-(\d{2})-(\d{3})$')
_NUM_COCO_JOINTS = 17


def parse_casia_b_name(name: str) -> Dict:
    """Split a CASIA-B sequence id ``SSS-cc-NN-VVV``.

    Args:
        name (str): E.g. ``'001-bg-01-018'``.

    Returns:
        dict: ``subject`` (int), ``cond`` (str), ``seq`` (int) and ``view``
        (int, degrees).
    """
    match = _NAME_RE.match(name)
    if match is None:
        raise ValueError(f'not a CASIA-B sequence id (SSS-cc-NN-VVV): '
                         f'{name!r}')
    subject, cond, seq, view = match.groups()
    return dict(subject=int(subject), cond=cond, seq=int(seq), view=int(view))


def read_gaitgraph_csv(
        path: str,
        on_error: str = 'raise') -> Tuple[Dict[str, np.ndarray], List]:
    """Read GaitGraph's pose CSV, one ``(T, 17, 3)`` array per sequence.

    Rows are grouped by the image's folder (the sequence id) and ordered by
    the frame number of the image name; gaps (frames GaitGraph's detector
    rejected) are simply absent.

    Args:
        path (str): The CSV file.
        on_error (str): ``'raise'`` or ``'skip'`` malformed rows.
            Defaults to ``'raise'``.

    Returns:
        tuple: ``{sequence id: (T, 17, 3) float32 array of x, y, conf}``
        and the list of :class:`SkeletonFormatError` of skipped rows.
    """
    if on_error not in ('raise', 'skip'):
        raise ValueError(f"on_error must be 'raise' or 'skip', got "
                         f'{on_error!r}')
    rows: Dict[str, List[Tuple[int, List[float]]]] = defaultdict(list)
    errors = []
    width = 1 + 3 * _NUM_COCO_JOINTS
    with open(path, newline='') as f:
        reader = csv.reader(f)
        for lineno, row in enumerate(reader, start=1):
            if lineno == 1 or not row:
                continue  # header
            try:
                if len(row) != width:
                    raise SkeletonFormatError(
                        path,
                        f'expected {width} columns, found {len(row)}',
                        line=lineno)
                folder, frame = osp.split(osp.normpath(row[0]))
                folder = osp.basename(folder)
                try:
                    parse_casia_b_name(folder)
                    frame_no = int(osp.splitext(frame)[0])
                except ValueError as err:
                    raise SkeletonFormatError(
                        path,
                        f'bad image name {row[0]!r} ({err})',
                        line=lineno,
                        field='image_name') from None
                try:
                    values = [float(v) for v in row[1:]]
                except ValueError:
                    raise SkeletonFormatError(
                        path,
                        'non-numeric joint value',
                        line=lineno,
                        field='keypoints') from None
            except SkeletonFormatError as err:
                if on_error == 'raise':
                    raise
                errors.append(err)
                continue
            rows[folder].append((frame_no, values))
    sequences = {}
    for name, frames in rows.items():
        frames.sort(key=lambda item: item[0])
        array = np.array([v for _, v in frames], dtype=np.float32)
        sequences[name] = array.reshape(-1, _NUM_COCO_JOINTS, 3)
    return sequences, errors


def fit_length(array: np.ndarray, min_frames: int) -> np.ndarray:
    """Mirror-pad a sequence along time to at least ``min_frames`` frames.

    The sequence is continued back and forth (``0 1 2 | 1 0 | 1 2 ...``),
    as GaitGraph2 pads short walks, so no frame is invented and the motion
    stays continuous.

    Args:
        array (np.ndarray): ``(T, ...)`` with ``T >= 1``.
        min_frames (int): Length to reach.

    Returns:
        np.ndarray: ``array`` itself when long enough, else the padded copy.
    """
    length = array.shape[0]
    if length >= min_frames:
        return array
    if length == 1:
        return np.repeat(array, min_frames, axis=0)
    # One bounce period without repeating the end frames.
    period = np.concatenate([np.arange(length), np.arange(length - 2, 0, -1)])
    index = period[np.arange(min_frames) % period.size]
    return array[index]


def casia_b_subject_splits(
    subjects: Iterable[int],
    train_subjects: Sequence[int],
    val_subjects: Sequence[int] = ()
) -> Dict[str, List[int]]:
    """Subject-level splits of CASIA-B.

    Args:
        subjects (Iterable[int]): Subjects present.
        train_subjects (Sequence[int]): Training subjects; every other
            subject is a test subject.
        val_subjects (Sequence[int]): Training subjects held out for model
            selection; empty for none.

    Returns:
        dict[str, list[int]]: ``train`` and ``test``, plus ``train_dev``
        (``train`` without the validation subjects) and ``val`` when
        ``val_subjects`` is given.
    """
    train, val = set(train_subjects), set(val_subjects)
    if not val <= train:
        raise ValueError('val_subjects must be training subjects, got '
                         f'{sorted(val - train)} outside them')
    subjects = sorted(set(subjects))
    splits = dict(
        train=[s for s in subjects if s in train],
        test=[s for s in subjects if s not in train])
    if val:
        splits['train_dev'] = [s for s in splits['train'] if s not in val]
        splits['val'] = [s for s in splits['train'] if s in val]
    return splits


def _split_ids(annotations: List[Dict],
               subject_splits: Dict[str, List[int]]) -> Dict[str, List[str]]:
    by_subject = defaultdict(list)
    for anno in annotations:
        by_subject[anno['subject']].append(anno['frame_dir'])
    return {
        name: [fd for s in subjects for fd in by_subject[s]]
        for name, subjects in subject_splits.items()
    }


def convert_casia_b_gait(csv_file: str,
                         out_file: Optional[str] = None,
                         train_subjects: Sequence[int] = tuple(range(1, 75)),
                         val_subjects: Sequence[int] = tuple(range(60, 75)),
                         short: str = 'pad',
                         min_frames: int = 60,
                         on_error: str = 'raise') -> ConversionResult:
    """GaitGraph's pose CSV to a CASIA-B gait ``PoseDataset`` pickle.

    Splits (by subject): ``train`` 001-074 and ``test`` 075-124 (the split
    of every skeleton-gait work), and, for model selection without looking
    at the test subjects, ``train_dev`` 001-059 and ``val`` 060-074
    (GaitGraph's own validation subjects).

    Short sequences (under ``min_frames``): ``'pad'`` mirror-pads them
    (:func:`fit_length`, GaitGraph2; every test sequence is scored),
    ``'drop'`` leaves them out (GaitGraph1 drops sequences under 61 frames:
    ``min_frames=61``), ``'keep'`` writes them as they are.

    Args:
        csv_file (str): ``casia-b_pose_coco.csv``.
        out_file (str, optional): Pickle to write. Defaults to None.
        train_subjects (Sequence[int]): Defaults to 1-74.
        val_subjects (Sequence[int]): Held-out training subjects. Defaults
            to 60-74; ``()`` for none.
        short (str): ``'pad'``, ``'drop'`` or ``'keep'``. Defaults to
            ``'pad'``.
        min_frames (int): Shortest sequence kept as is. Defaults to 60.
        on_error (str): ``'raise'`` or ``'skip'`` malformed rows.

    Returns:
        ConversionResult: Annotations, dropped short sequences (ignored)
        and skipped rows (errors).
    """
    if short not in ('pad', 'drop', 'keep'):
        raise ValueError(f"short must be 'pad', 'drop' or 'keep', got "
                         f'{short!r}')
    sequences, errors = read_gaitgraph_csv(csv_file, on_error=on_error)
    annotations, ignored = [], []
    for name in sorted(sequences):
        array = sequences[name]
        if array.shape[0] < min_frames:
            if short == 'drop':
                ignored.append(name)
                continue
            if short == 'pad':
                array = fit_length(array, min_frames)
        annotations.append(
            dict(
                frame_dir=name,
                label=parse_casia_b_name(name)['subject'] - 1,
                img_shape=CASIA_B_IMG_SHAPE,
                original_shape=CASIA_B_IMG_SHAPE,
                total_frames=int(array.shape[0]),
                keypoint=as_float32(array[None, ..., :2]),
                keypoint_score=as_float32(array[None, ..., 2]),
                **parse_casia_b_name(name)))
    splits = casia_b_subject_splits((a['subject'] for a in annotations),
                                    train_subjects, val_subjects)
    result = ConversionResult(
        dict(split=_split_ids(annotations, splits), annotations=annotations),
        ignored=ignored,
        errors=errors)
    if out_file is not None:
        _dump(result.annotations, out_file)
    return result


def cut_tracklets(array: np.ndarray,
                  length: int,
                  offset: int = 0) -> List[np.ndarray]:
    """Consecutive non-overlapping windows of ``length`` frames.

    The remainder is dropped, as in Rao et al.'s preprocessing; a later
    ``offset`` gives the shifted windows they add as training augmentation.

    Args:
        array (np.ndarray): ``(T, ...)``.
        length (int): Frames per tracklet.
        offset (int): First frame. Defaults to 0.

    Returns:
        list[np.ndarray]: The windows (empty when ``T - offset < length``).
    """
    count = max(array.shape[0] - offset, 0) // length
    return [
        array[offset + i * length:offset + (i + 1) * length]
        for i in range(count)
    ]


def convert_casia_b_tracklets(
    sequences: Dict[str, np.ndarray],
    length: int = 40,
    out_file: Optional[str] = None,
    train_subjects: Sequence[int] = tuple(range(1, 63)),
    val_subjects: Sequence[int] = (),
    root_joint: Optional[int] = 0,
    img_shape: Tuple[int, int] = (0, 0)
) -> ConversionResult:
    """Named CASIA-B sequences to a re-ID pickle of fixed-length tracklets.

    Each sequence ``SSS-cc-NN-VVV`` is cut by :func:`cut_tracklets`; each
    tracklet keeps the sequence's subject, condition, sequence number and
    view and is named ``<sequence id>-w<k>``. The default split is the
    inferred 62/62 one of the re-ID literature (train 001-062, test
    063-124; ``nb_classes = 62`` in TranSG / SM-SGE): pass
    ``train_subjects`` for another.

    Args:
        sequences (dict[str, np.ndarray]): ``(T, V, C)`` per sequence id.
        length (int): Tracklet length ``f``. Defaults to 40.
        out_file (str, optional): Pickle to write. Defaults to None.
        train_subjects (Sequence[int]): Defaults to 1-62.
        val_subjects (Sequence[int]): Held-out training subjects.
            Defaults to none.
        root_joint (int, optional): Joint subtracted from every joint in
            every frame (Rao et al. use joint 0); None keeps coordinates.
        img_shape (tuple[int, int]): Stored ``img_shape``. Defaults to
            ``(0, 0)`` (3D data).

    Returns:
        ConversionResult: The annotations; sequences shorter than
        ``length`` are listed as ignored.
    """
    annotations, ignored = [], []
    for name in sorted(sequences):
        meta = parse_casia_b_name(name)
        windows = cut_tracklets(np.asarray(sequences[name]), length)
        if not windows:
            ignored.append(name)
        for k, window in enumerate(windows):
            annotations.append(
                _tracklet(window, f'{name}-w{k}', meta, root_joint, img_shape))
    splits = casia_b_subject_splits((a['subject'] for a in annotations),
                                    train_subjects, val_subjects)
    result = ConversionResult(
        dict(split=_split_ids(annotations, splits), annotations=annotations),
        ignored=ignored)
    if out_file is not None:
        _dump(result.annotations, out_file)
    return result


def _tracklet(window: np.ndarray, name: str, meta: Dict,
              root_joint: Optional[int], img_shape: Tuple[int, int]) -> Dict:
    window = np.asarray(window, dtype=np.float32)
    if root_joint is not None:
        window = window - window[:, root_joint:root_joint + 1]
    anno = dict(
        frame_dir=name,
        label=int(meta['subject']) - 1,
        img_shape=tuple(img_shape),
        original_shape=tuple(img_shape),
        total_frames=int(window.shape[0]),
        keypoint=as_float32(window[None]),
        **meta)
    if window.shape[-1] == 2:
        anno['keypoint_score'] = np.ones(window.shape[:2], np.float32)[None]
    return anno


def read_rao_tracklets(folder: str,
                       length: int,
                       prefix: str = '') -> Tuple[np.ndarray, np.ndarray]:
    """Load one pool of Rao et al.'s CASIA-B tracklet arrays.

    Args:
        folder (str): Folder with ``<prefix>source_{x,y,z}_CASIA_B_<f>.npy``
            and ``frame_id_CASIA_B_<f>.npy``.
        length (int): Tracklet length ``f``.
        prefix (str): ``''`` for training, ``'t_'`` for a test pool.

    Returns:
        tuple: ``(N, f, 14, 3)`` float32 coordinates and ``(N, )`` subject
        ids.
    """
    axes = []
    for axis in 'xyz':
        path = osp.join(folder, f'{prefix}source_{axis}_CASIA_B_{length}.npy')
        if not osp.exists(path):
            raise SkeletonFormatError(path, 'file not found')
        data = np.load(path)
        if data.size % (length * 14):
            raise SkeletonFormatError(
                path, f'{data.size} values are not a whole number of '
                f'{length}-frame 14-joint tracklets')
        axes.append(data.reshape(-1, length, 14))
    if len({a.shape[0] for a in axes}) != 1:
        raise SkeletonFormatError(
            folder, 'x, y and z hold different tracklet counts: '
            f'{[a.shape[0] for a in axes]}')
    label_path = osp.join(folder, f'frame_id_CASIA_B_{length}.npy')
    if not osp.exists(label_path):
        raise SkeletonFormatError(label_path, 'file not found')
    labels = np.asarray(np.load(label_path)).reshape(-1).astype(np.int64)
    if labels.shape[0] != axes[0].shape[0]:
        raise SkeletonFormatError(
            label_path, f'{labels.shape[0]} labels for {axes[0].shape[0]} '
            'tracklets')
    return np.stack(axes, axis=-1).astype(np.float32), labels


def convert_rao_casia_b(root: str,
                        length: int = 40,
                        out_file: Optional[str] = None,
                        conds: Sequence[str] = ('nm', 'bg', 'cl'),
                        val_subjects: Sequence[int] = (),
                        root_joint: Optional[int] = 0) -> ConversionResult:
    """Rao et al.'s 14-joint 3D CASIA-B tracklets to a re-ID pickle.

    Reads ``<root>/<f>/CASIA_B_train_npy_data`` and
    ``<root>/<f>/CASIA_B_test_npy_data/<cond>`` (``root`` is their
    ``CASIA_B_match`` folder). The files carry subject ids only: training
    tracklets get ``cond='all'`` and test tracklets their pool's
    condition; ``seq`` and ``view`` are ``-1`` (unknown). The train/test
    subjects are the files' own; ``label`` is the subject's rank among all
    subjects read, so training subjects that come first (the 62/62 split)
    get labels ``0..61``.

    Splits: ``train``, ``test_<cond>`` per test pool, ``test`` (all test
    pools, for :class:`~aclnet_mm.evaluation.metrics.ReIDMetric`) and, with
    ``val_subjects``, ``train_dev`` / ``val`` (training subjects held out
    for model selection).

    Args:
        root (str): The ``CASIA_B_match`` folder.
        length (int): Tracklet length ``f``. Defaults to 40.
        out_file (str, optional): Pickle to write. Defaults to None.
        conds (Sequence[str]): Test pools to read. Defaults to
            ``('nm', 'bg', 'cl')``.
        val_subjects (Sequence[int]): Held-out training subjects.
        root_joint (int, optional): Joint subtracted per frame (the
            reference uses 0); None keeps coordinates.

    Returns:
        ConversionResult: The annotations.
    """
    base = osp.join(root, str(length))
    pools = [
        ('train', 'all',
         read_rao_tracklets(osp.join(base, 'CASIA_B_train_npy_data'), length))
    ]
    for cond in conds:
        pools.append((f'test_{cond}', cond,
                      read_rao_tracklets(
                          osp.join(base, 'CASIA_B_test_npy_data', cond),
                          length,
                          prefix='t_')))
    # Labels are subject ranks, whether the files count from 0 or 1.
    rank = {
        s: r
        for r, s in enumerate(
            sorted({int(s)
                    for _, _, (_, ids) in pools
                    for s in ids}))
    }
    annotations, split = [], defaultdict(list)
    for pool, cond, (data, subjects) in pools:
        for index, (window, subject) in enumerate(zip(data, subjects)):
            meta = dict(subject=int(subject), cond=cond, seq=-1, view=-1)
            anno = _tracklet(window, f'casia_b-{pool}-{index:06d}', meta,
                             root_joint, (0, 0))
            anno['label'] = rank[int(subject)]
            annotations.append(anno)
            split[pool].append(anno['frame_dir'])
    split['test'] = [fd for cond in conds for fd in split[f'test_{cond}']]
    val = set(val_subjects)
    if val:
        train = [
            a for a in annotations if a['frame_dir'] in set(split['train'])
        ]
        missing = val - {a['subject'] for a in train}
        if missing:
            raise ValueError('val_subjects must be training subjects, got '
                             f'{sorted(missing)}')
        split['train_dev'] = [
            a['frame_dir'] for a in train if a['subject'] not in val
        ]
        split['val'] = [a['frame_dir'] for a in train if a['subject'] in val]
    result = ConversionResult(dict(split=dict(split), annotations=annotations))
    if out_file is not None:
        _dump(result.annotations, out_file)
    return result


def _dump(annotations: Dict, out_file: str) -> None:
    import mmengine
    mmengine.mkdir_or_exist(osp.dirname(osp.abspath(out_file)))
    mmengine.dump(annotations, out_file, file_format='pkl')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Convert CASIA-B skeletons to a PoseDataset pickle')
    parser.add_argument('task', choices=('gait', 'reid'))
    parser.add_argument(
        '--src',
        required=True,
        help='gait: the pose CSV; reid: the CASIA_B_match folder')
    parser.add_argument('--out-file', required=True, help='output pickle')
    parser.add_argument(
        '--val-subjects',
        type=int,
        nargs='*',
        default=None,
        help='training subjects held out for model selection (gait '
        'default: 60-74; reid default: none)')
    parser.add_argument(
        '--short',
        choices=('pad', 'drop', 'keep'),
        default='pad',
        help='gait: sequences shorter than --min-frames')
    parser.add_argument('--min-frames', type=int, default=60)
    parser.add_argument(
        '--length', type=int, default=40, help='reid: tracklet length')
    parser.add_argument(
        '--skip-malformed',
        action='store_true',
        help='gait: leave malformed rows out and list them at the end')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the conversion; return 1 when input was skipped as malformed."""
    args = parse_args(argv)
    if args.task == 'gait':
        kwargs = dict(
            short=args.short,
            min_frames=args.min_frames,
            on_error='skip' if args.skip_malformed else 'raise')
        if args.val_subjects is not None:
            kwargs['val_subjects'] = tuple(args.val_subjects)
        result = convert_casia_b_gait(
            args.src, out_file=args.out_file, **kwargs)
    else:
        result = convert_rao_casia_b(
            args.src,
            length=args.length,
            out_file=args.out_file,
            val_subjects=tuple(args.val_subjects or ()))
    print(result.summary())
    print(f'written to {args.out_file}')
    return 1 if result.errors else 0


if __name__ == '__main__':
    sys.exit(main())
