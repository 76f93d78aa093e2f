# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``tools/train.py`` refuses bad data by name, and stops on a NaN loss.

Each broken pickle is a real synthetic NTU-layout set with one defect
planted in one training sample (or in the file); the real Runner builds
the real ``SkeletonPoseDataset``, which validates it against the classes,
layout and channels its config states before any training step. The tool
must exit non-zero with a message naming the file, the sample and the
field.
"""
import pickle

import numpy as np
import pytest
from tool_scripts import load_tool, write_text_runtime

make_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').make_synthetic_skeleton_dataset
train_main = load_tool('train.py').main

NUM_CLASSES = 4

_CONFIG = """
_base_ = [{runtime!r}]
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN', in_channels=3, base_channels=4, num_stages=1,
        inflate_stages=[], down_stages=[],
        graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial')),
    cls_head=dict(type='GCNHead', num_classes={num_classes}, in_channels=4))
pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=8),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('img_shape', 'frame_dir'))
]
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SkeletonPoseDataset', ann_file={ann_file!r},
                 pipeline=pipeline, split='train',
                 num_classes={num_classes}, layout='nturgb+d',
                 in_channels=3{dataset_extra}))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05))
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=1),
    non_finite_loss=dict(type='NonFiniteLossHook', mode='raise'))
randomness = dict(seed=0)
log_level = 'WARNING'
"""


def _write(tmp_path, data, dataset_extra=''):
    ann_file = str(tmp_path / 'data.pkl')
    with open(ann_file, 'wb') as f:
        pickle.dump(data, f)
    config = tmp_path / 'tiny.py'
    config.write_text(
        _CONFIG.format(
            runtime=write_text_runtime(tmp_path),
            num_classes=NUM_CLASSES,
            ann_file=ann_file,
            dataset_extra=dataset_extra))
    return str(config), ann_file


def _data():
    return make_synthetic_skeleton_dataset(
        num_classes=NUM_CLASSES, samples_per_class=4, num_frames=12, seed=0)


def _first_train(data):
    sid = data['split']['train'][0]
    sample = next(a for a in data['annotations'] if a['frame_dir'] == sid)
    return sid, sample


def _nan(s):
    s['keypoint'][0, 3, 5, 1] = np.nan


def _inf(s):
    s['keypoint'][1, 2, 7, 0] = np.inf


def _label(value):

    def plant(s):
        s['label'] = value

    return plant


def _joints(s):
    s['keypoint'] = s['keypoint'][:, :, :17].copy()


def _dims(s):
    s['keypoint'] = s['keypoint'][..., :2].copy()


def _missing(s):
    del s['total_frames']


def _no_person(s):
    s['keypoint'] = s['keypoint'][:0].copy()


def _zero_frames(s):
    s['keypoint'] = s['keypoint'][:, :0].copy()
    s['total_frames'] = 0


def _dtype(s):
    s['keypoint'] = s['keypoint'].astype(np.int64)


# kind -> (how to break the first training sample, field named, kind named)
SAMPLE_DEFECTS = {
    'nan': (_nan, 'keypoint', 'non_finite'),
    'inf': (_inf, 'keypoint', 'non_finite'),
    'label_negative': (_label(-1), 'label', 'label_range'),
    'label_too_large': (_label(NUM_CLASSES), 'label', 'label_range'),
    'joint_count': (_joints, 'keypoint', 'layout_mismatch'),
    '2d_for_3d': (_dims, 'keypoint', 'dim_mismatch'),
    'missing_key': (_missing, 'total_frames', 'missing_key'),
    'empty_clip': (_no_person, 'keypoint', 'empty_sequence'),
    'zero_frames': (_zero_frames, 'total_frames', 'empty_sequence'),
    'wrong_dtype': (_dtype, 'keypoint', 'wrong_type'),
}


def _refusal(config, tmp_path):
    with pytest.raises(SystemExit) as info:
        train_main([config, '--work-dir', str(tmp_path / 'work')])
    message = str(info.value.code)
    assert info.value.code not in (0, None)
    assert 'training refused' in message
    return message


@pytest.mark.parametrize('kind', sorted(SAMPLE_DEFECTS))
def test_train_refuses_broken_sample(kind, tmp_path):
    plant, field, problem = SAMPLE_DEFECTS[kind]
    data = _data()
    sid, sample = _first_train(data)
    plant(sample)
    config, ann_file = _write(tmp_path, data)
    message = _refusal(config, tmp_path)
    assert f'{ann_file} | sample {sid!r} | field {field!r}' in message
    assert f'[{problem}]' in message
    # Nothing was trained: no checkpoint was written.
    assert not (tmp_path / 'work' / 'epoch_1.pth').exists()


def test_train_refuses_duplicate_id(tmp_path):
    data = _data()
    first, second = data['split']['train'][:2]
    for sample in data['annotations']:
        if sample['frame_dir'] == second:
            sample['frame_dir'] = first
    config, ann_file = _write(tmp_path, data)
    message = _refusal(config, tmp_path)
    assert f"sample {first!r} | field 'frame_dir'" in message
    assert '[duplicate_id]' in message


def test_train_refuses_split_id_without_annotation(tmp_path):
    data = _data()
    data['split']['train'].append('S999C001P001R001A001')
    config, ann_file = _write(tmp_path, data)
    message = _refusal(config, tmp_path)
    assert ("sample 'S999C001P001R001A001' | field 'split.train'" in message)
    assert '[split_missing_id]' in message


def test_nan_loss_stops_training_by_default(tmp_path):
    """With validation off, a NaN clip reaches the model: the
    config's NonFiniteLossHook stops the run at that batch, naming its
    samples, before any checkpoint."""
    data = _data()
    sid, sample = _first_train(data)
    sample['keypoint'][:] = np.nan
    config, _ = _write(tmp_path, data, dataset_extra=', validate=False')
    with pytest.raises(FloatingPointError, match='non-finite') as info:
        train_main([config, '--work-dir', str(tmp_path / 'work')])
    assert sid in str(info.value)
    assert not (tmp_path / 'work' / 'epoch_1.pth').exists()
