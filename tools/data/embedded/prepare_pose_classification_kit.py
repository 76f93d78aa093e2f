# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Convert the pose-classification-kit body recordings to a PoseDataset.

``pose-classification-kit`` 1.1.5 (PyPI, MIT) ships 10,681 real OpenPose
BODY-25 frames of one performer, one JSON file per class (20 classes) in
``datasets/Body/<Class>_body.json``. We read those files directly: importing
the package imports TensorFlow.

Why the JSON files and not ``BodyPose_Dataset.csv``: both hold the same
frames in the same order with the same coordinates (checked to 1e-6), but
only the JSON keeps OpenPose's per-joint confidence ``a``; the CSV keeps
only the per-frame sum of it (``accuracy``).

What the coordinates are: the kit's recorder centred each frame on the
bounding box of the detected joints, flipped y so that it points **up**,
and divided by a body size estimated from limb lengths, so every detected
joint lies in ``[-1, 1]``. A joint OpenPose missed is stored as ``(0, 0)``
with confidence 0 (and a detected joint always has confidence >= 0.05).
We keep the coordinates unchanged: they are already centred and
scale-normalised, so a pipeline for this set must **not** use
``PreNormalize2D`` (which expects pixels). ``img_shape`` is stored as
``(2, 2)`` to name the extent of the normalised frame for tools that want
the key; it is not a pixel size.

Clips are windows of ``window`` consecutive frames (the frames are stored in
recording order). Each class's recording is split by time (first 70 %
train, next 10 % val, last 20 % test by default) and no window crosses a
split boundary, so no moment of the recording sits on two sides.

Example::

    python tools/data/embedded/prepare_pose_classification_kit.py \
        --out data/embedded/body25_2d.pkl --window 24
"""
import argparse
import glob
import importlib.util
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine
import numpy as np

__all__ = [
    'find_pose_classification_kit', 'load_body_recordings', 'split_boundaries',
    'make_body25_dataset', 'convert_pose_classification_kit', 'summarize',
    'check_out_file', 'write_dataset', 'to_ntu_style'
]

PACKAGE = 'pose_classification_kit'
INSTALL_HINT = ('run `make demo` or `make test`, or '
                '`pip install --no-deps pose-classification-kit==1.1.5`')
SPLITS = ('train', 'val', 'test')
NUM_JOINTS = 25


def find_pose_classification_kit() -> str:
    """Folder of the installed package, found without importing it.

    Returns:
        str: The package folder.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f'the Python package {PACKAGE!r} (real OpenPose BODY-25 data) is '
            f'not installed; {INSTALL_HINT}')
    return list(spec.submodule_search_locations)[0]


def _body_folder(root: Optional[str]) -> str:
    if root is None:
        root = find_pose_classification_kit()
    folder = osp.join(root, 'datasets', 'Body')
    if not osp.isdir(folder):
        raise FileNotFoundError(
            f'{folder} does not exist; the {PACKAGE} install looks '
            f'incomplete; {INSTALL_HINT}')
    return folder


def load_body_recordings(root: Optional[str] = None) -> List[Dict]:
    """Read every ``*_body.json`` file of the kit.

    Args:
        root (str, optional): The package folder; found automatically when
            None. Defaults to None.

    Returns:
        list[dict]: One dict per class, sorted by class name, with
        ``name`` (str), ``file`` (str), ``keypoint`` (N, 25, 2) float32 and
        ``score`` (N, 25) float32 (OpenPose confidence) in recording order.
    """
    folder = _body_folder(root)
    files = glob.glob(osp.join(folder, '*_body.json'))
    if not files:
        raise FileNotFoundError(f'no *_body.json file in {folder}; '
                                f'{INSTALL_HINT}')
    recordings = []
    for path in files:
        with open(path) as f:
            content = json.load(f)
        entries = content['data']
        name = content['info']['label']
        keypoint = np.array([[e['x'], e['y']] for e in entries],
                            dtype=np.float32).transpose(0, 2, 1)
        score = np.array([e['a'] for e in entries], dtype=np.float32)
        if keypoint.shape[1:] != (NUM_JOINTS,
                                  2) or score.shape != (len(entries),
                                                        NUM_JOINTS):
            raise ValueError(f'{path}: expected {NUM_JOINTS} joints per '
                             f'frame, got keypoints {keypoint.shape}')
        recordings.append(
            dict(name=name, file=path, keypoint=keypoint, score=score))
    return sorted(recordings, key=lambda rec: rec['name'])


def split_boundaries(num_frames: int,
                     split_ratios: Sequence[float]) -> List[int]:
    """Frame indices where the splits of one recording start and end.

    Args:
        num_frames (int): Frames in the recording.
        split_ratios (Sequence[float]): Fractions of train / val / test.

    Returns:
        list[int]: ``[0, b1, b2, num_frames]``; split ``i`` covers frames
        ``[bounds[i], bounds[i + 1])``.
    """
    ratios = np.asarray(split_ratios, dtype=np.float64)
    if ratios.shape != (3, ) or (ratios < 0).any() or ratios.sum() <= 0:
        raise ValueError('split_ratios must be three non-negative fractions, '
                         f'got {split_ratios}')
    cumulative = np.cumsum(ratios / ratios.sum())
    inner = [int(np.floor(c * num_frames + 1e-9)) for c in cumulative[:2]]
    return [0] + inner + [num_frames]


def make_body25_dataset(root: Optional[str] = None,
                        window: int = 24,
                        stride: Optional[int] = None,
                        split_ratios: Tuple[float, float,
                                            float] = (0.7, 0.1, 0.2),
                        binary_score: bool = False) -> dict:
    """Build the PoseDataset annotation dict of the BODY-25 recordings.

    Args:
        root (str, optional): The package folder; found automatically when
            None. Defaults to None.
        window (int): Frames per clip ``T``. Defaults to 24.
        stride (int, optional): Step between window starts; ``None`` means
            ``window`` (no overlap). Defaults to None.
        split_ratios (tuple[float, float, float]): Fractions of each
            class's recording, in time order, for train / val / test.
            Defaults to ``(0.7, 0.1, 0.2)``.
        binary_score (bool): Store 1 for detected and 0 for missed joints
            instead of OpenPose's confidence. Defaults to False.

    Returns:
        dict: ``split`` (``train`` / ``val`` / ``test`` lists of
        ``frame_dir``), ``annotations`` and the extra top-level keys
        ``classes`` (list of names, index = label) and ``meta``. Each
        annotation has ``frame_dir`` (``<class>_<first frame>``), ``label``,
        ``total_frames`` (= ``window``), ``keypoint`` (1, T, 25, 2) float32,
        ``keypoint_score`` (1, T, 25) float32, ``img_shape`` and
        ``original_shape`` ``(2, 2)``, ``source_frames`` (first, stop) in
        the class's recording and ``source_split``.
    """
    stride = window if stride is None else stride
    if window < 1 or stride < 1:
        raise ValueError(f'window ({window}) and stride ({stride}) must be '
                         'positive')
    recordings = load_body_recordings(root)
    split = {name: [] for name in SPLITS}
    annotations = []
    for label, rec in enumerate(recordings):
        num_frames = len(rec['keypoint'])
        bounds = split_boundaries(num_frames, split_ratios)
        score = rec['score']
        if binary_score:
            score = (score > 0).astype(np.float32)
        for part, begin, end in zip(SPLITS, bounds[:-1], bounds[1:]):
            # Windows stay inside [begin, end): none crosses a boundary.
            for start in range(begin, end - window + 1, stride):
                stop = start + window
                frame_dir = f'{rec["name"]}_{start:04d}'
                annotations.append(
                    dict(
                        frame_dir=frame_dir,
                        label=label,
                        total_frames=window,
                        keypoint=rec['keypoint'][None, start:stop].copy(),
                        keypoint_score=score[None, start:stop].copy(),
                        img_shape=(2, 2),
                        original_shape=(2, 2),
                        source_frames=(start, stop),
                        source_split=part))
                split[part].append(frame_dir)
    meta = dict(
        source=f'{PACKAGE} 1.1.5 datasets/Body/*_body.json',
        layout='openpose_body25',
        coordinates='per-frame bounding-box centred, body-size scaled, '
        'y up, in [-1, 1]; missed joints (0, 0) with score 0; do not use '
        'PreNormalize2D',
        score='binary' if binary_score else 'openpose_confidence',
        window=window,
        stride=stride,
        split_ratios=tuple(float(r) for r in split_ratios),
        frames_per_class={
            rec['name']: len(rec['keypoint'])
            for rec in recordings
        })
    return dict(
        split=split,
        annotations=annotations,
        classes=[rec['name'] for rec in recordings],
        meta=meta)


def check_out_file(out_file: str) -> None:
    """Refuse an output name ``PoseDataset`` would not read."""
    if not out_file.endswith('.pkl'):
        raise ValueError(f'PoseDataset reads .pkl files only, got '
                         f'{out_file!r}')


def write_dataset(data: dict, out_file: str, verbose: bool = True) -> None:
    """Write ``data`` to ``out_file`` and its class list, one name a line
    in label order, to ``<stem>_classes.txt`` beside it.

    Args:
        data (dict): The annotation dict.
        out_file (str): Target ``.pkl``.
        verbose (bool): Print the clips per split and class. Defaults to
            True.
    """
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    mmengine.dump(data, out_file)
    classes_file = osp.splitext(out_file)[0] + '_classes.txt'
    with open(classes_file, 'w') as f:
        f.write('\n'.join(data['classes']) + '\n')
    if verbose:
        print(summarize(data))
        print(f'wrote {out_file} and {classes_file}')


def summarize(data: dict) -> str:
    """A table of clips per class and split."""
    counts = np.zeros((len(data['classes']), len(SPLITS)), dtype=np.int64)
    for anno in data['annotations']:
        counts[anno['label'], SPLITS.index(anno['source_split'])] += 1
    width = max(len(name) for name in data['classes'] + ['class'])
    lines = [f'{"class":<{width}}  ' + '  '.join(f'{s:>5}' for s in SPLITS)]
    for name, row in zip(data['classes'], counts):
        lines.append(f'{name:<{width}}  ' + '  '.join(f'{n:>5d}' for n in row))
    lines.append(f'{"total":<{width}}  ' + '  '.join(f'{n:>5d}'
                                                     for n in counts.sum(0)))
    return '\n'.join(lines)


def convert_pose_classification_kit(
        out_file: str = 'data/embedded/body25_2d.pkl',
        root: Optional[str] = None,
        verbose: bool = True,
        **kwargs) -> dict:
    """Write the BODY-25 pickle and its class list.

    The class list, one name per line in label order, goes to
    ``<out_file without .pkl>_classes.txt``.

    Running it again with the same arguments rewrites identical files.

    Args:
        out_file (str): Target ``.pkl``. Defaults to
            ``'data/embedded/body25_2d.pkl'``.
        root (str, optional): The package folder; found automatically when
            None. Defaults to None.
        verbose (bool): Print the clips per split and class.
            Defaults to True.
        **kwargs: Arguments of :func:`make_body25_dataset`.

    Returns:
        dict: The annotation dict that was written.
    """
    check_out_file(out_file)
    data = make_body25_dataset(root=root, **kwargs)
    write_dataset(data, out_file, verbose)
    return data


def to_ntu_style(data: dict) -> dict:
    """The same clips in the shape of MMAction2's NTU 3D pickle.

    This lets configs written for NTU RGB+D 60 (``PreNormalize3D``,
    ``GenSkeFeat(dataset='nturgb+d')``, splits ``xsub_train`` /
    ``xsub_val``) start training on the embedded data with only
    ``--cfg-options`` changes (``ann_file`` and the class count), e.g. to
    try ``mim train mmaction configs/aclnet_ctrgcn_ntu60.py`` on a machine
    without NTU. BODY-25 also has 25 joints, so shapes match; the OpenPose
    confidence becomes the third coordinate and ``keypoint_score`` is
    dropped, as NTU's 3D pipeline expects. ``xsub_train`` is the train
    split, ``xsub_val`` the test split (MMAction2's NTU configs validate on
    their test split). This is a smoke path for the NTU configs, not a
    meaningful 3D dataset: use the 2D configs for results.

    Args:
        data (dict): What :func:`make_body25_dataset` returns.

    Returns:
        dict: A new annotation dict; the input is not modified.
    """
    annotations = []
    for sample in data['annotations']:
        sample = dict(sample)
        score = sample.pop('keypoint_score')
        sample['keypoint'] = np.concatenate(
            [sample['keypoint'], score[..., None]], axis=-1).astype(np.float32)
        for key in ('img_shape', 'original_shape'):
            sample.pop(key, None)
        annotations.append(sample)
    split = dict(
        xsub_train=list(data['split']['train']),
        xsub_val=list(data['split']['test']))
    return dict(
        split=split,
        annotations=annotations,
        classes=list(data['classes']),
        meta=dict(data.get('meta', {}), ntu_style=True))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the 20-class OpenPose BODY-25 set shipped in '
        'pose-classification-kit as an MMAction2 PoseDataset pickle')
    parser.add_argument(
        '--out',
        default='data/embedded/body25_2d.pkl',
        help='output pickle (a <stem>_classes.txt is written beside it)')
    parser.add_argument(
        '--root',
        default=None,
        help='pose_classification_kit package folder (found automatically)')
    parser.add_argument(
        '--window', type=int, default=24, help='frames per clip')
    parser.add_argument(
        '--stride',
        type=int,
        default=None,
        help='step between clip starts (default: the window, no overlap)')
    parser.add_argument(
        '--split-ratios',
        type=float,
        nargs=3,
        default=(0.7, 0.1, 0.2),
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='time fractions of each class recording')
    parser.add_argument(
        '--binary-score',
        action='store_true',
        help='score 1 for detected joints, 0 for missed ones, instead of '
        'the OpenPose confidence')
    parser.add_argument(
        '--ntu-style-out',
        default=None,
        help='also write the clips shaped like the NTU 3D pickle of MMAction2 '
        '(score as third coordinate, xsub_train/xsub_val splits), so NTU '
        'configs run on them with --cfg-options only')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        data = convert_pose_classification_kit(
            out_file=args.out,
            root=args.root,
            window=args.window,
            stride=args.stride,
            split_ratios=tuple(args.split_ratios),
            binary_score=args.binary_score)
    except FileNotFoundError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    if args.ntu_style_out:
        mmengine.dump(to_ntu_style(data), args.ntu_style_out)
        print(f'wrote {args.ntu_style_out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
