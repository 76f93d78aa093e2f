# Copyright (c) aclnet-mm contributors. All rights reserved.
import mmengine
import numpy as np
import pytest
from mmaction.datasets import PoseDataset
from mmengine.registry import init_default_scope
from tool_scripts import load_tool

_synthetic = load_tool('data/synthetic.py')
dump_synthetic_skeleton_dataset = _synthetic.dump_synthetic_skeleton_dataset
make_synthetic_skeleton_dataset = _synthetic.make_synthetic_skeleton_dataset


@pytest.fixture(autouse=True)
def mmaction_scope():
    init_default_scope('mmaction')


def _spectrum_features(anno):
    # Magnitude spectrum over time: blind to each sample's random start
    # phase and global offset, so it shows the class motion alone.
    kp = anno['keypoint'].astype(np.float64)
    spec = np.abs(np.fft.rfft(kp - kp.mean(1, keepdims=True), axis=1))
    return spec[:, 1:5].reshape(-1)


def test_shapes_dtypes_3d():
    data = make_synthetic_skeleton_dataset()
    assert set(data) == {'split', 'annotations', 'classes'}
    assert len(data['annotations']) == 4 * 8
    assert data['classes'] == ['class_0', 'class_1', 'class_2', 'class_3']
    for anno in data['annotations']:
        assert anno['keypoint'].shape == (2, 32, 25, 3)
        assert anno['keypoint'].dtype == np.float32
        assert anno['total_frames'] == 32
        assert 'keypoint_score' not in anno
        assert 'img_shape' not in anno
        assert isinstance(anno['label'], int)
        assert np.isfinite(anno['keypoint']).all()
        # Every person is present in every frame.
        assert (np.abs(anno['keypoint']).sum(-1) > 0).all()
    labels = [anno['label'] for anno in data['annotations']]
    assert np.bincount(labels).tolist() == [8, 8, 8, 8]


def test_shapes_dtypes_2d():
    data = make_synthetic_skeleton_dataset(
        num_classes=3,
        samples_per_class=4,
        num_frames=20,
        num_persons=1,
        coord_dim=2,
        layout='coco',
        num_joints=17,
        min_frames=10,
        img_shape=(480, 640))
    lengths = set()
    for anno in data['annotations']:
        num_frames = anno['total_frames']
        lengths.add(num_frames)
        assert 10 <= num_frames <= 20
        assert anno['keypoint'].shape == (1, num_frames, 17, 2)
        assert anno['keypoint_score'].shape == (1, num_frames, 17)
        assert anno['keypoint_score'].dtype == np.float32
        assert ((anno['keypoint_score'] >= 0.5) &
                (anno['keypoint_score'] <= 1)).all()
        assert anno['img_shape'] == (480, 640)
        assert anno['original_shape'] == (480, 640)
        # The body sits inside the frame: x in [0, W), y in [0, H).
        assert (anno['keypoint'][..., 0] > 0).all()
        assert (anno['keypoint'][..., 0] < 640).all()
        assert (anno['keypoint'][..., 1] > 0).all()
        assert (anno['keypoint'][..., 1] < 480).all()
    assert len(lengths) > 1


def test_with_score_switch():
    data = make_synthetic_skeleton_dataset(
        num_classes=2, samples_per_class=2, with_score=True)
    assert data['annotations'][0]['keypoint_score'].shape == (2, 32, 25)
    data = make_synthetic_skeleton_dataset(
        num_classes=2, samples_per_class=2, coord_dim=2, with_score=False)
    assert 'keypoint_score' not in data['annotations'][0]


def test_determinism():
    first = make_synthetic_skeleton_dataset(seed=3)
    second = make_synthetic_skeleton_dataset(seed=3)
    other = make_synthetic_skeleton_dataset(seed=4)
    assert first['split'] == second['split']
    for a, b, c in zip(first['annotations'], second['annotations'],
                       other['annotations']):
        assert a['frame_dir'] == b['frame_dir']
        assert a['label'] == b['label']
        np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
        assert not np.allclose(a['keypoint'], c['keypoint'])


@pytest.mark.parametrize('prefix', ['', 'xsub_'])
def test_splits_disjoint_and_complete(prefix):
    data = make_synthetic_skeleton_dataset(
        samples_per_class=10,
        split_ratios=(0.6, 0.2, 0.2),
        split_prefix=prefix)
    names = [prefix + 'train', prefix + 'val', prefix + 'test']
    assert sorted(data['split']) == sorted(names)
    ids = [set(data['split'][name]) for name in names]
    assert ids[0].isdisjoint(ids[1])
    assert ids[0].isdisjoint(ids[2])
    assert ids[1].isdisjoint(ids[2])
    all_ids = [anno['frame_dir'] for anno in data['annotations']]
    assert len(set(all_ids)) == len(all_ids)
    assert set().union(*ids) == set(all_ids)
    label_of = {a['frame_dir']: a['label'] for a in data['annotations']}
    for name, count in zip(names, (6, 2, 2)):
        per_class = np.bincount([label_of[i] for i in data['split'][name]])
        assert per_class.tolist() == [count] * 4


def test_bad_arguments():
    with pytest.raises(ValueError, match='joints'):
        make_synthetic_skeleton_dataset(layout='coco', num_joints=25)
    with pytest.raises(ValueError, match='coord_dim'):
        make_synthetic_skeleton_dataset(coord_dim=4)
    with pytest.raises(ValueError, match='split_ratios'):
        make_synthetic_skeleton_dataset(split_ratios=(0.8, 0.4, 0.0))
    with pytest.raises(ValueError, match='.pkl'):
        dump_synthetic_skeleton_dataset('data.json')


def test_classes_separable():
    data = make_synthetic_skeleton_dataset(samples_per_class=10)
    train = set(data['split']['train'])
    feats = np.stack([_spectrum_features(a) for a in data['annotations']])
    labels = np.array([a['label'] for a in data['annotations']])
    is_train = np.array([a['frame_dir'] in train for a in data['annotations']])
    centroids = np.stack(
        [feats[is_train & (labels == k)].mean(0) for k in range(4)])
    dist = ((feats[~is_train, None] - centroids[None])**2).sum(-1)
    assert (dist.argmin(1) == labels[~is_train]).all()


def _pipeline_3d():
    return [
        dict(type='PreNormalize3D'),
        dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=16),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]


def test_loads_through_pose_dataset_3d(tmp_path):
    path = dump_synthetic_skeleton_dataset(
        str(tmp_path / 'sub' / 'synthetic_3d.pkl'), split_prefix='xsub_')
    assert path.endswith('synthetic_3d.pkl')
    data = make_synthetic_skeleton_dataset(split_prefix='xsub_')
    dataset = PoseDataset(path, _pipeline_3d(), split='xsub_train')
    assert len(dataset) == len(data['split']['xsub_train']) == 16
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (1, 2, 16, 25, 3)
    assert sample['data_samples'].gt_label.item() == 0
    val = PoseDataset(path, _pipeline_3d(), split='xsub_val', test_mode=True)
    assert len(val) == 8
    # The stored arrays survive the pickle unchanged.
    stored = mmengine.load(path)
    np.testing.assert_array_equal(stored['annotations'][5]['keypoint'],
                                  data['annotations'][5]['keypoint'])


def test_loads_through_pose_dataset_2d(tmp_path):
    path = dump_synthetic_skeleton_dataset(
        str(tmp_path / 'synthetic_2d.pkl'),
        num_joints=17,
        layout='coco',
        coord_dim=2,
        num_persons=1)
    pipeline = [
        dict(type='PreNormalize2D'),
        dict(type='GenSkeFeat', dataset='coco', feats=['j', 'b']),
        dict(type='UniformSampleFrames', clip_len=8, num_clips=2),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    dataset = PoseDataset(path, pipeline, split='test', test_mode=True)
    assert len(dataset) == 8
    sample = dataset[7]
    # x, y, score for joints and bones; the second person is zero padding.
    assert tuple(sample['inputs'].shape) == (2, 2, 8, 17, 6)
    assert sample['inputs'][:, 1].abs().sum() == 0
    assert sample['data_samples'].gt_label.item() == 3
    # PreNormalize2D maps the image onto [-1, 1].
    assert sample['inputs'][:, 0, ..., :2].abs().max() < 1
