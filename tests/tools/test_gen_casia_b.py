# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The CASIA-B conversion CLI, on a synthetic GaitGraph pose CSV."""
import os.path as osp
import pickle
import subprocess
import sys

from tool_scripts import load_tool

write_synthetic_gaitgraph_csv = load_tool(
    'data/casia_b/synthetic_casia_b.py').write_synthetic_gaitgraph_csv

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_gait_cli_writes_subject_splits(tmp_path):
    csv_file = write_synthetic_gaitgraph_csv(
        str(tmp_path / 'poses.csv'),
        num_subjects=5,
        views=(0, 90),
        frames=(30, 40))
    out_file = str(tmp_path / 'gait.pkl')
    result = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'data', 'casia_b', 'gen_casia_b.py'), 'gait',
        '--src', csv_file, '--out-file', out_file, '--val-subjects', '4',
        '--min-frames', '32', '--short', 'drop'
    ],
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert 'written to' in result.stdout
    with open(out_file, 'rb') as file:
        data = pickle.load(file)
    subjects = {a['frame_dir']: a['subject'] for a in data['annotations']}
    # 5 subjects x 10 walks x 2 views, minus walks under 32 frames.
    assert 0 < len(subjects) <= 100
    assert all(a['total_frames'] >= 32 for a in data['annotations'])
    val = {subjects[name] for name in data['split']['val']}
    train_dev = {subjects[name] for name in data['split']['train_dev']}
    assert val == {4}
    assert train_dev == {1, 2, 3, 5}
    assert not set(data['split']['val']) & set(data['split']['train_dev'])
