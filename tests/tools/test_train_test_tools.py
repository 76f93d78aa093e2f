# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``tools/train.py``, ``tools/test.py`` and ``tools/ensemble.py``.

The end-to-end tests run the tools in subprocesses exactly as a user would
(see ``conftest.py`` for the tiny STGCN config and synthetic data); the
argument handling is also checked in-process, where it is cheap.
"""
import glob
import json
import os.path as osp
import pickle
import re
import shutil

import mmengine
import numpy as np
import pytest
import torch
from mmengine.config import Config
from tool_scripts import load_tool

ensemble_tool, test_tool, train_tool = map(
    load_tool, ('ensemble.py', 'test.py', 'train.py'))

ITERS_PER_EPOCH = 4  # 16 training samples, batch size 4


def _val_scalars(work_dir):
    """The validation records of ``vis_data/scalars.json`` of each run."""
    records = []
    pattern = osp.join(work_dir, '*', 'vis_data', 'scalars.json')
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            records += [json.loads(line) for line in f if line.strip()]
    return [r for r in records if 'acc/top1' in r]


def _train_epochs(log):
    """Epoch numbers of the ``Epoch(train) [e][i/n]`` log lines."""
    epochs = re.findall(r'Epoch\(train\)\s+\[(\d+)\]', log)
    return sorted(set(map(int, epochs)))


def _metric_types(evaluator):
    return [metric['type'] for metric in evaluator]


def _load_checkpoint(path):
    # A checkpoint this test wrote itself; full unpickling is fine here.
    return torch.load(path, map_location='cpu', weights_only=False)


@pytest.fixture(scope='module')
def trained(tmp_path_factory, write_tiny_config, run_tool):
    """Two epochs of the joint stream, validated after each epoch."""
    root = tmp_path_factory.mktemp('joint')
    config = write_tiny_config(root / 'joint.py', feat='j', max_epochs=2)
    work_dir = str(root / 'work')
    log = run_tool('train', config, '--work-dir', work_dir)
    return dict(config=config, work_dir=work_dir, log=log, root=root)


def test_train_saves_checkpoints_and_validates(trained):
    work_dir = trained['work_dir']
    for epoch in (1, 2):
        assert osp.isfile(osp.join(work_dir, f'epoch_{epoch}.pth'))
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().strip() == osp.join(work_dir, 'epoch_2.pth')
    # save_best='auto' from our default runtime keeps the best epoch.
    assert glob.glob(osp.join(work_dir, 'best_acc_top1_epoch_*.pth'))

    records = _val_scalars(work_dir)
    assert [r['step'] for r in records] == [1, 2]
    for record in records:
        assert isinstance(record['acc/top1'], float)
        assert 0. <= record['acc/top1'] <= 1.
    assert _train_epochs(trained['log']) == [1, 2]

    meta = _load_checkpoint(osp.join(work_dir, 'epoch_2.pth'))['meta']
    assert meta['epoch'] == 2 and meta['iter'] == 2 * ITERS_PER_EPOCH

    # The runtime of configs/_base_/default_runtime.py reached the Runner.
    dumped = Config.fromfile(osp.join(work_dir, 'joint.py'))
    assert dumped.default_scope == 'mmaction'
    assert dumped.custom_imports.imports == ['aclnet_mm']
    assert dumped.launcher == 'none'


def test_bare_resume_continues_after_last_epoch(trained, tmp_path, run_tool):
    work_dir = str(tmp_path / 'work')
    shutil.copytree(trained['work_dir'], work_dir)
    log = run_tool('train', trained['config'], '--work-dir', work_dir,
                   '--resume', '--cfg-options', 'train_cfg.max_epochs=3')

    assert 'resumed epoch: 2' in log
    assert _train_epochs(log) == [3]
    # The scheduler state came back too: after the milestone at epoch 1 the
    # learning rate stays halved (a fresh scheduler would restart at 0.05).
    lrs = set(re.findall(r'Epoch\(train\)\s+\[3\].*?lr: (\S+)', log))
    assert lrs == {'2.5000e-02'}
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().strip() == osp.join(work_dir, 'epoch_3.pth')
    meta = _load_checkpoint(osp.join(work_dir, 'epoch_3.pth'))['meta']
    assert meta['epoch'] == 3 and meta['iter'] == 3 * ITERS_PER_EPOCH
    assert [r['step'] for r in _val_scalars(work_dir)][-1] == 3


def test_dump_two_streams_and_ensemble(trained, tiny_ann_file,
                                       write_tiny_config, run_tool):
    root = trained['root']
    checkpoint = osp.join(trained['work_dir'], 'epoch_2.pth')
    # A second stream: the same weights read bone features, which have the
    # same shape as joints; enough to give a different set of scores.
    bone_config = write_tiny_config(root / 'bone.py', feat='b')
    dumps = {}
    for name, config in (('joint', trained['config']), ('bone', bone_config)):
        dumps[name] = str(root / f'{name}.pkl')
        log = run_tool('test', config, checkpoint, '--work-dir',
                       str(root / f'test_{name}'), '--dump', dumps[name])
        assert 'acc/top1' in log

    annotations = mmengine.load(tiny_ann_file)
    test_ids = annotations['split']['test']
    by_id = {a['frame_dir']: a['label'] for a in annotations['annotations']}
    expected_labels = np.array([by_id[i] for i in test_ids])
    num_classes = len(annotations['classes'])

    scores = {}
    for name, path in dumps.items():
        with open(path, 'rb') as f:
            samples = pickle.load(f)
        assert len(samples) == len(test_ids)
        for sample in samples:
            assert tuple(sample['pred_score'].shape) == (num_classes, )
            # GCNHead averages the clip probabilities ('prob').
            assert float(sample['pred_score'].sum()) == pytest.approx(1.)
        labels = np.array([int(s['gt_label']) for s in samples])
        np.testing.assert_array_equal(labels, expected_labels)
        scores[name] = np.stack([s['pred_score'].numpy() for s in samples])
    assert not np.allclose(scores['joint'], scores['bone'])

    out = run_tool('ensemble', '--preds', dumps['joint'], dumps['bone'],
                   '--weights', '2', '1')
    printed = dict(
        re.findall(r'^(Top 1|Top 5|Mean Class) Accuracy: ([\d.]+)$', out,
                   re.M))
    fused = 2 * scores['joint'] + scores['bone']
    hits = fused.argmax(axis=1) == expected_labels
    assert float(printed['Top 1']) == pytest.approx(hits.mean(), abs=5e-5)
    # Four classes: the true class is always among the top five.
    assert float(printed['Top 5']) == 1.
    per_class = [hits[expected_labels == c].mean() for c in range(num_classes)]
    assert float(printed['Mean Class']) == pytest.approx(
        np.mean(per_class), abs=5e-5)

    # In-process, the tool returns the same numbers and names a bad file.
    report = ensemble_tool.main(
        ['--preds', dumps['joint'], dumps['bone'], '--weights', '2', '1'])
    assert report['top1'] == pytest.approx(hits.mean())
    with open(dumps['bone'], 'rb') as f:
        short = pickle.load(f)[:-1]
    short_path = str(root / 'short.pkl')
    mmengine.dump(short, short_path)
    with pytest.raises(ValueError, match=r'short\.pkl holds 7 samples'):
        ensemble_tool.main(['--preds', dumps['joint'], short_path])


# ---------------------------------------------------------------- arguments
def _train_cfg(tmp_path, write_tiny_config, *argv):
    config = write_tiny_config(tmp_path / 'cfg.py')
    args = train_tool.parse_args([config, *argv])
    return train_tool.merge_args(Config.fromfile(config), args)


def test_train_merge_args(tmp_path, write_tiny_config):
    cfg = _train_cfg(tmp_path, write_tiny_config)
    assert cfg.work_dir == osp.join('./work_dirs', 'cfg')
    assert cfg.resume is False and cfg.load_from is None
    assert cfg.launcher == 'none'

    cfg = _train_cfg(tmp_path, write_tiny_config, '--resume')
    assert cfg.resume is True and cfg.load_from is None
    cfg = _train_cfg(tmp_path, write_tiny_config, '--resume', 'a/b.pth',
                     '--work-dir', 'wd')
    assert cfg.resume is True and cfg.load_from == 'a/b.pth'
    assert cfg.work_dir == 'wd'

    cfg = _train_cfg(tmp_path, write_tiny_config, '--no-validate', '--amp',
                     '--cfg-options', 'train_cfg.max_epochs=7')
    assert cfg.val_cfg is None and cfg.val_dataloader is None
    assert cfg.val_evaluator is None
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.train_cfg.max_epochs == 7

    # The tiny config sets ``randomness``; the flags only fill it when the
    # config does not.
    cfg = _train_cfg(tmp_path, write_tiny_config, '--seed', '3')
    assert cfg.randomness == dict(seed=0)
    cfg = _train_cfg(tmp_path, write_tiny_config, '--seed', '3',
                     '--deterministic', '--cfg-options', 'randomness=None')
    assert cfg.randomness is None  # --cfg-options is applied last
    args = train_tool.parse_args(['c.py', '--seed', '3', '--diff-rank-seed'])
    cfg = train_tool.merge_args(Config(dict(optim_wrapper=dict())), args)
    assert cfg.randomness == dict(
        seed=3, diff_rank_seed=True, deterministic=False)

    with pytest.raises(ValueError, match='auto_scale_lr'):
        _train_cfg(tmp_path, write_tiny_config, '--auto-scale-lr')
    cfg = Config.fromfile(osp.join(tmp_path, 'cfg.py'))
    cfg.auto_scale_lr = dict(enable=False, base_batch_size=8)
    args = train_tool.parse_args(['cfg.py', '--auto-scale-lr'])
    assert train_tool.merge_args(cfg, args).auto_scale_lr.enable is True


def test_test_merge_args_and_dump_metric(tmp_path, write_tiny_config):
    config = write_tiny_config(tmp_path / 'cfg.py')
    args = test_tool.parse_args(
        [config, 'ck.pth', '--dump', 'out.pkl', '--work-dir', 'wd'])
    cfg = test_tool.merge_args(Config.fromfile(config), args)
    assert cfg.load_from == 'ck.pth' and cfg.resume is False
    assert cfg.work_dir == 'wd'
    assert _metric_types(cfg.test_evaluator) == ['AccMetric', 'DumpResults']
    assert cfg.test_evaluator[-1]['out_file_path'] == 'out.pkl'

    single = Config(dict(test_evaluator=dict(type='AccMetric')))
    test_tool.add_dump_metric(single, 'x.pickle')
    assert _metric_types(single.test_evaluator) == ['AccMetric', 'DumpResults']
    wrapped = Config(
        dict(
            test_evaluator=dict(
                type='Evaluator', metrics=dict(type='AccMetric'))))
    test_tool.add_dump_metric(wrapped, 'x.pkl')
    assert wrapped.test_evaluator.type == 'Evaluator'
    assert _metric_types(
        wrapped.test_evaluator.metrics) == ['AccMetric', 'DumpResults']
    with pytest.raises(ValueError, match='.pkl'):
        test_tool.add_dump_metric(single, 'out.json')


def test_ensemble_rejects_mismatched_weights(capsys):
    with pytest.raises(SystemExit):
        ensemble_tool.parse_args(
            ['--preds', 'a.pkl', 'b.pkl', '--weights', '1'])
    assert '--weights has 1 values for 2 --preds' in capsys.readouterr().err
