# Copyright (c) aclnet-mm contributors. All rights reserved.
import csv
import importlib.util
import json
import os.path as osp

import mmengine
import numpy as np
import pytest
from mmaction.datasets import PoseDataset
from mmengine.registry import init_default_scope
from tool_scripts import load_tool

_kit = load_tool('data/embedded/prepare_pose_classification_kit.py')
convert_pose_classification_kit = _kit.convert_pose_classification_kit
find_pose_classification_kit = _kit.find_pose_classification_kit
load_body_recordings = _kit.load_body_recordings
make_body25_dataset = _kit.make_body25_dataset
split_boundaries = _kit.split_boundaries

if importlib.util.find_spec('pose_classification_kit') is None:
    pytest.skip(
        'pose-classification-kit is not installed (pip install --no-deps '
        'pose-classification-kit==1.1.5)',
        allow_module_level=True)

# Frames per class, counted in the kit's JSON files and CSV (10,681 rows).
FRAMES = {
    'MilitarySalute': 524, 'Plank': 535, 'PushUp_Low': 508, 'Seated': 606,
    'Squat': 552, 'Stand': 521, 'Stand_LeftArmRaised': 534,
    'Stand_RightArmRaised': 503, 'T': 503, 'Traffic_AllStop': 571,
    'Traffic_BackFrontStop': 516, 'Traffic_BackStop': 560,
    'Traffic_FrontStop': 528, 'Traffic_LeftTurn': 555,
    'Traffic_RightTurn': 521, 'Yoga_Tree_left': 580, 'Yoga_Tree_right': 502,
    'Yoga_UpwardSalute': 526, 'Yoga_Warrior2_left': 521,
    'Yoga_Warrior2_right': 515
}  # yapf: disable


@pytest.fixture(scope='module')
def recordings():
    return load_body_recordings()


@pytest.fixture(scope='module')
def data():
    return make_body25_dataset(window=24, stride=10)


def test_frames_per_class(recordings):
    assert [rec['name'] for rec in recordings] == sorted(FRAMES)
    for rec in recordings:
        num_frames = FRAMES[rec['name']]
        assert rec['keypoint'].shape == (num_frames, 25, 2)
        assert rec['score'].shape == (num_frames, 25)
        assert rec['keypoint'].dtype == rec['score'].dtype == np.float32
    assert sum(len(rec['keypoint']) for rec in recordings) == 10681


def test_missed_joints_are_zero_with_zero_score(recordings):
    keypoint = np.concatenate([rec['keypoint'] for rec in recordings])
    score = np.concatenate([rec['score'] for rec in recordings])
    missed = (keypoint == 0).all(-1)
    np.testing.assert_array_equal(missed, score == 0)
    assert 0.04 < missed.mean() < 0.06
    assert score[~missed].min() >= 0.05
    # Normalised coordinates: |x|, |y| <= 1.
    assert np.abs(keypoint).max() <= 1


def test_json_agrees_with_csv(recordings):
    folder = osp.join(find_pose_classification_kit(), 'datasets')
    with open(osp.join(folder, 'BodyPose_Dataset.csv')) as f:
        rows = list(csv.reader(f))[1:]
    by_name = {rec['name']: rec for rec in recordings}
    offset = 0
    for row_block in _blocks(rows):
        name = row_block[0][0]
        rec = by_name[name]
        values = np.array([[float(v) for v in r[2:]] for r in row_block])
        np.testing.assert_allclose(
            values.reshape(-1, 25, 2), rec['keypoint'], atol=1e-6)
        # The CSV's per-frame accuracy is the sum of the joint confidences.
        accuracy = np.array([float(r[1]) for r in row_block])
        np.testing.assert_allclose(
            accuracy, rec['score'].sum(1), rtol=1e-5, atol=1e-4)
        offset += len(row_block)
    assert offset == 10681


def _blocks(rows):
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][0] != rows[start][0]:
            yield rows[start:i]
            start = i


def test_split_boundaries():
    assert split_boundaries(100, (0.7, 0.1, 0.2)) == [0, 70, 80, 100]
    assert split_boundaries(606, (0.7, 0.1, 0.2)) == [0, 424, 484, 606]
    assert split_boundaries(10, (1, 1, 2)) == [0, 2, 5, 10]
    with pytest.raises(ValueError):
        split_boundaries(10, (0.5, 0.5))


def test_windows_respect_time_splits(data):
    assert len(data['classes']) == 20
    assert data['classes'] == sorted(FRAMES)
    seen = {}
    for anno in data['annotations']:
        name = data['classes'][anno['label']]
        start, stop = anno['source_frames']
        assert stop - start == anno['total_frames'] == 24
        bounds = split_boundaries(FRAMES[name], (0.7, 0.1, 0.2))
        part = ('train', 'val', 'test').index(anno['source_split'])
        # The window lies inside its split's time range.
        assert bounds[part] <= start and stop <= bounds[part + 1]
        assert anno['frame_dir'] in data['split'][anno['source_split']]
        seen.setdefault(name, []).append((start, part))
    for name, windows in seen.items():
        starts = [s for s, _ in windows]
        parts = [p for _, p in windows]
        # Per class: time order, train before val before test.
        assert starts == sorted(starts)
        assert parts == sorted(parts)
        assert set(parts) == {0, 1, 2}
        # No frame index belongs to windows of two splits.
        owner = {}
        for start, part in windows:
            for frame in range(start, start + 24):
                assert owner.setdefault(frame, part) == part
    ids = [set(ids) for ids in data['split'].values()]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert sum(map(len, ids)) == len(data['annotations'])


def test_window_counts(data):
    # Seated: 606 frames -> train [0, 424), val [424, 484), test [484, 606);
    # window 24, stride 10 -> 41, 4 and 10 windows.
    label = data['classes'].index('Seated')
    counts = {}
    for anno in data['annotations']:
        if anno['label'] == label:
            part = anno['source_split']
            counts[part] = counts.get(part, 0) + 1
    assert counts == dict(train=41, val=4, test=10)


def test_hand_checked_entries(data):
    by_id = {anno['frame_dir']: anno for anno in data['annotations']}
    # First CSV row: Seated, accuracy 19.5087, x0, y0, x1, y1 below.
    seated = by_id['Seated_0000']
    assert seated['keypoint'].shape == (1, 24, 25, 2)
    assert seated['keypoint_score'].shape == (1, 24, 25)
    np.testing.assert_allclose(
        seated['keypoint'][0, 0, :2],
        [[-0.06077636, 0.49755382], [-0.08536652, 0.36030531]],
        atol=1e-7)
    assert seated['keypoint_score'][0, 0].sum() == pytest.approx(
        19.508689880371094, abs=1e-4)
    # Plank's first frame (CSV row 4253): OpenPose missed the right eye,
    # the right ear and the right small toe (15, 17, 23).
    plank = by_id['Plank_0000']
    missed = np.flatnonzero(plank['keypoint_score'][0, 0] == 0)
    assert missed.tolist() == [15, 17, 23]
    np.testing.assert_array_equal(plank['keypoint'][0, 0, missed], 0)
    np.testing.assert_allclose(
        plank['keypoint'][0, 0, 0], [-0.49915037, 0.14407155], atol=1e-7)
    assert plank['keypoint_score'][0, 0, 0] == pytest.approx(0.84482664)
    # A window is the recording's frames start..start+23, e.g. Squat's
    # 5th window (start 40) against the raw JSON.
    root = find_pose_classification_kit()
    with open(osp.join(root, 'datasets', 'Body', 'Squat_body.json')) as f:
        entries = json.load(f)['data']
    squat = by_id['Squat_0040']
    for t in (0, 11, 23):
        entry = entries[40 + t]
        np.testing.assert_array_equal(squat['keypoint'][0, t, :, 0],
                                      np.float32(entry['x']))
        np.testing.assert_array_equal(squat['keypoint'][0, t, :, 1],
                                      np.float32(entry['y']))
        np.testing.assert_array_equal(squat['keypoint_score'][0, t],
                                      np.float32(entry['a']))


def test_binary_score():
    data = make_body25_dataset(window=32, binary_score=True)
    for anno in data['annotations'][:50]:
        score = anno['keypoint_score']
        assert set(np.unique(score)) <= {0.0, 1.0}
        np.testing.assert_array_equal(score == 0,
                                      (anno['keypoint'] == 0).all(-1))


def test_convert_round_trip_through_pose_dataset(tmp_path):
    out = str(tmp_path / 'embedded' / 'body25_2d.pkl')
    first = convert_pose_classification_kit(out, verbose=False)
    stored = mmengine.load(out)
    with open(tmp_path / 'embedded' / 'body25_2d_classes.txt') as f:
        assert f.read().split() == sorted(FRAMES)
    # Idempotent: a second run writes the same content.
    convert_pose_classification_kit(out, verbose=False)
    again = mmengine.load(out)
    assert again['split'] == stored['split'] == first['split']
    assert stored['classes'] == sorted(FRAMES)
    assert stored['meta']['layout'] == 'openpose_body25'
    np.testing.assert_array_equal(again['annotations'][7]['keypoint'],
                                  stored['annotations'][7]['keypoint'])

    init_default_scope('mmaction')
    pipeline = [
        dict(type='GenSkeFeat', dataset='openpose', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=16),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]
    sizes = {}
    for part in ('train', 'val', 'test'):
        dataset = PoseDataset(
            out, pipeline, split=part, test_mode=part != 'train')
        sizes[part] = len(dataset)
        assert sizes[part] == len(stored['split'][part])
    # Window 24, stride 24 (the defaults): 303 / 40 / 81 clips.
    assert sizes == dict(train=303, val=40, test=81)
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (1, 1, 16, 25, 3)
    assert sample['data_samples'].gt_label.item() == 0


def test_missing_package_message(tmp_path):
    with pytest.raises(FileNotFoundError, match='pip install --no-deps'):
        load_body_recordings(root=str(tmp_path))
