# Copyright (c) aclnet-mm contributors. All rights reserved.
import importlib.util
import os.path as osp

import mmengine
import numpy as np
import pytest
from tool_scripts import load_tool

_ntu = load_tool('data/ntu/gen_ntu_rgbd_raw.py')
SkeletonFormatError = _ntu.SkeletonFormatError
convert_ntu_rgbd = _ntu.convert_ntu_rgbd
load_missing_skeletons = _ntu.load_missing_skeletons
ntu_splits = _ntu.ntu_splits
parse_ntu_name = _ntu.parse_ntu_name
read_ntu_skeleton = _ntu.read_ntu_skeleton
select_bodies = _ntu.select_bodies

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))


def _joints(seed, scale=1.):
    """25 x 3 positions with 4 decimals (as written in the file)."""
    rng = np.random.RandomState(seed)
    return np.round(rng.uniform(-1, 1, (25, 3)) * scale, 4) + 2.


def _write_skeleton(path, frames, bad_joint=None):
    """Write the official .skeleton text: frames is a list of lists of
    (25, 3) arrays; ``bad_joint=(t, m, v)`` drops a value of that joint."""
    lines = [str(len(frames))]
    for t, bodies in enumerate(frames):
        lines.append(str(len(bodies)))
        for m, joints in enumerate(bodies):
            lines.append(f'7205759403792{m:04d} 0 1 1 1 1 0 -0.2 0.3 2')
            lines.append('25')
            for v, (x, y, z) in enumerate(joints):
                values = [
                    f'{x:.4f}', f'{y:.4f}', f'{z:.4f}', '250.1', '180.2',
                    '1000.3', '560.4', '-0.1', '0.2', '0.9', '0.05', '2'
                ]
                if bad_joint == (t, m, v):
                    values = values[:-1]
                lines.append(' '.join(values))
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


@pytest.fixture
def ntu_dir(tmp_path):
    data = {}
    # One body, 3 frames; performer 1 (xsub train), camera 1 (xview val).
    data['S001C001P001R001A001'] = [[_joints(t)] for t in range(3)]
    # Three bodies. The energy is the std over frames and joints, so
    # spatial spread counts as well as motion: slot 0 is small and still,
    # slot 1 mid-sized and slow, slot 2 large and fast.
    still = _joints(10, scale=0.01)
    frames = []
    for t in range(3):
        frames.append(
            [still,
             _joints(20, scale=0.3) + 0.1 * t,
             _joints(30) + 1.0 * t])
    data['S001C002P003R002A013'] = frames
    # Second body appears in frame 1 only; performer 3 -> xsub val.
    data['S002C003P003R001A050'] = [[_joints(40)],
                                    [_joints(41),
                                     _joints(42, scale=0.1)], [_joints(43)]]
    # NTU120-only sample (setup 18 > 17).
    data['S018C001P008R001A061'] = [[_joints(50)], [_joints(51)]]
    for name, frames in data.items():
        _write_skeleton(tmp_path / f'{name}.skeleton', frames)
    # On the official missing-skeleton list: must be skipped and counted.
    _write_skeleton(tmp_path / 'S001C002P005R002A008.skeleton',
                    [[_joints(60)]])
    # Malformed: joint 7 of body 0 in frame 1 has 11 values.
    _write_skeleton(
        tmp_path / 'S003C001P002R002A002.skeleton',
        [[_joints(70)], [_joints(71)]],
        bad_joint=(1, 0, 7))
    return tmp_path, data


def test_parse_name():
    assert parse_ntu_name('S017C003P020R002A060.skeleton') == (17, 3, 20, 2,
                                                               60)
    with pytest.raises(SkeletonFormatError, match='file name'):
        parse_ntu_name('S1C1P1R1A1.skeleton')


def test_missing_skeleton_lists():
    ntu60 = load_missing_skeletons('ntu60')
    ntu120 = load_missing_skeletons('ntu120')
    assert len(ntu60) == 302 and len(ntu120) == 535
    assert 'S001C002P005R002A008' in ntu60
    assert ntu60 <= ntu120
    assert all(len(name) == 20 for name in ntu120)


def test_read_and_select(ntu_dir):
    root, data = ntu_dir
    raw = read_ntu_skeleton(root / 'S001C002P003R002A013.skeleton')
    assert raw.shape == (4, 3, 25, 3)
    for m in range(3):
        for t in range(3):
            np.testing.assert_allclose(raw[m, t],
                                       data['S001C002P003R002A013'][t][m])
    assert not raw[3].any()
    kept = select_bodies(raw, 2)
    # Slot 2 (moves 1.0 per frame) then slot 1 (0.1 per frame).
    np.testing.assert_array_equal(kept[0], raw[2])
    np.testing.assert_array_equal(kept[1], raw[1])
    # Hand-computed energy ordering agrees with a direct std.
    energies = [raw[m].std(axis=(0, 1)).sum() for m in range(3)]
    assert energies[2] > energies[1] > energies[0]


def test_convert_raise_names_file_line_field(ntu_dir):
    root, _ = ntu_dir
    with pytest.raises(SkeletonFormatError) as info:
        convert_ntu_rgbd(root, progress=False)
    err = info.value
    assert err.file.endswith('S003C001P002R002A002.skeleton')
    # 1 count line; frame 0: 1 + 1 + 1 + 25 lines; frame 1: 3 lines, then
    # joints 0..7 -> line 1 + 28 + 3 + 8 = 40.
    assert err.line == 40
    assert err.field == 'jointInfo (frame 1, body 0, joint 7)'
    assert 'expected 12 value(s), found 11' in str(err)


def test_convert_ntu60_skip(ntu_dir, tmp_path_factory):
    root, data = ntu_dir
    out = tmp_path_factory.mktemp('out') / 'ntu60_3d.pkl'
    result = convert_ntu_rgbd(
        root, 'ntu60', out_file=out, on_error='skip', progress=False)
    assert result.ignored == ['S001C002P005R002A008']
    assert len(result.errors) == 1
    assert 'S003C001P002R002A002' in result.errors[0].file
    assert '1 malformed input(s) skipped' in result.summary()

    dumped = mmengine.load(str(out))
    annos = {a['frame_dir']: a for a in dumped['annotations']}
    assert sorted(annos) == [
        'S001C001P001R001A001', 'S001C002P003R002A013', 'S002C003P003R001A050'
    ]
    one = annos['S001C001P001R001A001']
    assert one['label'] == 0 and one['total_frames'] == 3
    assert one['keypoint'].shape == (1, 3, 25, 3)
    assert one['keypoint'].dtype == np.float32
    expected = np.stack([data['S001C001P001R001A001'][t][0] for t in range(3)])
    np.testing.assert_allclose(one['keypoint'][0], expected, rtol=1e-6)

    three = annos['S001C002P003R002A013']
    assert three['label'] == 12 and three['keypoint'].shape == (2, 3, 25, 3)
    np.testing.assert_allclose(
        three['keypoint'][0, 2], data['S001C002P003R002A013'][2][2], rtol=1e-6)

    late = annos['S002C003P003R001A050']
    assert late['label'] == 49 and late['keypoint'].shape == (2, 3, 25, 3)
    # The second body exists in frame 1 only and is the smaller one, so
    # it comes second; its other frames are zero.
    assert not late['keypoint'][1, 0].any()
    np.testing.assert_allclose(
        late['keypoint'][1, 1], data['S002C003P003R001A050'][1][1], rtol=1e-6)

    split = dumped['split']
    assert split['xsub_train'] == ['S001C001P001R001A001']
    assert split['xsub_val'] == [
        'S001C002P003R002A013', 'S002C003P003R001A050'
    ]
    assert split['xview_train'] == [
        'S001C002P003R002A013', 'S002C003P003R001A050'
    ]
    assert split['xview_val'] == ['S001C001P001R001A001']


def test_convert_ntu120_splits(ntu_dir):
    root, _ = ntu_dir
    result = convert_ntu_rgbd(root, 'ntu120', on_error='skip', progress=False)
    names = [a['frame_dir'] for a in result.annotations['annotations']]
    assert 'S018C001P008R001A061' in names
    labels = {
        a['frame_dir']: a['label']
        for a in result.annotations['annotations']
    }
    assert labels['S018C001P008R001A061'] == 60
    # Class names in the pickle: NTU's action ids, label 60 is A061.
    classes = result.annotations['classes']
    assert len(classes) == 120 and classes[60] == 'A061'
    split = result.annotations['split']
    assert set(split) == {'xsub_train', 'xsub_val', 'xset_train', 'xset_val'}
    # Performer 8 trains in both NTU60 and NTU120 cross-subject.
    assert 'S018C001P008R001A061' in split['xsub_train']
    # Setup parity: even setups train.
    assert split['xset_train'] == [
        'S002C003P003R001A050', 'S018C001P008R001A061'
    ]
    assert split['xset_val'] == [
        'S001C001P001R001A001', 'S001C002P003R002A013'
    ]


def test_ntu_splits_rules():
    split = ntu_splits(['S001C001P045R001A001', 'S002C002P045R001A001'],
                       'ntu120')
    assert split['xsub_train'] == [
        'S001C001P045R001A001', 'S002C002P045R001A001'
    ]
    assert split['xset_train'] == ['S002C002P045R001A001']
    split60 = ntu_splits(['S001C003P045R001A001'], 'ntu60')
    assert split60['xsub_val'] == ['S001C003P045R001A001']
    assert split60['xview_train'] == ['S001C003P045R001A001']


def test_cli(ntu_dir, tmp_path_factory, capsys):
    root, _ = ntu_dir
    spec = importlib.util.spec_from_file_location(
        'gen_ntu_rgbd_raw',
        osp.join(ROOT, 'tools', 'data', 'ntu', 'gen_ntu_rgbd_raw.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path_factory.mktemp('cli') / 'ntu.pkl'
    ignored = tmp_path_factory.mktemp('lst') / 'ignored.txt'
    ignored.write_text('# none of ours\nS001C001P001R001A001\n')
    code = tool.main([
        '--data-path',
        str(root), '--out-file',
        str(out), '--skip-malformed', '--no-progress', '--ignored-sample-path',
        str(ignored)
    ])
    assert code == 1  # a malformed file was skipped
    text = capsys.readouterr().out
    assert '1 samples ignored on purpose' in text
    assert 'line 40' in text
    names = [a['frame_dir'] for a in mmengine.load(str(out))['annotations']]
    # The custom list replaces the official one.
    assert 'S001C001P001R001A001' not in names
    assert 'S001C002P005R002A008' in names
