# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Data that is well formed but that no recording gives.

The structural checks of :mod:`.samples` accept any finite float array;
these catch values that are finite and still wrong, each of which trains
without a word otherwise:

- ``implausible_value``: a coordinate far outside the range of its kind
  of data. The rule: ``|value| > 1e5``, or for 2D samples that carry
  ``img_shape`` ``|value| > 10 * max(H, W)``. 3D skeletons are in metres
  (NTU's Kinect: under 10), centimetres or millimetres (motion capture:
  under 1e4): 1e5 is above all of them. 2D skeletons are in pixels
  (detectors place a joint outside the frame, but not ten frames away) or
  normalised to about [-1, 1]. Such values make a normalisation layer's
  running variance overflow to infinity (the square of 2e19 is beyond
  float32), after which the model predicts one class.
- ``all_zero``: every coordinate (and score) of the clip is 0: no person
  was recorded, and a model would learn the label from nothing. Zero
  joints in some frames (missed detections, absent second person) are
  normal and not flagged.
- ``negative_score``: a ``keypoint_score`` below 0; scores are detector
  confidences in [0, 1], so a negative one means another field was
  written in its place.
- ``empty_class``: a class in ``[0, num_classes)`` that no training
  sample has (checked on ``*train`` splits, or on the whole file when it
  has no splits): the model can never predict it, and each of its test
  samples counts as an error.

All four are problems: the validator reports them and exits non-zero,
and :class:`~aclnet_mm.datasets.SkeletonPoseDataset` raises by default.
With ``on_error='skip'`` the sample-level ones (the first three) drop the
sample; ``empty_class`` belongs to no sample, so under ``'skip'`` or
``'warn'`` it is a warning: a class may be left out on purpose (a
class-fraction subset), and the run can go on.
"""
import warnings
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .problems import MORE_PROBLEM_KINDS, Problem

__all__ = [
    'COORDINATE_LIMIT', 'PLAUSIBILITY_KINDS', 'coordinate_limit',
    'check_sample_plausibility', 'check_class_coverage',
    'check_inference_input'
]

#: Largest plausible ``|coordinate|`` without an image size (see above).
COORDINATE_LIMIT = 1e5

PLAUSIBILITY_KINDS = {
    'implausible_value': "coordinates far outside any recording's range",
    'all_zero': 'every coordinate (and score) of a clip is 0',
    'negative_score': 'a keypoint score below 0',
    'empty_class': 'a class with no training sample',
}
# The report's summary counts them after the structural kinds.
MORE_PROBLEM_KINDS.update(PLAUSIBILITY_KINDS)


def coordinate_limit(sample: dict, channels: int) -> float:
    """The largest plausible ``|coordinate|`` of a sample.

    Args:
        sample (dict): The annotation.
        channels (int): Coordinates per joint (2 or 3).

    Returns:
        float: ``10 * max(img_shape)`` for a 2D sample with a valid
        ``img_shape``, else :data:`COORDINATE_LIMIT`.
    """
    shape = sample.get('img_shape')
    if channels == 2 and isinstance(
            shape, (tuple, list)) and len(shape) == 2 and all(
                isinstance(s, (int, np.integer)) and s > 0 for s in shape):
        return 10. * max(int(s) for s in shape)
    return COORDINATE_LIMIT


def check_sample_plausibility(sample: Any, index: int, sid: str,
                              file: str) -> List[Problem]:
    """``implausible_value``, ``all_zero`` and ``negative_score`` of one
    annotation; arrays the structural checks reject are skipped.

    Args:
        sample (Any): The annotation.
        index (int): Its position in ``annotations``.
        sid (str): Its id, for the messages.
        file (str): The pickle it comes from.

    Returns:
        list[Problem]: The problems found.
    """
    if not isinstance(sample, dict):
        return []
    keypoint = sample.get('keypoint')
    if not isinstance(keypoint, np.ndarray) or keypoint.dtype.kind != 'f' \
            or keypoint.size == 0 or keypoint.ndim < 2:
        return []
    problems = []
    score = sample.get('keypoint_score')
    if not isinstance(score, np.ndarray) or score.dtype.kind != 'f':
        score = None
    magnitude = np.abs(keypoint)
    finite = np.isfinite(magnitude)
    # Non-finite values are the structural checks' ``non_finite``.
    largest = float(magnitude[finite].max()) if finite.any() else 0.
    limit = coordinate_limit(sample, keypoint.shape[-1])
    if largest > limit:
        where = tuple(
            int(i) for i in np.argwhere(finite & (magnitude > limit))[0])
        count = int((finite & (magnitude > limit)).sum())
        basis = ('10 x the largest side of img_shape '
                 f'{tuple(sample["img_shape"])}' if limit != COORDINATE_LIMIT
                 else f'{COORDINATE_LIMIT:g}, above metres, centimetres, '
                 'millimetres and pixels alike')
        problems.append(
            Problem(
                'implausible_value',
                f'{count} coordinate(s) beyond {limit:g} in magnitude, the '
                f'largest {largest:g}, the first at index {where}; no '
                f'recording gives them (the limit is {basis}). Such values '
                'overflow the running variance of normalisation layers', file,
                sid, 'keypoint', index))
    if finite.all() and largest == 0 and (score is None or not np.any(score)):
        problems.append(
            Problem(
                'all_zero', f'every coordinate of the clip is 0 (shape '
                f'{keypoint.shape}): no person was recorded; drop the '
                'sample', file, sid, 'keypoint', index))
    negative = None if score is None else score < 0  # NaN: non_finite
    if negative is not None and negative.any():
        first = tuple(int(i) for i in np.argwhere(negative)[0])
        problems.append(
            Problem(
                'negative_score', f'{int(negative.sum())} negative score(s), '
                f'the lowest {float(score[negative].min()):g}, the first at '
                'index '
                f'{first}; scores are confidences in [0, 1]', file, sid,
                'keypoint_score', index))
    return problems


def _training_splits(splits: Any, split: Optional[str]) -> Dict[str, list]:
    """The ``*train`` splits to check (the requested one only, when it is
    one); ``{None: None}`` for a file without splits."""
    if not isinstance(splits, dict):
        return {None: None} if split is None else {}
    names = [split] if split is not None else list(splits)
    return {
        name: splits[name]
        for name in names
        if isinstance(name, str) and (name == 'train' or name.endswith(
            '_train')) and isinstance(splits.get(name), (list, tuple))
    }


def check_class_coverage(
        annotations: Sequence[Any],
        file: str,
        splits: Any,
        split: Optional[str],
        num_classes: Optional[int],
        names: Optional[Sequence[str]] = None) -> List[Problem]:
    """``empty_class``: classes no training sample has.

    Args:
        annotations (Sequence): The annotations.
        file (str): The pickle, for the messages.
        splits (Any): The file's ``split`` dict (or None).
        split (str, optional): The split requested, if any.
        num_classes (int, optional): The class count; None: not checked.
        names (Sequence[str], optional): Class names for the messages.

    Returns:
        list[Problem]: One problem per (training split, empty class).
    """
    if num_classes is None or any(
            isinstance(s, dict) and isinstance(s.get('label'), int)
            and not 0 <= s['label'] < num_classes for s in annotations):
        return []  # labels out of range are reported as such
    index = {}
    for position, sample in enumerate(annotations):
        if isinstance(sample, dict):
            sid = sample.get('frame_dir', sample.get('filename'))
            index.setdefault(sid, position)
    problems = []
    for name, members in _training_splits(splits, split).items():
        if members is None:
            chosen = annotations
        else:
            chosen = [
                annotations[index[m]] for m in members
                if isinstance(m, str) and m in index
            ]
        counts = Counter(s.get('label') for s in chosen if isinstance(s, dict))
        where = 'the file' if name is None else f'split {name!r}'
        for label in range(num_classes):
            if counts[label]:
                continue
            named = '' if names is None or label >= len(names) \
                else f' ({names[label]!r})'
            problems.append(
                Problem(
                    'empty_class', f'class {label}{named} has no training '
                    f'sample in {where}: the model can never predict it '
                    'and each of its test samples counts as an error',
                    file,
                    field='label' if name is None else f'split.{name}'))
    return problems


def check_inference_input(keypoint: np.ndarray,
                          keypoint_score: Optional[np.ndarray] = None,
                          img_shape: Optional[Sequence[int]] = None,
                          name: str = 'the input') -> None:
    """The checks above for keypoints given to a model at inference.

    ``implausible_value`` and ``negative_score`` raise: the prediction
    would be that of garbage. ``all_zero`` warns only: a stream with
    nobody in view gives such clips as a matter of course; the prediction
    for one means nothing, and the warning says so.

    Args:
        keypoint (np.ndarray): ``(M, T, V, C)`` coordinates.
        keypoint_score (np.ndarray, optional): ``(M, T, V)`` scores.
        img_shape (Sequence[int], optional): ``(h, w)`` of the frames.
        name (str): What to call the input in messages.

    Raises:
        ValueError: Coordinates far out of range, or negative scores.
    """
    sample = dict(keypoint=keypoint)
    if keypoint_score is not None:
        sample['keypoint_score'] = keypoint_score
    if img_shape is not None:
        sample['img_shape'] = tuple(img_shape)
    for problem in check_sample_plausibility(sample, 0, name, name):
        if problem.kind == 'all_zero':
            warnings.warn(f'{name}: {problem.message}; the prediction for '
                          'it means nothing')
        else:
            raise ValueError(f'{name}: {problem.field}: {problem.message}')
