# Copyright (c) aclnet-mm contributors. All rights reserved.
import importlib.util
import os.path as osp

import mmengine
import numpy as np
import pytest
from tool_scripts import load_tool

_pku = load_tool('data/pku_mmd/gen_pku_mmd.py')
SkeletonFormatError = _pku.SkeletonFormatError
convert_pku_mmd = _pku.convert_pku_mmd
read_pku_labels = _pku.read_pku_labels
read_pku_skeleton = _pku.read_pku_skeleton
read_pku_split = _pku.read_pku_split

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))


def _frames(seed, num_frames, second_from=None):
    """(T, 2, 25, 3) values; person 2 is zero before ``second_from``."""
    rng = np.random.RandomState(seed)
    data = np.round(rng.uniform(-1, 1, (num_frames, 2, 25, 3)), 5)
    if second_from is None:
        data[:, 1] = 0
    else:
        data[:second_from, 1] = 0
    return data


def _write_skeleton(path, frames, bad_row=None):
    rows = []
    for t, frame in enumerate(frames):
        values = [f'{v:.5f}' for v in frame.reshape(-1)]
        if t == bad_row:
            values = values[:-1]
        rows.append(' '.join(values))
    path.write_text('\n'.join(rows) + '\n')


@pytest.fixture
def pku_dir(tmp_path):
    ske, lab, spl = (tmp_path / n for n in ('Skeleton', 'Label', 'Split'))
    for d in (ske, lab, spl):
        d.mkdir()
    videos = {
        '0002-L': _frames(1, 10, second_from=5),
        '0002-M': _frames(2, 8),
        '0003-R': _frames(3, 6),
    }
    for name, frames in videos.items():
        _write_skeleton(ske / f'{name}.txt', frames)
    (lab / '0002-L.txt').write_text('3,0,3,1\n51,5,9,2\n')
    (lab / '0002-M.txt').write_text('1,2,20,1\n')  # end clipped to 7
    (lab / '0003-R.txt').write_text('7, 1, 4, 2\n\n')
    # Malformed: row 3 (line 4) of the skeleton has 149 values.
    _write_skeleton(ske / '0004-L.txt', _frames(4, 5), bad_row=3)
    (lab / '0004-L.txt').write_text('2,0,4,1\n')
    # Malformed label: action 52 does not exist.
    _write_skeleton(ske / '0004-M.txt', _frames(5, 5))
    (lab / '0004-M.txt').write_text('2,0,2,1\n52,3,4,1\n')
    (spl / 'cross-subject.txt').write_text(
        'Training videos: \n0002-L, 0002-M, 0004-L\n'
        'Validataion videos: \n0003-R, 0004-M\n')
    (spl / 'cross-view.txt').write_text(
        'Training videos: \n0002-M, 0004-M\n'
        'Validataion videos: \n0002-L, 0003-R, 0004-L\n')
    return tmp_path, videos


def test_readers(pku_dir):
    root, videos = pku_dir
    skeleton = read_pku_skeleton(root / 'Skeleton' / '0002-L.txt')
    assert skeleton.shape == (2, 10, 25, 3)
    np.testing.assert_allclose(skeleton,
                               videos['0002-L'].transpose(1, 0, 2, 3))
    actions = read_pku_labels(root / 'Label' / '0003-R.txt')
    assert [tuple(a[:4]) for a in actions] == [(7, 1, 4, 2)]
    train, val = read_pku_split(root / 'Split' / 'cross-subject.txt')
    assert train == ['0002-L', '0002-M', '0004-L']
    assert val == ['0003-R', '0004-M']


def test_errors_name_file_line_field(pku_dir):
    root, _ = pku_dir
    with pytest.raises(SkeletonFormatError) as info:
        read_pku_skeleton(root / 'Skeleton' / '0004-L.txt')
    assert info.value.line == 4 and info.value.field == 'skeleton row'
    assert 'found 149' in str(info.value)
    with pytest.raises(SkeletonFormatError) as info:
        read_pku_labels(root / 'Label' / '0004-M.txt')
    assert info.value.line == 2 and info.value.field == 'action_id'
    assert '0004-M.txt' in str(info.value)
    bad = root / 'bad_label.txt'
    bad.write_text('1,2,x,1\n')
    with pytest.raises(SkeletonFormatError, match="field 'end_frame'"):
        read_pku_labels(bad)
    with pytest.raises(SkeletonFormatError, match='line 4'):
        convert_pku_mmd(root / 'Skeleton', root / 'Label', progress=False)


def test_convert_skip_keeps_good(pku_dir, tmp_path_factory):
    root, videos = pku_dir
    out = tmp_path_factory.mktemp('out') / 'pku.pkl'
    result = convert_pku_mmd(
        root / 'Skeleton',
        root / 'Label',
        split_files=dict(
            xsub=str(root / 'Split' / 'cross-subject.txt'),
            xview=str(root / 'Split' / 'cross-view.txt')),
        out_file=out,
        on_error='skip',
        progress=False)
    assert sorted(osp.basename(e.file)
                  for e in result.errors) == ['0004-L.txt', '0004-M.txt']
    data = mmengine.load(str(out))
    annos = {a['frame_dir']: a for a in data['annotations']}
    assert sorted(annos) == [
        '0002-L_000', '0002-L_001', '0002-M_000', '0003-R_000'
    ]
    first = annos['0002-L_000']
    # Frames 0..3 inclusive; the second person is zero there: dropped.
    assert first['label'] == 2 and first['total_frames'] == 4
    assert first['keypoint'].shape == (1, 4, 25, 3)
    assert first['keypoint'].dtype == np.float32
    np.testing.assert_allclose(
        first['keypoint'][0], videos['0002-L'][0:4, 0], rtol=1e-6)
    second = annos['0002-L_001']
    assert second['label'] == 50 and second['keypoint'].shape == (2, 5, 25, 3)
    np.testing.assert_allclose(
        second['keypoint'][1], videos['0002-L'][5:10, 1], rtol=1e-6)
    clipped = annos['0002-M_000']
    assert clipped['total_frames'] == 6  # frames 2..7 of 8
    assert annos['0003-R_000']['label'] == 6

    assert data['classes'][50] == 'action_51' and len(data['classes']) == 51
    split = data['split']
    assert split['xsub_train'] == ['0002-L_000', '0002-L_001', '0002-M_000']
    assert split['xsub_val'] == ['0003-R_000']
    assert split['xview_train'] == ['0002-M_000']
    assert split['xview_val'] == ['0002-L_000', '0002-L_001', '0003-R_000']


def test_cli(pku_dir, tmp_path_factory, capsys):
    root, _ = pku_dir
    spec = importlib.util.spec_from_file_location(
        'gen_pku_mmd',
        osp.join(ROOT, 'tools', 'data', 'pku_mmd', 'gen_pku_mmd.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path_factory.mktemp('cli') / 'pku.pkl'
    code = tool.main([
        '--skeleton-dir',
        str(root / 'Skeleton'), '--label-dir',
        str(root / 'Label'), '--xsub-split',
        str(root / 'Split' / 'cross-subject.txt'), '--out-file',
        str(out), '--skip-malformed', '--no-progress'
    ])
    assert code == 1
    text = capsys.readouterr().out
    assert '4 samples written' in text and 'split xsub_train: 3' in text
    assert set(mmengine.load(str(out))['split']) == {'xsub_train', 'xsub_val'}
