# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The paper-protocol sibling of every ACLNet benchmark config, resolved.

Each ``configs/aclnet/paper_protocol/*`` config must be its benchmark
config with only the protocol changed: the whole training split, validation
on the test split, PYSKL's test-time frames, the last and the best
checkpoint tested. (The benchmark configs themselves are built and run by
test_all_configs.py; these differ from them only in the datasets and the
sampler, checked here.)
"""
import glob
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from aclnet_mm.datasets.transforms import PysklUniformSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ACLNET = osp.join(REPO, 'configs', 'aclnet')
BENCHMARKS = sorted(
    osp.basename(path)
    for path in glob.glob(osp.join(ACLNET, 'aclnet_aclgcn_*.py'))
    if 'embedded' not in path)


def _paper_name(name):
    stem, dim = name.rsplit('-keypoint-', 1)
    return f'{stem}-paper-protocol-keypoint-{dim}'


def _samplers(pipeline, type_name):
    return [t for t in pipeline if t['type'] == type_name]


def _without_samplers(pipeline):
    return [
        t for t in pipeline
        if t['type'] not in ('UniformSampleFrames', 'PysklUniformSample')
    ]


def test_one_paper_config_per_benchmark():
    assert len(BENCHMARKS) == 48
    papers = sorted(
        osp.basename(path)
        for path in glob.glob(osp.join(ACLNET, 'paper_protocol', '*.py')))
    assert papers == sorted(_paper_name(name) for name in BENCHMARKS)


@pytest.mark.parametrize('name', BENCHMARKS)
def test_paper_protocol_resolved(name):
    ours = Config.fromfile(osp.join(ACLNET, name))
    paper = Config.fromfile(
        osp.join(ACLNET, 'paper_protocol', _paper_name(name)))
    train_split = ours.train_dataloader.dataset.split
    test_split = ours.test_dataloader.dataset.split
    # Ours: carve 5 % of the training split for validation.
    assert ours.train_dataloader.dataset.carve == 'train'
    assert ours.val_dataloader.dataset.carve == 'val'
    assert ours.val_dataloader.dataset.split == train_split

    # Paper: the whole training split ...
    train = paper.train_dataloader.dataset
    assert (train.carve, train.split) == (None, train_split)
    assert train.ann_file == ours.train_dataloader.dataset.ann_file
    assert train.pipeline == ours.train_dataloader.dataset.pipeline
    # ... validation on the test split, best and last both tested.
    val = paper.val_dataloader.dataset
    assert (val.carve, val.split, val.test_mode) == (None, test_split, True)
    assert val.ann_file == paper.test_dataloader.dataset.ann_file
    assert paper.test_dataloader.dataset.split == test_split
    assert paper.default_hooks.checkpoint.save_best == 'acc/top1'
    assert paper.test_after_train == ('last', 'best')
    assert paper.train_cfg.val_interval == 1

    # The reference's frames at validation and test time, nothing else
    # changed in the pipelines.
    short = 'spaced' if ('k400' in name or 'finegym' in name) else 'random'
    for loader in ('val_dataloader', 'test_dataloader'):
        before = ours[loader].dataset.pipeline
        after = paper[loader].dataset.pipeline
        assert not _samplers(after, 'UniformSampleFrames')
        (old, ) = _samplers(before, 'UniformSampleFrames')
        (new, ) = _samplers(after, 'PysklUniformSample')
        assert new.short_clips == short
        assert new.get('seed', 255) == 255 and new.test_mode is True
        assert (new.clip_len, new.num_clips) == (old.clip_len, old.num_clips)
        assert after.index(new) == before.index(old)
        assert _without_samplers(after) == _without_samplers(before)
    assert _samplers(paper.test_dataloader.dataset.pipeline,
                     'PysklUniformSample')[0].num_clips == 10

    # Model, optimiser, schedule and hooks are the benchmark's.
    for key in ('model', 'optim_wrapper', 'param_scheduler', 'custom_hooks'):
        assert paper[key] == ours[key], key
    assert paper.train_cfg.max_epochs == ours.train_cfg.max_epochs


def test_paper_val_pipeline_runs():
    name = _paper_name(
        'aclnet_aclgcn_1xb16-joint-u100-150e_ntu60-xsub-keypoint-3d.py')
    cfg = Config.fromfile(osp.join(ACLNET, 'paper_protocol', name))
    with DefaultScope.overwrite_default_scope('mmaction'):
        transforms = Compose(cfg.val_dataloader.dataset.pipeline).transforms
    rng = np.random.default_rng(0)
    out = dict(
        keypoint=rng.normal(size=(2, 37, 25, 3)).astype(np.float32),
        total_frames=37,
        frame_dir='S001C001P001R001A001',
        label=0,
        start_index=0,
        modality='Pose')
    samplers = 0
    for transform in transforms:
        out = transform(out)
        if isinstance(transform, PysklUniformSample):
            samplers += 1
            # 37 frames, clip 100: a random start (UniformSampleDecode).
            expected = PysklUniformSample(
                clip_len=100, short_clips='random',
                test_mode=True)(dict(total_frames=37))['frame_inds']
            np.testing.assert_array_equal(out['frame_inds'], expected)
    assert samplers == 1
    assert out['inputs'].shape == (1, 2, 100, 25, 3)
