# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Resuming with a longer schedule gives the LR of an uninterrupted run.

Real runs through ``tools/train.py``: 2 epochs, then ``--resume`` with
``train_cfg.max_epochs=3``, against 3 epochs straight. The learning rate
of every iteration after the resume (from the logged scalars) must agree;
without the hook MMEngine restores the 2-epoch scheduler and the LR stays
at 0 for the added epoch.
"""
import glob
import json
import os.path as osp
import pickle

import pytest
from tool_scripts import load_tool, write_text_runtime

make_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').make_synthetic_skeleton_dataset
train_main = load_tool('train.py').main

_CONFIG = """
_base_ = [{runtime!r}]
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN', in_channels=3, base_channels=4, num_stages=1,
        inflate_stages=[], down_stages=[],
        graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial')),
    cls_head=dict(type='GCNHead', num_classes=4, in_channels=4))
pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=4, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SkeletonPoseDataset', ann_file={ann_file!r},
                 pipeline=pipeline, split='train'))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
# Warm-up, then a cosine over the rest of the run (its end and T_max
# follow max_epochs).
param_scheduler = [
    dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=2),
    dict(type='CosineAnnealingLR', eta_min=0., by_epoch=True,
         convert_to_iter_based=True)
]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=0)
log_level = 'WARNING'
"""


@pytest.fixture(scope='module')
def config(tmp_path_factory):
    folder = tmp_path_factory.mktemp('resume')
    ann_file = str(folder / 'data.pkl')
    with open(ann_file, 'wb') as f:
        pickle.dump(
            make_synthetic_skeleton_dataset(
                num_classes=4, samples_per_class=4, num_frames=8), f)
    path = folder / 'tiny.py'
    path.write_text(
        _CONFIG.format(runtime=write_text_runtime(folder), ann_file=ann_file))
    return str(path)


def _lrs(work_dir):
    """Logged learning rate per iteration, over every run in work_dir."""
    lrs = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                entry = json.loads(line)
                if 'lr' in entry:
                    lrs[entry['step']] = entry['lr']
    return lrs


def test_resume_with_longer_schedule_matches_uninterrupted(config, tmp_path):
    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    longer = ['--cfg-options', 'train_cfg.max_epochs=3']
    train_main([config, '--work-dir', straight, *longer])
    train_main([config, '--work-dir', resumed])
    train_main([config, '--work-dir', resumed, '--resume', *longer])
    want, got = _lrs(straight), _lrs(resumed)
    assert sorted(want) == sorted(got) == list(range(1, 7))  # 2 iters/epoch
    # Epochs 1-2 ran under the 2-epoch schedule; from the resume on, the
    # LR is that of the uninterrupted 3-epoch run.
    for step in (5, 6):
        assert got[step] == pytest.approx(want[step], rel=1e-12, abs=1e-15)
    assert got[4] != pytest.approx(want[4])
    # The added epoch still anneals (it was frozen at 0 before the hook).
    assert got[5] > got[6] > 0


def test_refuse_mode_says_what_to_do(config, tmp_path):
    refusing = tmp_path / 'refusing.py'
    refusing.write_text(
        open(config).read() +
        "default_hooks['resume_schedule'] = dict(mode='refuse')\n")
    work_dir = str(tmp_path / 'run')
    train_main([str(refusing), '--work-dir', work_dir])
    with pytest.raises(
            RuntimeError,
            match='another parameter schedule.*'
            'CosineAnnealingLR.end: checkpoint 4, config 6.*load_from'):
        train_main([
            str(refusing), '--work-dir', work_dir, '--resume', '--cfg-options',
            'train_cfg.max_epochs=3'
        ])
    # The same schedule resumes without complaint.
    train_main([str(refusing), '--work-dir', work_dir, '--resume'])
