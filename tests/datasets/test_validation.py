# Copyright (c) aclnet-mm contributors. All rights reserved.
import warnings

import mmengine
import numpy as np
import pytest
from mmaction.datasets import PoseDataset
from mmaction.datasets.transforms import PreNormalize3D
from mmaction.registry import DATASETS

from aclnet_mm.datasets import (DatasetValidationError, ValidatedPoseDataset,
                                check_annotations, validate_config,
                                validate_pickle)
from aclnet_mm.datasets.validation import PROBLEM_KINDS


def _good(name, label=0, frames=4, persons=1):
    rng = np.random.RandomState(len(name) + label)
    return dict(
        frame_dir=name,
        label=label,
        total_frames=frames,
        keypoint=rng.rand(persons, frames, 25, 3).astype(np.float32))


def _bad_samples():
    """One malformed sample per sample-level kind: (sample, kind, field)."""
    nan = _good('nan')
    nan['keypoint'][0, 1, 2, 0] = np.nan
    no_label = _good('no_label')
    del no_label['label']
    wrong_dtype = _good('wrong_dtype')
    wrong_dtype['keypoint'] = wrong_dtype['keypoint'].astype(np.int64)
    return [
        (nan, 'non_finite', 'keypoint'),
        (dict(_good('empty'), keypoint=np.zeros(
            (0, 4, 25, 3), np.float32)), 'empty_sequence', 'keypoint'),
        (dict(_good('frames'),
              total_frames=7), 'frames_mismatch', 'total_frames'),
        (_good('label', label=60), 'label_range', 'label'),
        (no_label, 'missing_key', 'label'),
        (wrong_dtype, 'wrong_type', 'keypoint'),
        (dict(_good('str_label'), label='3'), 'wrong_type', 'label'),
        (dict(_good('shape'), keypoint=np.zeros(
            (4, 25, 3), np.float32)), 'bad_shape', 'keypoint'),
        (dict(_good('joints17'), keypoint=np.zeros(
            (1, 4, 17, 3), np.float32)), 'layout_mismatch', 'keypoint'),
        (dict(_good('flat2d'), keypoint=np.zeros(
            (1, 4, 25, 2), np.float32)), 'dim_mismatch', 'keypoint'),
    ]


@pytest.fixture
def mixed_pickle(tmp_path):
    goods = [_good('g0', 0), _good('g1', 59, frames=6, persons=2)]
    bads = _bad_samples()
    annotations = [goods[0]] + [b[0] for b in bads] + [goods[1]]
    ids = [a['frame_dir'] for a in annotations]
    data = dict(
        split=dict(train=ids, val=['g1', 'ghost'], test=[]),
        annotations=annotations)
    path = str(tmp_path / 'mixed.pkl')
    mmengine.dump(data, path)
    return path, data, bads


def test_every_kind_named(mixed_pickle):
    path, data, bads = mixed_pickle
    report = validate_pickle(
        path, num_classes=60, layout='nturgb+d', in_channels=3, dim=3)
    by_sample = {}
    for problem in report.problems:
        assert problem.kind in PROBLEM_KINDS
        assert problem.file == path
        by_sample.setdefault(problem.sample, []).append(problem)
    for sample, kind, field in bads:
        found = [(p.kind, p.field) for p in by_sample[sample['frame_dir']]]
        assert (kind, field) in found, (sample['frame_dir'], found)
        text = [
            str(p) for p in by_sample[sample['frame_dir']] if p.kind == kind
        ][0]
        assert path in text and repr(sample['frame_dir']) in text
    assert 'g0' not in by_sample and 'g1' not in by_sample
    counts = report.counts()
    assert counts['split_missing_id'] == 1  # 'ghost'
    assert counts['empty_split'] == 1  # 'test'
    ghost = [p for p in report.problems if p.kind == 'split_missing_id'][0]
    assert ghost.sample == 'ghost' and ghost.field == 'split.val'
    # Good samples are never flagged; every bad one is.
    bad_ids = {
        data['annotations'][i]['frame_dir']
        for i in report.bad_indices()
    }
    assert bad_ids == {b[0]['frame_dir'] for b in bads}
    summary = report.format()
    assert 'non_finite: 1' in summary and 'problem(s) in 12 samples' in \
        summary


def test_layout_message_explains_running_mean(tmp_path):
    sample = dict(
        _good('coco'),
        keypoint=np.zeros((1, 4, 17, 2), np.float32),
        keypoint_score=np.ones((1, 4, 17), np.float32))
    report = check_annotations([sample],
                               'x.pkl',
                               layout='nturgb+d',
                               in_channels=3)
    msgs = {p.kind: p.message for p in report.problems}
    assert 'running_mean should contain 51 elements not 75' in \
        msgs['layout_mismatch']
    assert "'coco'" in msgs['layout_mismatch']
    # Scored 2D data with the 3D NTU layout.
    assert 'nturgb+d' in msgs['dim_mismatch']
    # The same sample is fine for a COCO 2D config.
    ok = check_annotations([sample],
                           'x.pkl',
                           layout='coco',
                           in_channels=3,
                           dim=2)
    assert ok.ok, ok.format()


def test_channels_2d_without_score():
    sample = dict(_good('p'), keypoint=np.zeros((1, 4, 17, 2), np.float32))
    report = check_annotations([sample],
                               'x.pkl',
                               layout='coco',
                               in_channels=3,
                               dim=2)
    assert [p.kind for p in report.problems] == ['channel_mismatch']
    assert 'no keypoint_score' in report.problems[0].message
    scored3d = dict(_good('q'), keypoint_score=np.ones((1, 4, 25), np.float32))
    kinds = [p.kind for p in check_annotations([scored3d], 'x.pkl').problems]
    assert kinds == ['dim_mismatch']


def test_compressed_kinetics_sample():
    sample = dict(
        frame_dir='k400',
        label=3,
        total_frames=10,
        frame_inds=np.array([0, 0, 4, 9]),
        keypoint=np.ones((4, 17, 3), np.float16))
    assert check_annotations([sample],
                             'k.pkl',
                             layout='coco',
                             in_channels=3,
                             dim=2).ok
    sample['frame_inds'] = np.array([0, 0, 4, 10])
    kinds = [p.kind for p in check_annotations([sample], 'k.pkl').problems]
    assert kinds == ['frames_mismatch']


def test_file_level_problems(tmp_path):
    garbage = tmp_path / 'garbage.pkl'
    garbage.write_bytes(b'not a pickle at all')
    assert [p.kind
            for p in validate_pickle(str(garbage)).problems] == ['not_pickle']
    tup = str(tmp_path / 'tuple.pkl')
    mmengine.dump((1, 2), tup)
    assert validate_pickle(tup).counts() == {'bad_structure': 1}
    good = str(tmp_path / 'good.pkl')
    mmengine.dump(
        dict(split=dict(a=['x']), annotations=[_good('x'),
                                               _good('x')]), good)
    report = validate_pickle(good, split='b')
    assert report.counts() == {'duplicate_id': 1, 'unknown_split': 1}
    assert validate_pickle(good, split='a').counts() == {'duplicate_id': 1}
    assert validate_pickle(str(tmp_path / 'none.pkl')).counts() == {
        'missing_file': 1
    }
    json_file = str(tmp_path / 'ann.json')
    mmengine.dump(dict(split={}, annotations=[_good('x')]), json_file)
    assert 'not_pickle' in validate_pickle(json_file).counts()


def test_skeleton_prefix(tmp_path):
    ann = [
        dict(frame_dir='v1', label=0, total_frames=4),
        dict(frame_dir='v2', label=1, total_frames=4)
    ]
    prefix = tmp_path / 'ske'
    prefix.mkdir()
    mmengine.dump(
        dict(keypoint=np.zeros((1, 4, 25, 3), np.float32)),
        str(prefix / 'v1.pkl'))
    report = check_annotations(
        ann,
        'k.pkl',
        skeleton_prefix=str(prefix),
        load_skeletons=True,
        layout='coco')
    kinds = sorted((p.sample, p.kind) for p in report.problems)
    assert kinds == [('v1', 'layout_mismatch'), ('v2', 'missing_file')]


def _config(tmp_path,
            ann_file,
            num_classes=60,
            layout='nturgb+d',
            in_channels=None):
    backbone = dict(type='STGCN', graph_cfg=dict(layout=layout))
    if in_channels is not None:
        backbone['in_channels'] = in_channels
    pipeline = [
        dict(type='PreNormalize3D'),
        dict(type='GenSkeFeat', dataset=layout, feats=['j']),
        dict(type='PackActionInputs')
    ]
    text = (f'model = dict(type="RecognizerGCN", backbone={backbone!r}, '
            f'cls_head=dict(type="GCNHead", num_classes={num_classes}, '
            'in_channels=256))\n'
            f'train_dataloader = dict(dataset=dict(type="RepeatDataset", '
            f'times=2, dataset=dict(type="PoseDataset", ann_file='
            f'{ann_file!r}, split="train", pipeline={pipeline!r})))\n'
            f'val_dataloader = dict(dataset=dict(type="PoseDataset", '
            f'ann_file={ann_file!r}, split="val", pipeline={pipeline!r}))\n')
    path = tmp_path / 'cfg.py'
    path.write_text(text)
    return str(path)


def test_validate_config(mixed_pickle, tmp_path):
    path, _, bads = mixed_pickle
    # STGCN's default in_channels (3) is looked up in the registry.
    reports = validate_config(_config(tmp_path, path))
    assert [r.num_samples for r in reports] == [12, 1]
    train = reports[0]
    flagged = {p.sample for p in train.problems if p.index is not None}
    assert flagged == {b[0]['frame_dir'] for b in bads}
    assert reports[1].counts() == {'split_missing_id': 1}
    # 2D config against the same pickle: 3D samples now mismatch.
    two_d = _config(tmp_path, path, num_classes=100, layout='coco')
    report = validate_config(two_d, split='val')[0]
    assert report.counts() == {'split_missing_id': 1, 'layout_mismatch': 1}


def _ids(dataset):
    return [dataset.get_data_info(i)['frame_dir'] for i in range(len(dataset))]


def _build(path, pipeline=(), **kwargs):
    return DATASETS.build(
        dict(
            type='ValidatedPoseDataset',
            ann_file=path,
            pipeline=list(pipeline),
            **kwargs))


def test_validated_dataset_policies(mixed_pickle):
    path, _, bads = mixed_pickle
    with pytest.raises(DatasetValidationError) as info:
        _build(
            path,
            pipeline=[PreNormalize3D()],
            split='train',
            num_classes=60,
            layout='nturgb+d')
    text = str(info.value)
    for sample, kind, _ in bads:
        assert repr(sample['frame_dir']) in text
        assert f'[{kind}]' in text
    with pytest.warns(UserWarning, match='dropped'):
        dataset = _build(
            path,
            pipeline=[PreNormalize3D()],
            split='train',
            num_classes=60,
            layout='nturgb+d',
            on_error='skip')
    assert _ids(dataset) == ['g0', 'g1']
    # The real pipeline runs on the kept samples.
    assert dataset[1]['keypoint'].shape == (2, 6, 25, 3)
    with pytest.warns(UserWarning, match='kept'):
        dataset = _build(path, split='train', on_error='warn')
    assert len(dataset) == 12


def test_validated_dataset_fatal_and_clean(mixed_pickle, tmp_path):
    assert DATASETS.get('ValidatedPoseDataset') is ValidatedPoseDataset
    assert issubclass(ValidatedPoseDataset, PoseDataset)
    path, _, _ = mixed_pickle
    with pytest.raises(DatasetValidationError, match='empty_split'):
        _build(path, split='test', on_error='skip')
    with pytest.raises(DatasetValidationError, match='unknown_split'):
        _build(path, split='nope', on_error='warn')
    clean = str(tmp_path / 'clean.pkl')
    mmengine.dump(
        dict(split=dict(a=['g0']), annotations=[_good('g0'),
                                                _good('g1')]), clean)
    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)
        dataset = _build(clean, split='a', num_classes=2, layout='nturgb+d')
    assert _ids(dataset) == ['g0']
    assert dataset.validation_report.ok
    with pytest.raises(ValueError, match='on_error'):
        _build(clean, on_error='ignore')
