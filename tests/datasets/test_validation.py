# Copyright (c) aclnet-mm contributors. All rights reserved.
import os.path as osp
import warnings

import mmengine
import numpy as np
import pytest
from mmaction.datasets import PoseDataset
from mmaction.datasets.transforms import GenSkeFeat, PreNormalize3D
from mmaction.registry import DATASETS

from aclnet_mm.datasets import (DatasetValidationError, SkeletonPoseDataset,
                                check_annotations, validate_config,
                                validate_pickle)
from aclnet_mm.datasets.transforms import GenSkeletonStreams
from aclnet_mm.datasets.validation import PROBLEM_KINDS
from aclnet_mm.datasets.validation.plausibility import PLAUSIBILITY_KINDS


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
            type='SkeletonPoseDataset',
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
    assert DATASETS.get('SkeletonPoseDataset') is SkeletonPoseDataset
    assert issubclass(SkeletonPoseDataset, PoseDataset)
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


# One real broken file per case, at least one case per kind of
# PROBLEM_KINDS. A case writes its file(s) into tmp_path and returns
# (problems, file, sample, field): every problem found must be of the
# case's kind (good data around it is never flagged), and one must name
# that file, sample and field (None where the kind has none).
CASES = {}


def _case(name, kind, check=None):
    """Register a case; with `check`, the case is built from it."""
    if check is not None:
        CASES[name] = (kind, check)
        return None

    def register(fn):
        CASES[name] = (kind, fn)
        return fn

    return register


def _good2d(name, label=0, frames=4, score=True):
    rng = np.random.RandomState(len(name) + label)
    sample = dict(
        frame_dir=name,
        label=label,
        total_frames=frames,
        img_shape=(1080, 1920),
        original_shape=(1080, 1920),
        keypoint=(rng.rand(1, frames, 17, 2) * 1000).astype(np.float32))
    if score:
        sample['keypoint_score'] = rng.rand(1, frames, 17).astype(np.float32)
    return sample


def _mutated(sample, **changes):
    """`sample` with keys replaced, or removed where the value is None."""
    sample = dict(sample)
    for key, value in changes.items():
        if value is None:
            del sample[key]
        else:
            sample[key] = value
    return sample


def _pkl(tmp_path, annotations, split=None):
    if split is None:
        split = dict(train=[a['frame_dir'] for a in annotations])
    path = str(tmp_path / 'ann.pkl')
    mmengine.dump(dict(split=split, annotations=annotations), path)
    return path


def _raw(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def _sample_case(name, kind, sample, field, two_d=False, **expect):
    """`sample` between two good 3D (2D) ones, by validate_pickle."""
    goods = [_good2d('g0'), _good2d('g1', 1)] if two_d else \
        [_good('g0'), _good('g1', 1)]

    def check(tmp_path):
        path = _pkl(tmp_path, [goods[0], sample, goods[1]])
        return validate_pickle(path, **expect).problems, path, \
            sample['frame_dir'], field

    _case(name, kind, check)


def _config_case(name, kind, field, graph='nturgb+d', steps=(), text=None):
    """A config reading a good pickle, with `steps` as stream transforms."""

    def check(tmp_path):
        ann = _pkl(tmp_path, [_good('a'), _good('b', 1)])
        pipeline = [dict(type='PreNormalize3D')] + list(steps) + \
            [dict(type='PackActionInputs')]
        path = tmp_path / 'cfg.py'
        path.write_text(
            text if text is not None else
            ('model = dict(type="RecognizerGCN", backbone=dict(type="STGCN",'
             f' graph_cfg=dict(layout={graph!r})), cls_head=dict(type='
             '"GCNHead", num_classes=2, in_channels=256))\n'
             'train_dataloader = dict(dataset=dict(type="PoseDataset", '
             f'ann_file={ann!r}, split="train", pipeline={pipeline!r}))\n'))
        reports = validate_config(str(path))
        problems = [p for report in reports for p in report.problems]
        return problems, str(path), None, field

    _case(name, kind, check)


# --- the file itself
@_case('garbage_pkl', 'not_pickle')
def _garbage_pkl(tmp_path):
    path = _raw(tmp_path, 'ann.pkl', b'\x80\x04not a pickle')
    return validate_pickle(path).problems, path, None, None


@_case('csv_given_as_annotations', 'not_pickle')
def _csv_file(tmp_path):
    path = _raw(tmp_path, 'ann.csv', b'frame_dir,label\nS001,0\n')
    return validate_pickle(path).problems, path, None, None


@_case('tuple_at_top_level', 'bad_structure')
def _tuple_top(tmp_path):
    path = str(tmp_path / 'ann.pkl')
    mmengine.dump((1, 2), path)
    return validate_pickle(path).problems, path, None, None


@_case('no_annotations_key', 'missing_key')
def _no_annotations(tmp_path):
    path = str(tmp_path / 'ann.pkl')
    mmengine.dump(dict(split=dict(train=['a'])), path)
    return validate_pickle(path).problems, path, None, 'annotations'


@_case('annotation_file_absent', 'missing_file')
def _absent(tmp_path):
    path = str(tmp_path / 'none.pkl')
    return validate_pickle(path).problems, path, None, None


# --- one sample
_sample_case('no_label', 'missing_key', _mutated(_good('s'), label=None),
             'label')
_sample_case('no_keypoint', 'missing_key', _mutated(_good('s'), keypoint=None),
             'keypoint')
_sample_case('float_label', 'wrong_type', _mutated(_good('s'), label=3.0),
             'label')
_sample_case('str_label', 'wrong_type', _mutated(_good('s'), label='3'),
             'label')
_sample_case('int_keypoint', 'wrong_type',
             _mutated(_good('s'), keypoint=np.zeros((1, 4, 25, 3), int)),
             'keypoint')
_sample_case('list_keypoint', 'wrong_type',
             _mutated(_good('s'), keypoint=np.zeros((1, 4, 25, 3)).tolist()),
             'keypoint')
_sample_case('keypoint_without_person_axis', 'bad_shape',
             _mutated(_good('s'), keypoint=np.zeros((4, 25, 3), np.float32)),
             'keypoint')
_sample_case(
    'score_shape_differs',
    'bad_shape',
    _mutated(_good2d('s'), keypoint_score=np.ones((1, 3, 17))),
    'keypoint_score',
    two_d=True)
_sample_case(
    'wrong_joint_count',
    'layout_mismatch',
    _mutated(_good('s'), keypoint=np.zeros((1, 4, 17, 3), np.float32)),
    'keypoint',
    layout='nturgb+d')
_sample_case(
    '2d_sample_3d_config',
    'dim_mismatch',
    _mutated(_good('s'), keypoint=np.zeros((1, 4, 25, 2), np.float32)),
    'keypoint',
    dim=3)
_sample_case(
    '2d_without_score',
    'channel_mismatch',
    _mutated(_good2d('s'), keypoint_score=None),
    'keypoint',
    layout='coco',
    dim=2,
    in_channels=3,
    two_d=True)
_sample_case(
    'nan_keypoint', 'non_finite',
    _mutated(_good('s'), keypoint=np.full((1, 4, 25, 3), np.nan, np.float32)),
    'keypoint')
_sample_case(
    'zero_frames', 'empty_sequence',
    _mutated(
        _good('s'),
        total_frames=0,
        keypoint=np.zeros((1, 0, 25, 3), np.float32)), 'keypoint')
_sample_case('total_frames_off', 'frames_mismatch',
             _mutated(_good('s'), total_frames=9), 'total_frames')
_sample_case(
    'label_equals_num_classes',
    'label_range',
    _mutated(_good('s'), label=60),
    'label',
    num_classes=60)
_sample_case(
    'negative_label',
    'label_range',
    _mutated(_good('s'), label=-1),
    'label',
    num_classes=60)
_sample_case(
    'img_shape_one_value',
    'bad_img_shape',
    _mutated(_good2d('s'), img_shape=(1080, )),
    'img_shape',
    two_d=True)
_sample_case(
    'img_shape_zero_height',
    'bad_img_shape',
    _mutated(_good2d('s'), img_shape=(0, 1920)),
    'img_shape',
    two_d=True)
_sample_case(
    'img_shape_str',
    'bad_img_shape',
    _mutated(_good2d('s'), img_shape='1080p'),
    'img_shape',
    two_d=True)


@_case('negative_total_frames', 'empty_sequence')
def _negative_frames(tmp_path):
    sample = dict(_good('s'), total_frames=-4)
    path = _pkl(tmp_path, [sample])
    # The keypoint frames disagree too; only the first problem is asked.
    problems = [
        p for p in validate_pickle(path).problems
        if p.kind != 'frames_mismatch'
    ]
    return problems, path, 's', 'total_frames'


@_case('skeleton_file_absent', 'missing_file')
def _skeleton_absent(tmp_path):
    ann = [dict(frame_dir='v1', label=0, total_frames=4)]
    report = check_annotations(
        ann, str(tmp_path / 'ann.pkl'), skeleton_prefix=str(tmp_path))
    return report.problems, str(tmp_path / 'v1.pkl'), 'v1', 'keypoint'


# --- samples against each other
@_case('duplicate_frame_dir', 'duplicate_id')
def _duplicate(tmp_path):
    path = _pkl(tmp_path, [_good('a'), _good('dup'), _good('dup', 1)])
    return validate_pickle(path).problems, path, 'dup', 'frame_dir'


@_case('2d_and_3d_in_one_file', 'mixed_dims')
def _mixed_dims(tmp_path):
    odd = _mutated(_good('flat'), keypoint=np.ones((1, 4, 25, 2), 'f4'))
    path = _pkl(tmp_path, [_good('a'), odd, _good('b', 1)])
    return validate_pickle(path).problems, path, 'flat', 'keypoint'


@_case('joint_counts_mixed', 'mixed_joints')
def _mixed_joints(tmp_path):
    odd = _mutated(_good('v17'), keypoint=np.ones((1, 4, 17, 3), 'f4'))
    path = _pkl(tmp_path, [_good('a'), odd, _good('b', 1)])
    return validate_pickle(path).problems, path, 'v17', 'keypoint'


@_case('scores_on_some_2d_samples', 'mixed_score')
def _mixed_score(tmp_path):
    bare = _good2d('bare', score=False)
    path = _pkl(tmp_path, [_good2d('a'), bare, _good2d('b', 1)])
    return validate_pickle(path).problems, path, 'bare', 'keypoint_score'


# --- splits
@_case('split_not_in_file', 'unknown_split')
def _unknown_split(tmp_path):
    path = _pkl(tmp_path, [_good('a')])
    problems = validate_pickle(path, split='xsub_train').problems
    return problems, path, None, 'split'


@_case('split_id_not_annotated', 'split_missing_id')
def _split_missing(tmp_path):
    path = _pkl(tmp_path, [_good('a')], dict(train=['a', 'ghost']))
    return validate_pickle(path).problems, path, 'ghost', 'split.train'


@_case('empty_split', 'empty_split')
def _empty_split(tmp_path):
    path = _pkl(tmp_path, [_good('a')], dict(train=['a'], test=[]))
    return validate_pickle(path).problems, path, None, 'split.test'


@_case('empty_annotation_list', 'empty_split')
def _empty_annotations(tmp_path):
    path = _pkl(tmp_path, [], dict())
    return validate_pickle(path).problems, path, None, 'annotations'


@_case('split_value_not_list', 'wrong_type')
def _split_not_list(tmp_path):
    path = _pkl(tmp_path, [_good('a')], dict(train='a'))
    return validate_pickle(path).problems, path, None, 'split.train'


@_case('frame_dir_not_str', 'wrong_type')
def _frame_dir_int(tmp_path):
    path = _pkl(tmp_path, [_mutated(_good('x'), frame_dir=7)], dict())
    return validate_pickle(path).problems, path, '#0', 'frame_dir'


@_case('train_test_overlap', 'split_overlap')
def _train_test_overlap(tmp_path):
    path = _pkl(
        tmp_path,
        [_good('a'), _good('b', 1), _good('c')],
        dict(xsub_train=['a', 'b'], xsub_test=['b', 'c']))
    return validate_pickle(path).problems, path, 'b', 'split.xsub_test'


@_case('train_val_partial_overlap', 'split_overlap')
def _train_val_overlap(tmp_path):
    path = _pkl(
        tmp_path,
        [_good('a'), _good('b', 1), _good('c')],
        dict(train=['a', 'b'], val=['b', 'c']))
    problems = validate_pickle(path, split='val').problems
    return problems, path, 'b', 'split.val'


# --- the config and its pipeline
_PIPE = 'train_dataloader.dataset.pipeline[1]'
_config_case(
    'config_syntax_error',
    'config',
    None,
    text='model = dict(type="RecognizerGCN",\n')
_config_case(
    'config_without_dataloader',
    'config',
    'train_dataloader.dataset.ann_file',
    text='model = dict()\n')
_config_case(
    'graph_layout_typo',
    'unknown_layout',
    'model.backbone.graph_cfg.layout',
    graph='ntu_rgbd')
_config_case(
    'streams_layout_typo',
    'unknown_layout',
    f'{_PIPE}.layout',
    steps=[dict(type='GenSkeletonStreams', layout='cocoo', feats=['j'])])
_config_case(
    'genskefeat_dataset_typo',
    'unknown_layout',
    f'{_PIPE}.dataset',
    steps=[dict(type='GenSkeFeat', dataset='ntu', feats=['j', 'b'])])
_config_case(
    'kbone_in_genskefeat',
    'unsupported_stream',
    f'{_PIPE}.feats',
    steps=[dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j', 'k'])])
_config_case(
    'unknown_stream_name',
    'unsupported_stream',
    f'{_PIPE}.feats',
    steps=[dict(type='GenSkeletonStreams', feats=['j', 'bone'])])
_config_case(
    'genskefeat_bones_without_table',
    'unsupported_stream',
    f'{_PIPE}.feats',
    graph='openpose_body25',
    steps=[dict(type='GenSkeFeat', dataset='openpose_body25', feats=['b'])])
_config_case(
    'mmaction_bone_tree_for_own_layout',
    'unsupported_stream',
    f'{_PIPE}.bone_tree',
    graph='openpose_body25',
    steps=[
        dict(
            type='GenSkeletonStreams',
            layout='openpose_body25',
            feats=['b'],
            bone_tree='mmaction')
    ])
_config_case(
    'pipeline_and_graph_layouts_differ',
    'layout_conflict',
    f'{_PIPE}.layout',
    steps=[
        dict(
            type='GenSkeletonStreams',
            layout='openpose_body25',
            feats=['j', 'b'])
    ])


@_case('cli_layout_typo', 'unknown_layout')
def _cli_layout(tmp_path):
    path = _pkl(tmp_path, [_good('a')])
    problems = validate_pickle(path, layout='ntu').problems
    return problems, path, None, 'layout'


@pytest.mark.parametrize('name', sorted(CASES))
def test_broken_file_named(name, tmp_path):
    kind, check = CASES[name]
    problems, file, sample, field = check(tmp_path)
    assert problems, f'{name}: nothing found'
    # Only the broken part is flagged: the good samples / keys are not.
    assert {p.kind for p in problems} == {kind}, [str(p) for p in problems]
    named = [
        p for p in problems
        if (p.file, p.sample, p.field) == (file, sample, field)
    ]
    assert named, [str(p) for p in problems]
    text = str(named[0])
    assert text.startswith(f'[{kind}] {file}')
    if sample is not None:
        assert f'sample {sample!r}' in text
    if field is not None:
        assert f'field {field!r}' in text
    assert PROBLEM_KINDS[kind]


def test_catalogue_every_kind_triggered(tmp_path_factory):
    """Each kind of PROBLEM_KINDS is raised by a real broken file."""
    triggered = set()
    for name, (_, check) in CASES.items():
        triggered |= {p.kind for p in check(tmp_path_factory.mktemp(name))[0]}
    assert triggered == set(PROBLEM_KINDS)
    assert len(PROBLEM_KINDS) >= 20


def test_clean_files_and_configs_never_flagged(tmp_path):
    # 3D and 2D files with every optional key, protocol splits and a
    # carved-out val inside train (CASIA-B style), against full
    # expectations.
    three = [_good(f's{i}', i % 3, frames=4 + i) for i in range(6)]
    path = _pkl(
        tmp_path, three,
        dict(
            xsub_train=['s0', 's1', 's2', 's3'],
            xsub_val=['s4', 's5'],
            train=['s0', 's1', 's2'],
            val=['s1'],
            train_dev=['s0', 's2']))
    report = validate_pickle(
        path, num_classes=3, layout='nturgb+d', in_channels=3, dim=3)
    assert report.ok and report.num_samples == 6, report.format()
    # Every class has a training sample (else empty_class).
    two = [_good2d(f'k{i}', i % 3) for i in range(4)]
    path2 = str(tmp_path / 'two.pkl')
    mmengine.dump(
        dict(
            split=dict(train=['k0', 'k1', 'k2'], test=['k3']),
            annotations=two), path2)
    assert validate_pickle(
        path2, num_classes=3, layout='coco', in_channels=3, dim=2).ok
    # Every stream of both transforms, on layouts that have them.
    for graph, steps in [
        ('nturgb+d', [dict(type='GenSkeFeat', feats=['j', 'b', 'jm', 'bm'])]),
        ('openpose_body25', [
            dict(
                type='GenSkeFeat',
                dataset='openpose_body25',
                feats=['j', 'jm'])
        ]),
        ('openpose_body25', [
            dict(
                type='GenSkeletonStreams',
                layout='openpose_body25',
                feats=['j', 'b', 'k', 'jm', 'bm', 'km'])
        ]),
    ]:
        _config_case('clean', None, None, graph=graph, steps=steps)
        problems, *_ = CASES.pop('clean')[1](tmp_path)
        assert not problems, [str(p) for p in problems]


def test_validated_dataset_names_file_sample_field(tmp_path):
    odd = _mutated(_good('flat'), keypoint=np.ones((1, 4, 25, 2), 'f4'))
    path = _pkl(tmp_path, [_good('a'), odd, _good('b', 1)])
    with pytest.raises(DatasetValidationError) as info:
        _build(path, split='train')
    text = str(info.value)
    assert f"[mixed_dims] {path} | sample 'flat' | field 'keypoint'" in text
    # With skip, the odd sample goes and the good ones stay.
    with pytest.warns(UserWarning, match='mixed_dims'):
        dataset = _build(path, split='train', on_error='skip')
    assert _ids(dataset) == ['a', 'b']
    # The pipeline's streams are checked against the layout too, and a
    # stream the transform cannot build is fatal whatever the policy.
    clean = _pkl(tmp_path, [_good('a'), _good('b', 1)])
    with pytest.raises(DatasetValidationError) as info:
        _build(
            clean,
            pipeline=[GenSkeFeat(dataset='nturgb+d', feats=['j', 'k'])],
            layout='nturgb+d',
            on_error='skip')
    assert f"[unsupported_stream] {clean} | field 'pipeline[0].feats'" in \
        str(info.value)
    with pytest.raises(DatasetValidationError, match='layout_conflict'):
        _build(
            clean,
            pipeline=[GenSkeletonStreams(layout='openpose_body25')],
            layout='nturgb+d')


def test_docs_list_every_kind():
    """The user docs list the catalogue as it is, with its size."""
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    with open(osp.join(root, 'docs', 'user_guides',
                       'data_preparation.md')) as f:
        text = f.read()
    kinds = {**PROBLEM_KINDS, **PLAUSIBILITY_KINDS}
    assert [k for k in kinds if f'`{k}`' not in text] == []
    assert f'The {len(PROBLEM_KINDS)} kinds' in text


def test_labels_checked_without_flags(tmp_path):
    """Negative labels always, and labels beyond the pickle's own class
    list, without --num-classes."""
    from aclnet_mm.datasets.validation import validate_pickle
    samples = [_good('ok'), _good('neg'), _good('big')]
    samples[1]['label'] = -1
    samples[2]['label'] = 2
    path = tmp_path / 'labels.pkl'
    mmengine.dump(
        dict(split=dict(train=['ok', 'neg', 'big']), annotations=samples),
        str(path))
    report = validate_pickle(str(path))
    assert [(p.sample, p.field) for p in report.problems] == [('neg', 'label')]
    mmengine.dump(
        dict(
            split=dict(train=['ok', 'neg', 'big']),
            annotations=samples,
            classes=['a', 'b']), str(path))
    report = validate_pickle(str(path))
    assert [(p.kind, p.sample)
            for p in report.problems] == [('label_range', 'neg'),
                                          ('label_range', 'big')]
    assert 'outside [0, 2)' in str(report.problems[1])


def test_config_head_nodes_and_class_name_files(tmp_path):
    from aclnet_mm.datasets.validation import validate_config
    path = tmp_path / 'd.pkl'
    mmengine.dump(
        dict(
            split=dict(train=['a', 'b']),
            annotations=[_good('a'), _good('b', label=1)]), str(path))
    layout = dict(parents=[-1] + [0] * 24)
    cfg = mmengine.Config(
        dict(
            model=dict(
                backbone=dict(type='ACLGCN', graph_cfg=dict(layout=layout)),
                cls_head=dict(type='ACLNetHead', num_classes=2, num_nodes=17)),
            train_dataloader=dict(
                dataset=dict(
                    type='SkeletonPoseDataset',
                    ann_file=str(path),
                    split='train',
                    class_names='missing_names.txt',
                    pipeline=[])),
            custom_hooks=[
                dict(type='SuperclassRefreshHook', class_names='gone.txt')
            ]))
    problems = validate_config(cfg)[0].problems
    fields = {p.field: p.kind for p in problems}
    assert fields == {
        'model.cls_head.num_nodes': 'layout_mismatch',
        'train_dataloader.dataset.class_names': 'missing_file',
        'custom_hooks[0].class_names': 'missing_file'
    }
    # Left out, the head's default (25) matches this 25-joint layout.
    cfg.model.cls_head.pop('num_nodes')
    cfg.train_dataloader.dataset.pop('class_names')
    cfg.custom_hooks = []
    assert all(report.ok for report in validate_config(cfg))
    assert 'num_nodes' not in cfg.model.cls_head


_CLASS_TYPED_CONFIG = """
from mmaction.datasets import GenSkeFeat, PackActionInputs, PoseDecode
from mmaction.models import STGCN, RecognizerGCN

from aclnet_mm.datasets import SkeletonPoseDataset
from aclnet_mm.models.heads import ACLNetHead

model = dict(
    type=RecognizerGCN,
    backbone=dict(type=STGCN, graph_cfg=dict(layout='coco')),
    cls_head=dict(type=ACLNetHead, num_classes=2, in_channels=8))
train_dataloader = dict(
    dataset=dict(
        type=SkeletonPoseDataset,
        ann_file={ann_file!r},
        split='train',
        pipeline=[
            dict(type=GenSkeFeat, dataset='coco', feats=['j']),
            dict(type=PoseDecode),
            dict(type=PackActionInputs)
        ]))
"""


def test_class_typed_config(tmp_path):
    """A pure-Python config, whose types are classes, read with plain
    ``Config.fromfile``: the head's default 25 nodes and the 25-joint
    samples are both checked against the model's COCO layout (17 joints);
    the classes without a training sample are named too."""
    path = tmp_path / 'd.pkl'
    mmengine.dump(
        dict(split=dict(train=['a']), annotations=[_good('a')]), str(path))
    config = tmp_path / 'class_typed.py'
    config.write_text(_CLASS_TYPED_CONFIG.format(ann_file=str(path)))
    reports = validate_config(str(config))
    fields = {p.field: p.kind for r in reports for p in r.problems}
    assert fields == {
        'model.cls_head.num_nodes': 'layout_mismatch',
        'keypoint': 'layout_mismatch',
        'split.train': 'empty_class'
    }


@pytest.mark.parametrize('split', ['train', None])
def test_every_copy_of_a_duplicated_id_is_checked(tmp_path, split):
    """Split filtering keeps both copies of an id, so both are checked: a
    NaN or out-of-range label in the second copy is named, by index."""
    nan = _good('dup', 1)
    nan['keypoint'][0, 2, 3, 1] = np.nan
    annotations = [
        _good('a'),
        _good('dup'), nan,
        _mutated(_good('dup'), label=70)
    ]
    path = _pkl(tmp_path, annotations, split=dict(train=['a', 'dup']))
    report = validate_pickle(path, split=split, num_classes=60)
    assert report.num_samples == 4
    assert report.counts() == {
        'duplicate_id': 2,
        'non_finite': 1,
        'label_range': 1
    }
    found = {(p.kind, p.index, p.sample, p.field) for p in report.problems}
    assert ('non_finite', 2, 'dup', 'keypoint') in found
    assert ('label_range', 3, 'dup', 'label') in found
    # on_error='warn' keeps the copies, and now says what is wrong in them.
    with pytest.warns(UserWarning, match='kept') as record:
        dataset = _build(path, split='train', num_classes=60, on_error='warn')
    assert len(dataset) == 4
    text = '\n'.join(str(w.message) for w in record)
    assert 'non_finite' in text and 'label_range' in text
