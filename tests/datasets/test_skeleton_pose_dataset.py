# Copyright (c) aclnet-mm contributors. All rights reserved.
"""One dataset class with options, and no other names for it."""
import os.path as osp
import pickle

import pytest
from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS
from mmengine.registry import init_default_scope
from tool_scripts import load_tool

from aclnet_mm.datasets import (DatasetValidationError, SkeletonPoseDataset,
                                carve_split_indices, class_fraction_indices)

make_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').make_synthetic_skeleton_dataset

PIPELINE = [dict(type='PreNormalize3D')]


@pytest.fixture
def ann_file(tmp_path):
    data = make_synthetic_skeleton_dataset(
        num_classes=3, samples_per_class=10, num_frames=6, seed=0)
    data['classes'] = ['x', 'y', 'z']
    path = str(tmp_path / 'd.pkl')
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return path, data


def _build(ann_file, **kwargs):
    init_default_scope('mmaction')
    return DATASETS.build(
        dict(
            type='SkeletonPoseDataset',
            ann_file=ann_file,
            pipeline=PIPELINE,
            **kwargs))


def _ids(dataset):
    return [dataset.get_data_info(i)['frame_dir'] for i in range(len(dataset))]


def test_same_samples_as_pose_dataset_and_class_names(ann_file):
    path, data = ann_file
    ours = _build(path, split='train', num_classes=3, layout='nturgb+d')
    theirs = PoseDataset(path, pipeline=PIPELINE, split='train')
    assert _ids(ours) == _ids(theirs)
    assert ours.metainfo['classes'] == ('x', 'y', 'z')
    assert ours.validation_report.ok
    # Given names win; a file is found beside the pickle.
    with open(osp.join(osp.dirname(path), 'names.txt'), 'w') as f:
        f.write('a\nb\nc\n')
    named = _build(path, split='train', class_names='names.txt')
    assert named.metainfo['classes'] == ('a', 'b', 'c')


def _poisoned(path, data, field, value):
    sid = data['split']['train'][3]
    for sample in data['annotations']:
        if sample['frame_dir'] == sid:
            sample[field] = value
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return sid


def test_validation_raise_skip_off(ann_file):
    path, data = ann_file
    # Label 3 with 3 class names in the pickle: refused without num_classes.
    sid = _poisoned(path, data, 'label', 3)
    with pytest.raises(DatasetValidationError) as err:
        _build(path, split='train')
    assert f"sample {sid!r} | field 'label'" in str(err.value)
    with pytest.warns(UserWarning, match='dropped'):
        skipped = _build(path, split='train', on_error='skip')
    assert sid not in _ids(skipped) and len(skipped) == 14
    unchecked = _build(path, split='train', validate=False)
    assert sid in _ids(unchecked) and unchecked.validation_report is None


def test_model_expectations_are_checked(ann_file):
    path, data = ann_file
    with pytest.raises(DatasetValidationError, match='layout_mismatch'):
        _build(path, split='train', layout='coco')
    with pytest.raises(DatasetValidationError, match='channel_mismatch'):
        _build(path, split='train', in_channels=2)
    with pytest.raises(DatasetValidationError, match='label_range'):
        _build(path, split='train', num_classes=2)


def test_subsets_are_the_functions(ann_file):
    path, data = ann_file
    whole = _build(path, split='train')
    labels = [whole.get_data_info(i)['label'] for i in range(len(whole))]
    train, val = carve_split_indices(labels, 0.2, seed=3)
    carved = _build(path, split='train', carve='val', val_ratio=0.2, seed=3)
    assert _ids(carved) == [_ids(whole)[i] for i in val]
    rest = _build(path, split='train', carve='train', val_ratio=0.2, seed=3)
    assert _ids(rest) == [_ids(whole)[i] for i in train]
    sliced = _build(
        path, split='train', class_range=(0, 0.5), extra_info=dict(bank=1))
    kept = class_fraction_indices(labels, (0, 0.5))
    assert _ids(sliced) == [_ids(whole)[i] for i in kept]
    assert all(sliced.get_data_info(i)['bank'] == 1 for i in range(2))


@pytest.mark.parametrize('name', [
    'SampleNamingPoseDataset', 'ValidatedPoseDataset',
    'CarvedSplitPoseDataset', 'ClassFractionPoseDataset'
])
def test_no_alias_names(name):
    """One dataset class: the names of unreleased versions are gone."""
    assert DATASETS.get('SkeletonPoseDataset') is SkeletonPoseDataset
    assert DATASETS.get(name) is None
