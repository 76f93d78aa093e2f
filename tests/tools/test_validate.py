# Copyright (c) aclnet-mm contributors. All rights reserved.
import os.path as osp
import subprocess
import sys

import mmengine
import numpy as np
from tool_scripts import REPO_ROOT, load_tool

main = load_tool('analysis_tools/validate_dataset.py').main


def _sample(name, label=0, joints=25):
    return dict(
        frame_dir=name,
        label=label,
        total_frames=3,
        keypoint=np.full((1, 3, joints, 3), 0.5, np.float32))


def _dump(tmp_path, annotations, split):
    path = str(tmp_path / 'ann.pkl')
    mmengine.dump(dict(split=split, annotations=annotations), path)
    return path


def test_good_pickle_exit_0(tmp_path, capsys):
    # Each class has a training sample (else empty_class).
    path = _dump(tmp_path,
                 [_sample('a'), _sample('b', 1),
                  _sample('c', 1)], dict(train=['a', 'b'], val=['c']))
    assert main([path, '--num-classes', '2', '--layout', 'nturgb+d']) == 0
    assert 'OK, 3 samples checked' in capsys.readouterr().out


def test_bad_pickle_lists_all_and_counts(tmp_path, capsys):
    annotations = [
        _sample('a'),
        _sample('b', label=5),
        _sample('c', joints=17),
        _sample('d', label=-1),
    ]
    path = _dump(tmp_path, annotations, dict(train=['a', 'b', 'c', 'x']))
    code = main([
        path, '--split', 'train', '--num-classes', '2', '--layout', 'nturgb+d'
    ])
    out = capsys.readouterr().out
    assert code == 1
    # Does not stop at the first problem: every one is listed.
    assert "sample 'b' | field 'label'" in out
    assert "sample 'c' | field 'keypoint'" in out
    assert "sample 'x' | field 'split.train'" in out
    # 'd' is not in the requested split, so it is not checked.
    assert "sample 'd'" not in out
    assert '3 problem(s) in 3 samples checked' in out
    assert 'label_range: 1' in out and 'layout_mismatch: 1' in out
    assert 'split_missing_id: 1' in out


def test_max_per_kind(tmp_path, capsys):
    annotations = [_sample(f's{i}', label=9) for i in range(5)]
    path = _dump(tmp_path, annotations, {})
    assert main([path, '--num-classes', '3', '--max-per-kind', '2']) == 1
    out = capsys.readouterr().out
    assert out.count('[label_range]') == 2
    assert 'label_range: 5 (3 not shown)' in out


def test_config_and_script_entry(tmp_path):
    path = _dump(tmp_path, [_sample('a', joints=17)], dict(train=['a']))
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(
        'model = dict(type="RecognizerGCN", backbone=dict(type="STGCN", '
        'graph_cfg=dict(layout="nturgb+d")), cls_head=dict(type="GCNHead", '
        'num_classes=60, in_channels=256))\n'
        'train_dataloader = dict(dataset=dict(type="PoseDataset", '
        f'ann_file={path!r}, split="train", pipeline=[]))\n')
    result = subprocess.run([
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'validate_dataset.py'),
        str(cfg)
    ],
                            capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert 'running_mean should contain 51 elements not 75' in result.stdout
    garbage = tmp_path / 'bad.pkl'
    garbage.write_text('hello')
    assert main([str(garbage)]) == 1


def test_new_kinds_named_by_cli(tmp_path, capsys):
    flat = _sample('flat')
    flat['keypoint'] = np.zeros((1, 3, 25, 2), np.float32)
    shaped = dict(_sample('hd'), img_shape=(1080, ))
    path = _dump(tmp_path, [_sample('a'), flat, shaped,
                            _sample('b', 1)],
                 dict(xsub_train=['a', 'b', 'hd'], xsub_test=['b', 'flat']))
    assert main([path]) == 1
    out = capsys.readouterr().out
    assert f"[mixed_dims] {path} | sample 'flat' | field 'keypoint'" in out
    assert f"[bad_img_shape] {path} | sample 'hd' | field 'img_shape'" in out
    assert (f"[split_overlap] {path} | sample 'b' | field "
            "'split.xsub_test'") in out
    assert 'mixed_dims: 1' in out and 'split_overlap: 1' in out


def test_config_problems_by_cli(tmp_path, capsys):
    # One training sample for each of the config's 60 classes.
    path = _dump(tmp_path, [_sample(f's{i}', i) for i in range(60)],
                 dict(train=[f's{i}' for i in range(60)]))
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(
        'model = dict(type="RecognizerGCN", backbone=dict(type="STGCN", '
        'graph_cfg=dict(layout="ntu")), cls_head=dict(type="GCNHead", '
        'num_classes=60, in_channels=256))\n'
        'train_dataloader = dict(dataset=dict(type="PoseDataset", '
        f'ann_file={path!r}, split="train", pipeline=[dict(type='
        '"GenSkeFeat", dataset="nturgb+d", feats=["j", "k"])]))\n')
    assert main([str(cfg)]) == 1
    out = capsys.readouterr().out
    field = "field 'model.backbone.graph_cfg.layout'"
    assert f'[unknown_layout] {cfg} | {field}' in out
    field = "field 'train_dataloader.dataset.pipeline[0].feats'"
    assert f'[unsupported_stream] {cfg} | {field}' in out
    # The pickle itself is fine and reported so.
    assert f'{path}: OK, 60 samples checked' in out
    broken = tmp_path / 'broken.py'
    broken.write_text('model = dict(\n')
    assert main([str(broken)]) == 1
    assert f'[config] {broken}: cannot be read' in capsys.readouterr().out
