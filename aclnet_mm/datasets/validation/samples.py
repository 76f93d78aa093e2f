# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Checks of ``PoseDataset`` pickles against themselves and expectations.

The pickle format is MMAction2's: ``dict(split={name: [ids]},
annotations=[sample, ...])``, each sample with ``frame_dir`` (or
``filename``), ``label``, ``total_frames`` and ``keypoint`` ``(M, T, V,
C)`` (``C`` = 3 for 3D, 2 for 2D plus ``keypoint_score`` ``(M, T, V)``).
Kinetics-style compressed samples carry ``frame_inds`` and a ``keypoint``
of ``(N, V, 3)`` (x, y, score per detected person-frame).
"""
import os.path as osp
import sys
from collections import Counter
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from aclnet_mm.structures import get_layout, list_layouts
from aclnet_mm.utils.progress import progress_bar
from aclnet_mm.utils.safe_pickle import UnsafePickleError, load_pickle
from ..class_names import load_class_names
from .plausibility import check_class_coverage, check_sample_plausibility
from .problems import Problem, ValidationReport

__all__ = ['check_sample', 'check_annotations', 'validate_pickle']

_DIM_NAMES = {2: '2D (x, y)', 3: '3D (x, y, z)'}


def _sample_id(sample: Any, index: int) -> str:
    if isinstance(sample, dict):
        for key in ('frame_dir', 'filename'):
            if isinstance(sample.get(key), str):
                return sample[key]
    return f'#{index}'


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _layout_hint(num_joints: int) -> str:
    names = []
    for name in list_layouts():
        try:
            if get_layout(name).num_node == num_joints:
                names.append(repr(name))
        except KeyError:  # pragma: no cover - registry changed meanwhile
            continue
    if not names:
        return (f'no registered layout has {num_joints} joints; describe '
                'yours as a dict (joint_names, parents, flip_pairs) in the '
                'config, or in a .json / .yaml file given as the layout '
                '(validator: --layout my_layout.json); see '
                'docs/user_guides/custom_dataset.md')
    return f'layouts with {num_joints} joints: {", ".join(names)}'


def check_sample(sample: Any,
                 index: int,
                 file: str,
                 num_classes: Optional[int] = None,
                 layout: Optional[Union[str, dict]] = None,
                 in_channels: Optional[int] = None,
                 dim: Optional[int] = None,
                 require_keypoint: bool = True) -> List[Problem]:
    """Check one annotation.

    Args:
        sample (Any): The annotation (a dict when well formed).
        index (int): Its position in ``annotations``.
        file (str): The pickle it comes from, for the messages.
        num_classes (int, optional): Labels must lie in
            ``[0, num_classes)``. Defaults to None (not checked).
        layout (str | dict, optional): The graph layout of the model; its
            joint count must be ``V``. Defaults to None.
        in_channels (int, optional): Channels per joint the backbone gets
            for one feature stream (``in_channels`` / number of
            ``GenSkeFeat`` features). Defaults to None.
        dim (int, optional): 2 or 3, the coordinates the pipeline expects
            (``PreNormalize2D`` / ``PreNormalize3D``). Defaults to None.
        require_keypoint (bool): False when keypoints live in per-sample
            files (``data_prefix=dict(skeleton=...)``). Defaults to True.

    Returns:
        list[Problem]: The problems, empty when the sample is good.
    """
    sid = _sample_id(sample, index)
    problems = []

    def report(kind, field, message):
        problems.append(Problem(kind, message, file, sid, field, index))

    if not isinstance(sample, dict):
        report('wrong_type', None,
               f'an annotation must be a dict, got {type(sample).__name__}')
        return problems

    if 'frame_dir' not in sample and 'filename' not in sample:
        report('missing_key', 'frame_dir',
               'no "frame_dir" (or "filename") identifier')
    else:
        key = 'frame_dir' if 'frame_dir' in sample else 'filename'
        if not isinstance(sample[key], str):
            report(
                'wrong_type', key, f'the identifier must be a str, got '
                f'{type(sample[key]).__name__}')

    if 'label' not in sample:
        report('missing_key', 'label', 'no "label"')
    elif not _is_int(sample['label']):
        report(
            'wrong_type', 'label', f'label must be an int, got '
            f'{type(sample["label"]).__name__} {sample["label"]!r}')
    elif sample['label'] < 0 or (num_classes is not None
                                 and sample['label'] >= num_classes):
        bound = num_classes if num_classes is not None else 'num_classes'
        report(
            'label_range', 'label',
            f'label {sample["label"]} is outside [0, {bound}); '
            'labels are 0-based class indices (NTU action A001 is '
            'label 0) and num_classes must cover them all')

    total_frames = sample.get('total_frames')
    if 'total_frames' not in sample:
        report('missing_key', 'total_frames', 'no "total_frames"')
        total_frames = None
    elif not _is_int(total_frames):
        report(
            'wrong_type', 'total_frames', f'total_frames must be an '
            f'int, got {type(total_frames).__name__}')
        total_frames = None
    elif total_frames <= 0:
        what = ('a zero-length sequence' if total_frames == 0 else
                'negative, so the converter that wrote it is broken')
        report('empty_sequence', 'total_frames',
               f'total_frames is {total_frames}: {what}')

    if 'img_shape' in sample:
        problems.extend(
            _check_img_shape(sample['img_shape'], index, sid, file))

    if 'keypoint' not in sample:
        if require_keypoint:
            report('missing_key', 'keypoint', 'no "keypoint" array')
        return problems
    problems.extend(
        _check_arrays(sample, index, sid, file, total_frames, layout,
                      in_channels, dim))
    if not problems:  # values of a malformed sample mean nothing
        problems.extend(check_sample_plausibility(sample, index, sid, file))
    return problems


def _check_arrays(sample: dict, index: int, sid: str, file: str,
                  total_frames: Optional[int], layout: Optional[Union[str,
                                                                      dict]],
                  in_channels: Optional[int],
                  dim: Optional[int]) -> List[Problem]:
    problems = []

    def report(kind, field, message):
        problems.append(Problem(kind, message, file, sid, field, index))

    keypoint = sample['keypoint']
    if not isinstance(keypoint, np.ndarray):
        report(
            'wrong_type', 'keypoint', f'keypoint must be a numpy array, '
            f'got {type(keypoint).__name__}')
        return problems
    if keypoint.dtype.kind != 'f':  # floating (dtype.kind: cheap per sample)
        report(
            'wrong_type', 'keypoint', f'keypoint dtype is '
            f'{keypoint.dtype}; use float32 (or float16)')
        return problems
    compressed = 'frame_inds' in sample
    want_ndim = 3 if compressed else 4
    if keypoint.ndim != want_ndim:
        shape = '(N, V, 3) with frame_inds' if compressed else '(M, T, V, C)'
        report('bad_shape', 'keypoint', f'keypoint has shape '
               f'{keypoint.shape}; expected {shape}')
        return problems
    num_joints, channels = keypoint.shape[-2:]

    if keypoint.size == 0:
        what = ('no detected person-frame' if compressed else
                f'M={keypoint.shape[0]} persons, T={keypoint.shape[1]} '
                'frames')
        report('empty_sequence', 'keypoint', f'keypoint is empty ({what}, '
               f'shape {keypoint.shape})')
    elif not np.isfinite(keypoint).all():
        bad = ~np.isfinite(keypoint)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        report(
            'non_finite', 'keypoint', f'{int(bad.sum())} NaN/inf '
            f'value(s), the first at index {first}')

    if not compressed and total_frames is not None \
            and keypoint.shape[1] != total_frames:
        report(
            'frames_mismatch', 'total_frames',
            f'total_frames is {total_frames} but keypoint has '
            f'{keypoint.shape[1]} frames (shape {keypoint.shape}, axis 1 '
            'is T)')
    if compressed:
        problems.extend(
            _check_frame_inds(sample, index, sid, file, keypoint,
                              total_frames))

    has_score = 'keypoint_score' in sample
    if has_score:
        problems.extend(
            _check_score(sample, index, sid, file, keypoint, compressed))

    # Coordinates per joint, without any score channel.
    coords = 2 if compressed else channels
    if compressed and channels != 3:
        report(
            'dim_mismatch', 'keypoint',
            f'compressed (frame_inds) keypoints must be (x, y, score), '
            f'C=3; got C={channels}')
    elif coords not in (2, 3):
        report(
            'dim_mismatch', 'keypoint',
            f'keypoint has C={coords} values per joint; expected 2 (2D '
            'x, y) or 3 (3D x, y, z)')
    elif dim is not None and coords != dim:
        report(
            'dim_mismatch', 'keypoint',
            f'keypoint has C={coords} values per joint, i.e. '
            f'{_DIM_NAMES[coords]} data, but the config expects '
            f'{_DIM_NAMES.get(dim, dim)} (its pipeline normalises with '
            f'PreNormalize{dim}D): use the {coords}D pickle with a '
            f'{coords}D config, e.g. NTU 2D (HRNet) pickles need the '
            '"coco" layout and PreNormalize2D')
    if has_score and not compressed and coords == 3:
        report(
            'dim_mismatch', 'keypoint_score',
            'a 3D keypoint (C=3) has a keypoint_score: only 2D '
            'keypoints carry scores (GenSkeFeat would fail). If C=3 is '
            '(x, y, score), move the score to keypoint_score')

    layout_name = None
    if layout is not None:
        spec = get_layout(layout)
        layout_name = spec.name
        if num_joints != spec.num_node:
            c = in_channels or coords + int(has_score or compressed)
            report(
                'layout_mismatch', 'keypoint',
                f'keypoint has V={num_joints} joints per person but the '
                f'graph layout of the config, {layout_name!r}, has '
                f'{spec.num_node}. The input BatchNorm of the backbone '
                f'normalises in_channels x V = {c} x {spec.num_node} = '
                f'{c * spec.num_node} values, so this data stops '
                f'training with "running_mean should contain '
                f'{c * num_joints} elements not {c * spec.num_node}". '
                'V=25 is NTU RGB+D (Kinect v2, usually 3D), V=17 COCO '
                '(HRNet 2D), V=18 OpenPose; '
                f'{_layout_hint(num_joints)}. Set graph_cfg.layout (and '
                'GenSkeFeat dataset=) to match the pickle, or use the '
                'pickle that matches the config')
    if (has_score or compressed) and layout_name == 'nturgb+d':
        report(
            'dim_mismatch', 'keypoint_score',
            'scored 2D keypoints with the 3D "nturgb+d" layout: '
            'GenSkeFeat (MMAction2) refuses keypoint_score for '
            'nturgb+d; NTU 2D (HRNet) data uses the "coco" layout')

    if in_channels is not None and coords in (2, 3):
        data_channels = coords + int(has_score or compressed)
        if data_channels != in_channels:
            parts = f'C={coords} coordinates'
            if has_score or compressed:
                parts += ' + 1 keypoint_score'
            else:
                parts += ', no keypoint_score'
            report(
                'channel_mismatch', 'keypoint',
                f'the data gives {data_channels} channels per joint '
                f'({parts}) but the backbone expects in_channels='
                f'{in_channels} per feature stream. 3D data gives 3 '
                '(x, y, z); 2D data gives 3 only with keypoint_score '
                '(x, y, score): a 2D pickle without scores, or a 3D '
                'pickle with a 2D config, ends here')
    return problems


def _check_img_shape(img_shape: Any, index: int, sid: str,
                     file: str) -> List[Problem]:
    # PreNormalize2D / flips unpack it as (H, W) and divide by it.
    pair = isinstance(img_shape, (tuple, list, np.ndarray)) \
        and np.ndim(img_shape) == 1 and len(img_shape) == 2
    if pair and all(_is_int(v) and v > 0 for v in img_shape):
        return []
    return [
        Problem(
            'bad_img_shape', f'img_shape is {img_shape!r}; expected the '
            '(height, width) of the video in pixels, two positive ints, '
            'e.g. (1080, 1920): PreNormalize2D unpacks it as (H, W) and '
            'divides the 2D coordinates by it', file, sid, 'img_shape', index)
    ]


def _check_score(sample: dict, index: int, sid: str, file: str,
                 keypoint: np.ndarray, compressed: bool) -> List[Problem]:
    problems = []
    score = sample['keypoint_score']
    if not isinstance(score, np.ndarray) or score.dtype.kind != 'f':
        what = getattr(score, 'dtype', type(score).__name__)
        problems.append(
            Problem('wrong_type', f'keypoint_score must be a float array, '
                    f'got {what}', file, sid, 'keypoint_score', index))
        return problems
    if not compressed and score.shape != keypoint.shape[:-1]:
        problems.append(
            Problem(
                'bad_shape', f'keypoint_score has shape {score.shape}; '
                f'expected keypoint.shape[:-1] = {keypoint.shape[:-1]}', file,
                sid, 'keypoint_score', index))
    elif score.size and not np.isfinite(score).all():
        problems.append(
            Problem('non_finite', f'{int((~np.isfinite(score)).sum())} '
                    'NaN/inf score(s)', file, sid, 'keypoint_score', index))
    return problems


def _check_frame_inds(sample: dict, index: int, sid: str, file: str,
                      keypoint: np.ndarray,
                      total_frames: Optional[int]) -> List[Problem]:
    inds = sample['frame_inds']
    if not isinstance(inds, np.ndarray) or inds.dtype.kind not in 'iu':
        what = getattr(inds, 'dtype', type(inds).__name__)
        return [
            Problem('wrong_type', f'frame_inds must be an integer array, '
                    f'got {what}', file, sid, 'frame_inds', index)
        ]
    if inds.shape != keypoint.shape[:1]:
        return [
            Problem(
                'bad_shape', f'frame_inds has shape {inds.shape}; '
                f'expected ({keypoint.shape[0]},), one per keypoint row', file,
                sid, 'frame_inds', index)
        ]
    if total_frames is not None and inds.size and (inds.min() < 0 or
                                                   inds.max() >= total_frames):
        return [
            Problem(
                'frames_mismatch', f'frame_inds span [{inds.min()}, '
                f'{inds.max()}] outside [0, total_frames={total_frames})',
                file, sid, 'frame_inds', index)
        ]
    return []


def check_annotations(data: Any,
                      file: str,
                      split: Optional[str] = None,
                      num_classes: Optional[int] = None,
                      layout: Optional[Union[str, dict]] = None,
                      in_channels: Optional[int] = None,
                      dim: Optional[int] = None,
                      skeleton_prefix: Optional[str] = None,
                      load_skeletons: bool = False,
                      progress: bool = False) -> ValidationReport:
    """Check a loaded ``PoseDataset`` annotation object.

    Args:
        data (Any): What ``mmengine.load`` returned.
        file (str): Where it came from, for the messages.
        split (str, optional): Check this split only (the samples it
            selects and its ids). Defaults to None: every sample and every
            split.
        num_classes (int, optional): See :func:`check_sample`.
        layout (str | dict, optional): See :func:`check_sample`.
        in_channels (int, optional): See :func:`check_sample`.
        dim (int, optional): See :func:`check_sample`.
        skeleton_prefix (str, optional): ``data_prefix['skeleton']``:
            keypoints live in ``<prefix>/<id>.pkl``. Defaults to None.
        load_skeletons (bool): With ``skeleton_prefix``, load and check
            each per-sample file (slow on K400) instead of only checking
            that it exists. Defaults to False.
        progress (bool): Show a progress bar (on stderr). Defaults to
            False.

    Returns:
        ValidationReport: Every problem found.
    """
    problems = []
    if layout is not None:
        try:
            layout = get_layout(layout)
        except KeyError as err:
            problems.append(
                Problem(
                    'unknown_layout',
                    f'{err.args[0]}; joint counts not checked',
                    file,
                    field='layout'))
            layout = None
    if isinstance(data, list) and split is None:
        annotations, splits = data, None
    elif not isinstance(data, dict):
        kind = 'bad_structure'
        msg = (f'the top level is a {type(data).__name__}; expected '
               'dict(split=..., annotations=[...])')
        if isinstance(data, list):
            msg += f' (a bare list cannot have the split {split!r})'
        problems.append(Problem(kind, msg, file))
        return ValidationReport(file, problems)
    else:
        if 'annotations' not in data:
            problems.append(
                Problem(
                    'missing_key',
                    'no "annotations" list',
                    file,
                    field='annotations'))
            return ValidationReport(file, problems)
        annotations, splits = data['annotations'], data.get('split')
        names = load_class_names(annotations=data)
        if num_classes is None and names is not None:
            # The pickle's own class list bounds its labels.
            num_classes = len(names)
        if not isinstance(annotations, list):
            problems.append(
                Problem(
                    'wrong_type', f'"annotations" must be a list, got '
                    f'{type(annotations).__name__}',
                    file,
                    field='annotations'))
            return ValidationReport(file, problems)

    ids = [_sample_id(s, i) for i, s in enumerate(annotations)]
    if not annotations:
        problems.append(
            Problem(
                'empty_split',
                'the annotation list is empty',
                file,
                field='annotations'))
    # Every index of each id: split filtering keeps every copy, so each
    # copy is checked (a copy with a NaN is not safe behind a good one).
    indices: Dict[str, List[int]] = {}
    for i, sid in enumerate(ids):
        if sid in indices:
            problems.append(
                Problem(
                    'duplicate_id', f'annotations #{indices[sid][0]} and #{i} '
                    'share this id; split filtering would keep both', file,
                    sid, 'frame_dir', i))
        indices.setdefault(sid, []).append(i)

    selected = range(len(annotations))
    if split is not None or splits is not None:
        split_problems, selected = _check_splits(file, splits, split, indices)
        problems.extend(split_problems)

    # A bar on stderr, so that the report on stdout stays parseable.
    bar = progress_bar(len(selected), label=f'checking {file}') \
        if progress and len(selected) else None
    signatures = {}
    for i in selected:
        if bar is not None:
            bar.update()
        sample = annotations[i]
        signatures[i] = _signature(sample)
        problems.extend(
            check_sample(
                sample,
                i,
                file,
                num_classes=num_classes,
                layout=layout,
                in_channels=in_channels,
                dim=dim,
                require_keypoint=skeleton_prefix is None))
        if skeleton_prefix is not None and isinstance(sample, dict) \
                and 'keypoint' not in sample:
            problems.extend(
                _check_skeleton_file(sample, i, ids[i], skeleton_prefix,
                                     load_skeletons, num_classes, layout,
                                     in_channels, dim))
    if bar is not None and hasattr(bar, 'bar_width'):
        sys.stderr.write('\n')  # end MMEngine's bar line
    problems.extend(
        check_class_coverage(annotations, file, splits, split, num_classes,
                             load_class_names(annotations=data)))
    # An expectation already flags each sample that misses it; without
    # one, the samples that differ from the rest of the file are flagged.
    problems.extend(
        _check_consistency(
            signatures,
            ids,
            file,
            dims=dim is None,
            joints=layout is None,
            scores=in_channels is None))
    return ValidationReport(file, problems, num_samples=len(selected))


def _signature(sample: Any) -> Optional[tuple]:
    """``(coordinates, joints, has_score)`` of a well-formed sample."""
    if not isinstance(sample, dict):
        return None
    keypoint = sample.get('keypoint')
    if not isinstance(keypoint, np.ndarray) or keypoint.dtype.kind != 'f' \
            or keypoint.size == 0:
        return None
    compressed = 'frame_inds' in sample
    if keypoint.ndim != (3 if compressed else 4):
        return None
    coords = 2 if compressed else keypoint.shape[-1]
    has_score = compressed or 'keypoint_score' in sample
    return coords, keypoint.shape[-2], has_score


def _check_consistency(signatures: Dict[int, Optional[tuple]], ids: List[str],
                       file: str, dims: bool, joints: bool,
                       scores: bool) -> List[Problem]:
    """Samples whose dims / joints / scores differ from the majority."""
    known = {i: sig for i, sig in signatures.items() if sig is not None}
    problems = []

    def minority(values: Dict[int, Any], kind: str, field: str, describe):
        counts = Counter(values.values())
        if len(counts) < 2:
            return
        common, num = counts.most_common(1)[0]
        for i, value in values.items():
            if value != common:
                problems.append(
                    Problem(
                        kind, f'{describe(value)}, but {num} of '
                        f'{len(values)} samples of this file have '
                        f'{describe(common)}. {_MIXED_WHY[kind]}', file,
                        ids[i], field, i))

    if dims:
        minority({
            i: s[0]
            for i, s in known.items() if s[0] in (2, 3)
        }, 'mixed_dims', 'keypoint', lambda c: f'{c}D keypoints (C={c})')
    if joints:
        minority({
            i: s[1]
            for i, s in known.items()
        }, 'mixed_joints', 'keypoint', lambda v: f'V={v} joints')
    if scores:
        minority({
            i: s[2]
            for i, s in known.items() if s[0] == 2
        }, 'mixed_score', 'keypoint_score', lambda has: 'a keypoint_score'
                 if has else 'no keypoint_score')
    return problems


_MIXED_WHY = dict(
    mixed_dims='One model reads either 2D or 3D data: split the file, or '
    'drop the odd samples',
    mixed_joints='One graph layout fits one joint count: re-export these '
    'samples with the same skeleton model',
    mixed_score='Scored samples give 3 channels per joint, unscored 2, so '
    'the backbone gets the wrong in_channels on one kind: give every 2D '
    'sample a keypoint_score (ones if the detector has none)')


def _check_splits(file: str, splits: Any, split: Optional[str],
                  indices: Dict[str, List[int]]):
    """Split problems and the annotation positions to check.

    ``indices`` holds every position of each id: a split selects each
    copy of a duplicated id, as the dataset's split filtering does.
    """
    if not isinstance(splits, dict):
        msg = ('no "split" dict' if splits is None else
               f'"split" must be a dict, got {type(splits).__name__}')
        kind = 'missing_key' if splits is None else 'wrong_type'
        return [Problem(kind, msg, file, field='split')], []
    if split is not None and split not in splits:
        return [
            Problem(
                'unknown_split', f'split {split!r} is not in the file; '
                f'it has {sorted(splits)}',
                file,
                field='split')
        ], []
    problems, selected = [], set()
    names = [split] if split is not None else list(splits)
    for name in names:
        members = splits[name]
        if not isinstance(members, (list, tuple)):
            problems.append(
                Problem(
                    'wrong_type', f'split {name!r} must be a list of '
                    f'ids, got {type(members).__name__}',
                    file,
                    field=f'split.{name}'))
            continue
        if not members:
            problems.append(
                Problem(
                    'empty_split',
                    f'split {name!r} is empty',
                    file,
                    field=f'split.{name}'))
        for sid in members:
            if sid in indices:
                selected.update(indices[sid])
            else:
                problems.append(
                    Problem(
                        'split_missing_id', f'listed in split {name!r} '
                        'but no annotation has this id', file, sid,
                        f'split.{name}'))
    first = {sid: at[0] for sid, at in indices.items()}
    problems.extend(_check_overlap(file, splits, split, first))
    if split is None:
        # Without a split request every sample is checked.
        selected = {i for at in indices.values() for i in at}
    return problems, sorted(selected)


def _split_role(name: Any) -> Optional[tuple]:
    """``('xsub', 'train')`` for ``'xsub_train'``; None without a role."""
    if not isinstance(name, str):
        return None
    head, _, role = name.rpartition('_')
    return (head, role) if role in ('train', 'val', 'test') else None


def _check_overlap(file: str, splits: dict, split: Optional[str],
                   index_of: Dict[str, int]) -> List[Problem]:
    """Ids of a ``<p>train`` split also in its ``<p>val`` / ``<p>test``.

    A ``val`` wholly inside ``train`` is a carved-out development set (as
    CASIA-B's ``train`` = ``train_dev`` + ``val``) and is not flagged; a
    partial overlap, or any with ``test``, leaks test samples into
    training.
    """
    roles = {}
    for name, members in splits.items():
        role = _split_role(name)
        if role is not None and isinstance(members, (list, tuple)):
            roles[role] = name
    problems = []
    for (head, role), train in roles.items():
        if role != 'train':
            continue
        train_ids = {m for m in splits[train] if isinstance(m, str)}
        train_ids &= index_of.keys()
        for other in ('val', 'test'):
            held = roles.get((head, other))
            if held is None or split not in (None, train, held):
                continue
            # Ids with no annotation are split_missing_id problems.
            held_ids = {
                m
                for m in splits[held] if isinstance(m, str) and m in index_of
            }
            shared = train_ids & held_ids
            if not shared or (other == 'val' and held_ids <= train_ids):
                continue
            for sid in sorted(shared, key=str):
                problems.append(
                    Problem(
                        'split_overlap', f'in both {train!r} and {held!r} '
                        f'({len(shared)} shared id(s)): the model would be '
                        'evaluated on samples it trained on; a test id '
                        'belongs in one split only', file, sid,
                        f'split.{held}', index_of.get(sid)))
    return problems


def _check_skeleton_file(sample: dict, index: int, sid: str, prefix: str,
                         load: bool, num_classes, layout, in_channels,
                         dim) -> List[Problem]:
    path = osp.join(prefix, sid + '.pkl')
    if not osp.isfile(path):
        return [
            Problem(
                'missing_file', 'no per-sample skeleton file (data_'
                'prefix=dict(skeleton=...))', path, sid, 'keypoint', index)
        ]
    if not load:
        return []
    try:
        extra = load_pickle(path)  # plain data only: never runs code
    except Exception as err:  # noqa: BLE001 - any unpickling failure
        return [
            Problem('not_pickle', f'cannot be loaded: {err}', path, sid, None,
                    index)
        ]
    if not isinstance(extra, dict):
        return [
            Problem(
                'bad_structure', f'a per-sample file must hold a dict, '
                f'got {type(extra).__name__}', path, sid, None, index)
        ]
    merged = {**sample, **extra}
    return check_sample(merged, index, path, num_classes, layout, in_channels,
                        dim)


def read_annotations(path: str,
                     raise_unsafe: bool = False) -> Tuple[Any, List[Problem]]:
    """Load a ``PoseDataset`` annotation file, as the datasets and the
    validator both read it.

    Args:
        path (str): The ``.pkl`` file.
        raise_unsafe (bool): Raise the restricted unpickler's refusal
            (:class:`UnsafePickleError`) instead of reporting it as a
            problem: the datasets stop on it, the validator reports it.

    Returns:
        tuple: The loaded object (None when the file is absent or cannot
        be unpickled) and the problems found: ``missing_file``, or
        ``not_pickle`` for a name ``PoseDataset`` refuses (the file is
        still read, so that its samples are checked too) or a file that
        does not unpickle.
    """
    if '://' not in path and not osp.isfile(path):
        return None, [Problem('missing_file', 'no such file', path)]
    problems = []
    if not path.endswith('.pkl'):
        problems.append(
            Problem('not_pickle', 'PoseDataset only reads files ending in '
                    '.pkl', path))
    try:
        # Plain data only: a hostile pickle is refused (the problem names
        # the file, the global and the opt-in), never run.
        data = load_pickle(path)
    except Exception as err:  # noqa: BLE001 - any unpickling failure
        if raise_unsafe and isinstance(err, UnsafePickleError):
            raise  # names the file, the global and the opt-in
        problems.append(
            Problem('not_pickle', f'cannot be unpickled: '
                    f'{type(err).__name__}: {err}', path))
        return None, problems
    return data, problems


def validate_pickle(path: str,
                    split: Optional[str] = None,
                    num_classes: Optional[int] = None,
                    layout: Optional[Union[str, dict]] = None,
                    in_channels: Optional[int] = None,
                    dim: Optional[int] = None,
                    skeleton_prefix: Optional[str] = None,
                    load_skeletons: bool = False,
                    progress: bool = False) -> ValidationReport:
    """Load and check a ``PoseDataset`` pickle.

    Args:
        path (str): The annotation file (``.pkl``).
        split, num_classes, layout, in_channels, dim, skeleton_prefix,
        load_skeletons, progress: See :func:`check_annotations`.

    Returns:
        ValidationReport: Every problem found.
    """
    path = str(path)
    data, problems = read_annotations(path)
    if data is None:
        return ValidationReport(path, problems)
    report = check_annotations(
        data,
        path,
        split=split,
        num_classes=num_classes,
        layout=layout,
        in_channels=in_channels,
        dim=dim,
        skeleton_prefix=skeleton_prefix,
        load_skeletons=load_skeletons,
        progress=progress)
    report.problems[:0] = problems
    return report
