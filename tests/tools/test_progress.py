# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Progress bars of the long-running tools go to stderr, reports to stdout."""
import numpy as np
from tool_scripts import load_tool

from aclnet_mm.datasets.validation import check_annotations

validate_main = load_tool('analysis_tools/validate_dataset.py').main


def _data(n=5):
    annotations = [
        dict(
            frame_dir=f's{i}',
            label=0,
            total_frames=4,
            keypoint=np.zeros((1, 4, 17, 2), np.float32),
            keypoint_score=np.ones((1, 4, 17), np.float32)) for i in range(n)
    ]
    return dict(
        split=dict(train=[a['frame_dir'] for a in annotations]),
        annotations=annotations)


def test_validator_progress_on_stderr(tmp_path, capsys):
    report = check_annotations(_data(), 'x.pkl', layout='coco', progress=True)
    assert report.ok
    err = capsys.readouterr().err
    assert '5/5' in err and err.endswith('\n')
    check_annotations(_data(), 'x.pkl', layout='coco')
    assert capsys.readouterr().err == ''

    import pickle
    path = tmp_path / 'd.pkl'
    path.write_bytes(pickle.dumps(_data(3)))
    assert validate_main([str(path), '--layout', 'coco']) == 0
    out, err = capsys.readouterr()
    assert '3/3' in err and '3/3' not in out and 'OK' in out
