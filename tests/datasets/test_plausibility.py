# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Well-formed data that no recording gives is reported by the validator
and refused by the dataset, naming the file, the sample and the field."""
import mmengine
import numpy as np
import pytest

from aclnet_mm.datasets import DatasetValidationError, SkeletonPoseDataset
from aclnet_mm.datasets.validation import check_sample, validate_pickle
from aclnet_mm.datasets.validation.plausibility import COORDINATE_LIMIT


def _clip(name, label, dim=3, scale=1.):
    rng = np.random.RandomState(label + len(name))
    sample = dict(
        frame_dir=name,
        label=label,
        total_frames=6,
        keypoint=(rng.rand(1, 6, 25 if dim == 3 else 17, dim) * scale).astype(
            np.float32))
    if dim == 2:
        sample['keypoint_score'] = rng.rand(1, 6, 17).astype(np.float32)
        sample['img_shape'] = (1080, 1920)
    return sample


def _file(tmp_path, samples, train, test=()):
    path = str(tmp_path / 'ann.pkl')
    split = dict(xsub_train=list(train))
    if test:
        split['xsub_val'] = list(test)
    mmengine.dump(dict(split=split, annotations=samples), path)
    return path


def _kinds(report):
    return [(p.kind, p.sample, p.field) for p in report.problems]


def test_huge_coordinates_are_refused_naming_sample(tmp_path):
    samples = [_clip(f's{i}', i % 2) for i in range(4)]
    samples[1]['keypoint'][0, 2, 3, 1] = 1e30
    path = _file(tmp_path, samples, ['s0', 's1', 's2'], ['s3'])
    report = validate_pickle(
        path, num_classes=2, layout='nturgb+d', in_channels=3, dim=3)
    assert _kinds(report) == [('implausible_value', 's1', 'keypoint')]
    assert str(report.problems[0]) == (
        f"[implausible_value] {path} | sample 's1' | field 'keypoint': 1 "
        'coordinate(s) beyond 100000 in magnitude, the largest 1e+30, the '
        'first at index (0, 2, 3, 1); no recording gives them (the limit is '
        '100000, above metres, centimetres, millimetres and pixels alike). '
        'Such values overflow the running variance of normalisation layers')
    with pytest.raises(DatasetValidationError, match=r"sample 's1'"):
        SkeletonPoseDataset(path, pipeline=[], split='xsub_train')
    with pytest.warns(UserWarning, match='dropped'):
        kept = SkeletonPoseDataset(
            path, pipeline=[], split='xsub_train', on_error='skip')
    assert [kept.get_data_info(i)['frame_dir']
            for i in range(len(kept))] == ['s0', 's2']


def test_coordinate_limit_follows_the_image_for_2d():
    sample = _clip('p', 0, dim=2, scale=1900.)  # pixels of a 1080p frame
    assert check_sample(sample, 0, 'f.pkl') == []
    sample['keypoint'][0, 0, 0, 0] = -25000.  # > 10 x 1920
    problems = check_sample(sample, 0, 'f.pkl')
    assert [p.kind for p in problems] == ['implausible_value']
    assert 'beyond 19200' in problems[0].message
    assert '10 x the largest side of img_shape (1080, 1920)' in str(
        problems[0])
    del sample['img_shape']  # without a frame size: the general limit
    assert check_sample(sample, 0, 'f.pkl') == []
    sample['keypoint'][0, 0, 0, 0] = COORDINATE_LIMIT * 2
    assert [p.kind for p in check_sample(sample, 0, 'f.pkl')
            ] == ['implausible_value']
    # Normalised coordinates and 3D metres are well inside.
    assert check_sample(_clip('n', 0, dim=2, scale=1.), 0, 'f.pkl') == []
    assert check_sample(_clip('m', 0, dim=3, scale=5.), 0, 'f.pkl') == []


def test_all_zero_clip_and_negative_scores(tmp_path):
    zero = _clip('zero', 0)
    zero['keypoint'][:] = 0
    partly = _clip('partly', 1)
    partly['keypoint'][:, :3] = 0  # missed detections in 3 frames: normal
    negative = _clip('neg', 1, dim=2, scale=500.)
    negative['keypoint_score'][0, 4, 2] = -0.5
    report = validate_pickle(
        _file(tmp_path, [zero, partly, _clip('ok', 0)],
              ['zero', 'partly', 'ok']))
    assert _kinds(report) == [('all_zero', 'zero', 'keypoint')]
    assert report.problems[0].message == (
        'every coordinate of the clip is 0 (shape (1, 6, 25, 3)): no person '
        'was recorded; drop the sample')
    problems = check_sample(negative, 3, 'f.pkl')
    assert [(p.kind, p.field)
            for p in problems] == [('negative_score', 'keypoint_score')]
    assert problems[0].message == (
        '1 negative score(s), the lowest -0.5, the first at index (0, 4, 2); '
        'scores are confidences in [0, 1]')


def test_class_without_training_sample(tmp_path):
    samples = [_clip('a', 0), _clip('b', 0), _clip('c', 1), _clip('d', 2)]
    path = _file(tmp_path, samples, ['a', 'b', 'c'], ['d'])
    report = validate_pickle(path, num_classes=3)
    assert _kinds(report) == [('empty_class', None, 'split.xsub_train')]
    assert report.problems[0].message == (
        "class 2 has no training sample in split 'xsub_train': the model "
        'can never predict it and each of its test samples counts as an '
        'error')
    assert 'empty_class: 1  (a class with no training sample)' in \
        report.format()
    # The pickle's own class list gives the count and the name.
    mmengine.dump(
        dict(
            split=dict(xsub_train=['a', 'b', 'c'], xsub_val=['d']),
            annotations=samples,
            classes=['clap', 'wave', 'jump']), path)
    report = validate_pickle(path)
    assert "class 2 ('jump') has no training sample" in str(report.problems[0])
    # Only training splits are checked: a test split may lack a class.
    assert validate_pickle(path, split='xsub_val').ok
    with pytest.raises(DatasetValidationError, match='empty_class'):
        SkeletonPoseDataset(path, pipeline=[], split='xsub_train')
    # Not tied to a sample: with on_error='warn' the run goes on.
    with pytest.warns(UserWarning, match='class 2'):
        dataset = SkeletonPoseDataset(
            path, pipeline=[], split='xsub_train', on_error='warn')
    assert len(dataset) == 3
