# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Fixtures for running ``tools/*`` as a user would, in subprocesses.

The model is MMAction2's real ``RecognizerGCN`` + ``STGCN`` + ``GCNHead``
at a tiny width, and the data is the real ``PoseDataset`` pipeline on a
synthetic NTU-layout pickle, so the tools exercise the whole stack.
"""
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, Optional

import pytest
from tool_scripts import REPO_ROOT, load_tool, write_text_runtime

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset

NUM_CLASSES = 4
SAMPLES_PER_CLASS = 8  # split 0.5 / 0.25 / 0.25: 16 train, 8 val, 8 test
BATCH_SIZE = 4

# ``{...}`` fields are filled by ``write_config``; everything else is a plain
# MMAction2 skeleton config.
_CONFIG = """
_base_ = [{runtime!r}]

model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        in_channels=3,
        base_channels=4,
        num_stages=2,
        inflate_stages=[],
        down_stages=[],
        graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial')),
    cls_head=dict(type='GCNHead', num_classes={num_classes}, in_channels=4))

ann_file = {ann_file!r}
feats = [{feat!r}]
train_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=feats),
    dict(type='UniformSampleFrames', clip_len=8),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='GenSkeFeat', dataset='nturgb+d', feats=feats),
    dict(type='UniformSampleFrames', clip_len=8, num_clips=2, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size={batch_size},
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='PoseDataset',
        ann_file=ann_file,
        pipeline=train_pipeline,
        split='train'))
val_dataloader = dict(
    batch_size={batch_size},
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PoseDataset',
        ann_file=ann_file,
        pipeline=test_pipeline,
        split='val',
        test_mode=True))
test_dataloader = dict(
    batch_size={batch_size},
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PoseDataset',
        ann_file=ann_file,
        pipeline=test_pipeline,
        split='test',
        test_mode=True))
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs={max_epochs}, val_begin=1,
    val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[1], gamma=0.5, by_epoch=True)
]
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
"""


@pytest.fixture(scope='session')
def tiny_ann_file(tmp_path_factory) -> str:
    """A synthetic 3D NTU-layout pickle with train / val / test splits."""
    path = str(tmp_path_factory.mktemp('data') / 'synthetic_ntu.pkl')
    return dump_synthetic_skeleton_dataset(
        path,
        num_classes=NUM_CLASSES,
        samples_per_class=SAMPLES_PER_CLASS,
        num_frames=16,
        seed=0)


@pytest.fixture(scope='session')
def write_tiny_config(tiny_ann_file, tmp_path_factory):
    """``write(path, feat='j', max_epochs=2)``: a tiny config for a stream."""
    runtime = write_text_runtime(tmp_path_factory.mktemp('runtime'))

    def write(path, feat: str = 'j', max_epochs: int = 2) -> str:
        with open(path, 'w') as f:
            f.write(
                _CONFIG.format(
                    runtime=runtime,
                    ann_file=tiny_ann_file,
                    feat=feat,
                    num_classes=NUM_CLASSES,
                    batch_size=BATCH_SIZE,
                    max_epochs=max_epochs))
        return str(path)

    return write


def _tool_env() -> Dict[str, str]:
    env = dict(os.environ)
    # A tiny model on a shared CI box: one thread per process is fastest.
    env['OMP_NUM_THREADS'] = '1'
    # dist_*.sh launch workers with this interpreter.
    env['PYTHON'] = sys.executable
    # Checkpoints must load without switching torch's safe loader off.
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    return env


@pytest.fixture(scope='session')
def run_tool():
    """``run(name_or_cmd, *args)``: run a tool from the repository root.

    A bare name such as ``'train'`` runs ``python tools/train.py`` with the
    test's interpreter; a list is run as it is. A non-zero exit fails the
    test with the tool's output. Returns the combined stdout and stderr.
    """

    def run(cmd, *args: str, env: Optional[Dict[str, str]] = None) -> str:
        if isinstance(cmd, str):
            cmd = [sys.executable, osp.join('tools', f'{cmd}.py')]
        cmd = [*cmd, *map(str, args)]
        proc = subprocess.run(
            cmd,
            cwd=REPO_ROOT,
            env={
                **_tool_env(),
                **(env or {})
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300)
        assert proc.returncode == 0, (
            f'{" ".join(cmd)} exited with {proc.returncode}:\n'
            f'{proc.stdout[-6000:]}')
        return proc.stdout

    return run
