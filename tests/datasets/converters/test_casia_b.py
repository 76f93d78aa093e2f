# Copyright (c) aclnet-mm contributors. All rights reserved.
import pickle

import numpy as np
import pytest
from tool_scripts import load_tool

from aclnet_mm.structures import get_layout

_casia_b = load_tool('data/casia_b/gen_casia_b.py')
SkeletonFormatError = _casia_b.SkeletonFormatError
casia_b_subject_splits = _casia_b.casia_b_subject_splits
convert_casia_b_gait = _casia_b.convert_casia_b_gait
convert_casia_b_tracklets = _casia_b.convert_casia_b_tracklets
convert_rao_casia_b = _casia_b.convert_rao_casia_b
cut_tracklets = _casia_b.cut_tracklets
fit_length = _casia_b.fit_length
parse_casia_b_name = _casia_b.parse_casia_b_name


def write_csv(path, sequences, extra_rows=()):
    """GaitGraph's CSV: a header, then image_name and 51 values per row."""
    lines = ['image_name,' + ','.join(f'v{i}' for i in range(51))]
    for name, frames in sequences.items():
        for frame_no, values in frames:
            lines.append(f'./{name}/{frame_no:06d}.jpg,' +
                         ','.join(f'{v:g}' for v in values))
    lines.extend(extra_rows)
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def frame(value):
    return np.full(51, float(value))


def test_parse_name():
    assert parse_casia_b_name('001-bg-01-018') == dict(
        subject=1, cond='bg', seq=1, view=18)
    with pytest.raises(ValueError):
        parse_casia_b_name('001-xx-01-018')


def test_gait_conversion_order_fields_and_splits(tmp_path):
    seqs = {
        # Rows out of order and with a gap (frame 3 rejected upstream).
        '001-nm-01-000': [(4, frame(4)), (1, frame(1)), (2, frame(2))],
        '075-cl-02-180': [(t, frame(10 + t)) for t in range(5)],
        '060-bg-01-090': [(t, frame(t)) for t in range(5)],
    }
    csv_file = write_csv(tmp_path / 'pose.csv', seqs)
    out = tmp_path / 'gait.pkl'
    result = convert_casia_b_gait(csv_file, str(out), min_frames=3)
    with open(out, 'rb') as f:
        data = pickle.load(f)
    annos = {a['frame_dir']: a for a in data['annotations']}
    first = annos['001-nm-01-000']
    assert first['keypoint'].shape == (1, 3, 17, 2)
    assert first['keypoint_score'].shape == (1, 3, 17)
    np.testing.assert_array_equal(first['keypoint'][0, :, 0, 0], [1, 2, 4])
    assert (first['subject'], first['cond'], first['seq'],
            first['view']) == (1, 'nm', 1, 0)
    assert first['label'] == 0 and first['img_shape'] == (240, 320)
    assert annos['075-cl-02-180']['label'] == 74
    assert data['split']['train'] == ['001-nm-01-000', '060-bg-01-090']
    assert data['split']['test'] == ['075-cl-02-180']
    assert data['split']['train_dev'] == ['001-nm-01-000']
    assert data['split']['val'] == ['060-bg-01-090']
    assert result.ignored == [] and result.errors == []


def test_short_sequence_policies(tmp_path):
    seqs = {
        '001-nm-01-000': [(t, frame(t)) for t in range(3)],
        '001-nm-02-000': [(t, frame(t)) for t in range(6)],
    }
    csv_file = write_csv(tmp_path / 'pose.csv', seqs)
    padded = convert_casia_b_gait(csv_file, min_frames=6).annotations
    short = padded['annotations'][0]
    assert short['total_frames'] == 6
    np.testing.assert_array_equal(short['keypoint'][0, :, 0, 0],
                                  [0, 1, 2, 1, 0, 1])
    dropped = convert_casia_b_gait(csv_file, min_frames=6, short='drop')
    assert [a['frame_dir']
            for a in dropped.annotations['annotations']] == ['001-nm-02-000']
    assert dropped.ignored == ['001-nm-01-000']
    kept = convert_casia_b_gait(csv_file, min_frames=6, short='keep')
    assert kept.annotations['annotations'][0]['total_frames'] == 3
    with pytest.raises(ValueError):
        convert_casia_b_gait(csv_file, short='crop')


def test_fit_length_and_tracklets():
    x = np.arange(4)
    np.testing.assert_array_equal(
        fit_length(x, 9), [0, 1, 2, 3, 2, 1, 0, 1, 2])
    np.testing.assert_array_equal(fit_length(np.arange(1), 3), [0, 0, 0])
    assert fit_length(x, 2) is x
    windows = cut_tracklets(np.arange(10), 3)
    assert [w.tolist() for w in windows] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert [w.tolist()
            for w in cut_tracklets(np.arange(10), 3, offset=2)] == [[2, 3, 4],
                                                                    [5, 6, 7]]


def test_malformed_rows_raise_or_skip(tmp_path):
    seqs = {'001-nm-01-000': [(0, frame(0))]}
    bad = [
        './001-nm-01-000/000001.jpg,1,2',
        './oops/000002.jpg,' + ','.join(['0'] * 51),
        './001-nm-01-000/000003.jpg,' + ','.join(['x'] * 51)
    ]
    csv_file = write_csv(tmp_path / 'pose.csv', seqs, bad)
    with pytest.raises(SkeletonFormatError) as err:
        convert_casia_b_gait(csv_file)
    assert err.value.line == 3 and 'columns' in str(err.value)
    result = convert_casia_b_gait(csv_file, on_error='skip', min_frames=1)
    assert [e.line for e in result.errors] == [3, 4, 5]
    assert [e.field
            for e in result.errors] == [None, 'image_name', 'keypoints']
    assert len(result.annotations['annotations']) == 1


def test_subject_splits():
    splits = casia_b_subject_splits(range(1, 125), range(1, 63))
    assert splits['train'] == list(range(1, 63))
    assert splits['test'] == list(range(63, 125))
    assert 'val' not in splits
    with pytest.raises(ValueError):
        casia_b_subject_splits(range(1, 10), range(1, 5), val_subjects=(7, ))


def test_tracklets_from_named_sequences():
    rng = np.random.default_rng(0)
    seqs = {
        '001-nm-01-000': rng.normal(size=(85, 14, 3)),
        '070-cl-02-036': rng.normal(size=(40, 14, 3)),
        '002-bg-01-018': rng.normal(size=(30, 14, 3)),
    }
    result = convert_casia_b_tracklets(seqs, length=40)
    annos = result.annotations['annotations']
    assert [a['frame_dir'] for a in annos
            ] == ['001-nm-01-000-w0', '001-nm-01-000-w1', '070-cl-02-036-w0']
    assert result.ignored == ['002-bg-01-018']
    # Root-relative: joint 0 is the origin in every frame.
    np.testing.assert_allclose(annos[1]['keypoint'][0, :, 0], 0)
    np.testing.assert_allclose(
        annos[1]['keypoint'][0] + seqs['001-nm-01-000'][40:80, :1],
        seqs['001-nm-01-000'][40:80],
        atol=1e-5)
    assert annos[2]['view'] == 36 and annos[2]['cond'] == 'cl'
    assert result.annotations['split']['test'] == ['070-cl-02-036-w0']


def write_rao_pool(folder, data, labels, prefix):
    folder.mkdir(parents=True)
    for axis, name in enumerate('xyz'):
        np.save(folder / f'{prefix}source_{name}_CASIA_B_4.npy',
                data[..., axis].reshape(-1, 14))
    np.save(folder / 'frame_id_CASIA_B_4.npy', labels)


def test_rao_tracklets(tmp_path):
    rng = np.random.default_rng(1)
    root = tmp_path / 'CASIA_B_match'
    train = rng.normal(size=(5, 4, 14, 3))
    write_rao_pool(root / '4' / 'CASIA_B_train_npy_data', train,
                   np.array([1, 1, 2, 2, 3]), '')
    tests = {}
    for cond in ('nm', 'bg', 'cl'):
        tests[cond] = rng.normal(size=(2, 4, 14, 3))
        write_rao_pool(root / '4' / 'CASIA_B_test_npy_data' / cond,
                       tests[cond], np.array([4, 5]), 't_')
    result = convert_rao_casia_b(str(root), length=4, val_subjects=(3, ))
    annos = {a['frame_dir']: a for a in result.annotations['annotations']}
    split = result.annotations['split']
    assert len(split['train']) == 5 and len(split['test']) == 6
    assert len(split['train_dev']) == 4 and len(split['val']) == 1
    first = annos[split['test_bg'][1]]
    assert (first['subject'], first['cond'], first['label']) == (5, 'bg', 4)
    assert first['keypoint'].shape == (1, 4, 14, 3)
    np.testing.assert_allclose(
        first['keypoint'][0],
        tests['bg'][1] - tests['bg'][1][:, :1],
        atol=1e-6)
    assert annos[split['train'][0]]['cond'] == 'all'
    # A missing axis file names the file.
    (root / '4' / 'CASIA_B_train_npy_data' / 'source_z_CASIA_B_4.npy').unlink()
    with pytest.raises(SkeletonFormatError, match='source_z'):
        convert_rao_casia_b(str(root), length=4)


def test_openpose14_layout():
    layout = get_layout('openpose14')
    assert layout.num_node == 14 and layout.center == 1
    edges = {tuple(sorted(e)) for e in layout.inward}
    assert edges == {(0, 1), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7),
                     (1, 8), (8, 9), (9, 10), (1, 11), (11, 12), (12, 13)}
