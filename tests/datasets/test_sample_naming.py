# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Loading failures name the sample, in the main process, in DataLoader
workers (real ``DataLoader``, ``num_workers=2``) and when a worker is
killed (real ``Runner``)."""
import os
import os.path as osp
import signal
import traceback
import uuid

import pytest
import torch
import torch.nn as nn
from mmaction.registry import DATASETS, TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from tool_scripts import load_tool

from aclnet_mm.datasets import (SampleLoadError, SkeletonPoseDataset,
                                WorkerCrashError, describe_dead_workers,
                                naming_dead_workers)

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset

TARGET = 'synthetic_c001_s002'


@TRANSFORMS.register_module(force=True)
class FailOnSampleForTest(BaseTransform):
    """Raises (or kills its process) on one ``frame_dir``; test only."""

    def __init__(self, frame_dir: str, kill: bool = False) -> None:
        self.frame_dir = frame_dir
        self.kill = kill

    def transform(self, results):
        if results['frame_dir'] == self.frame_dir:
            if self.kill:
                os.kill(os.getpid(), signal.SIGKILL)
            raise ValueError(f'cannot read {self.frame_dir}')
        return results


def _pipeline(kill=False):
    return [
        dict(type='UniformSampleFrames', clip_len=4, test_mode=True),
        dict(type='PoseDecode'),
        dict(type='FailOnSampleForTest', frame_dir=TARGET, kill=kill),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs', meta_keys=('frame_dir', ))
    ]


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    init_default_scope('mmaction')
    path = str(tmp_path_factory.mktemp('naming') / 'tiny_3d.pkl')
    return dump_synthetic_skeleton_dataset(
        path,
        num_classes=2,
        samples_per_class=4,
        num_frames=8,
        split_ratios=(1, 0, 0))


def _build(ann_file, **kwargs):
    kwargs.setdefault('split', 'train')
    kwargs.setdefault('validate', False)
    return SkeletonPoseDataset(
        ann_file=ann_file, pipeline=_pipeline(), **kwargs)


def _target_index(dataset):
    names = [
        dataset.get_data_info(i)['frame_dir'] for i in range(len(dataset))
    ]
    return names.index(TARGET)


def _release(error):
    """Free the frames of an error's tracebacks (and of its causes).

    They hold the ``DataLoader`` iterator in a reference cycle; left to the
    garbage collector, PyTorch's shutdown of its workers then waits 5 s per
    worker. Freed now, the iterator shuts them down at once.
    """
    while error is not None:
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__


def _assert_names_sample(message, index, ann_file):
    assert f'sample {index} ' in message
    assert f"frame_dir='{TARGET}'" in message
    assert ann_file in message
    assert 'in transform FailOnSampleForTest (step 3 of 5)' in message
    assert f'ValueError: cannot read {TARGET}' in message


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(validate=True, layout='nturgb+d', num_classes=2),
    dict(class_range=(0.5, 1)),
])
def test_main_process_error_names_sample(ann_file, kwargs):
    dataset = _build(ann_file, test_mode=True, **kwargs)
    index = _target_index(dataset)
    other = (index + 1) % len(dataset)
    assert dataset[other]['data_samples'].frame_dir != TARGET  # others load
    with pytest.raises(SampleLoadError) as info:
        dataset[index]
    err = info.value
    _assert_names_sample(str(err), index, ann_file)
    assert (err.index, err.ann_file, err.transform) == (index, ann_file,
                                                        'FailOnSampleForTest')
    assert err.sample_id == f"frame_dir='{TARGET}'"
    assert isinstance(err.__cause__, ValueError)  # chained original
    assert str(err.__cause__) == f'cannot read {TARGET}'


def test_same_output_as_pose_dataset(ann_file):
    """Step-by-step pipeline == MMAction2's ``PoseDataset`` + Compose."""
    plain = DATASETS.build(
        dict(
            type='PoseDataset',
            ann_file=ann_file,
            split='train',
            pipeline=_pipeline()))
    named = _build(ann_file)
    for index in (0, 1, 7):
        torch.manual_seed(index)
        expected = plain[index]
        torch.manual_seed(index)
        got = named[index]
        torch.testing.assert_close(got['inputs'], expected['inputs'])
        assert got['data_samples'].frame_dir == expected[
            'data_samples'].frame_dir


def test_annotation_read_failure_names_sample(ann_file, tmp_path):
    # Per-sample skeleton files under data_prefix: none exists.
    dataset = _build(
        ann_file, data_prefix=dict(skeleton=str(tmp_path)), test_mode=True)
    with pytest.raises(SampleLoadError) as info:
        dataset[3]
    message = str(info.value)
    assert 'sample 3 ' in message and "'synthetic_c000_s003'" in message
    assert 'while reading its annotation' in message and ann_file in message
    assert osp.join(str(tmp_path), 'synthetic_c000_s003.pkl') in message
    assert info.value.transform is None
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_worker_error_names_sample(ann_file):
    dataset = _build(ann_file, test_mode=True)
    index = _target_index(dataset)
    loader = Runner.build_dataloader(
        dict(
            dataset=dataset,
            batch_size=2,
            num_workers=2,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate')))
    with pytest.raises(SampleLoadError) as info:
        list(loader)
    message = str(info.value)
    # Rebuilt in the main process from the worker's text and traceback.
    assert 'in DataLoader worker process' in message
    _assert_names_sample(message, index, ann_file)
    assert 'The above exception was the direct cause' in message
    _release(info.value)


class MeanModel(BaseModel):
    """The smallest model the Runner trains on packed skeletons."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = torch.stack([x.float().mean() for x in inputs]) * self.scale
        return dict(loss=out.mean()) if mode == 'loss' else out


def test_killed_worker_names_sample(ann_file, tmp_path):
    runner = Runner(
        model=MeanModel(),
        work_dir=str(tmp_path / uuid.uuid4().hex),
        experiment_name=uuid.uuid4().hex,
        train_dataloader=dict(
            dataset=dict(
                type='SkeletonPoseDataset',
                validate=False,
                ann_file=ann_file,
                split='train',
                pipeline=_pipeline(kill=True)),
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=2,
            num_workers=2,
            # Poll the dead worker every second, not every 5 s.
            timeout=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        default_hooks=dict(checkpoint=None),
        log_level='WARNING',
        default_scope='mmaction')
    with pytest.raises(WorkerCrashError) as info:
        with naming_dead_workers(runner):
            runner.train()
    message = str(info.value)
    index = _target_index(runner.train_dataloader.dataset)
    # PyTorch's own text is kept: 'DataLoader worker (pid N) is killed by
    # signal' or, found when polling, '(pid(s) N) exited unexpectedly'.
    assert message.startswith('DataLoader worker (pid')
    assert (f'was in transform FailOnSampleForTest (step 3 of 5) on sample '
            f"{index} (frame_dir='{TARGET}') of {ann_file}") in message
    assert isinstance(info.value.__cause__, RuntimeError)
    _release(info.value)


def test_describe_dead_workers_reads_breadcrumbs(ann_file):
    first = _build(ann_file)
    second = _build(ann_file)
    # What workers 0-2 of the second dataset wrote (pid, index, step).
    second.breadcrumbs[0] = torch.tensor([4242, 5, 2])
    second.breadcrumbs[1] = torch.tensor([4343, 6, -1])
    second.breadcrumbs[2] = torch.tensor([4444, 7, 1 << 30])
    concat = DATASETS.build(
        dict(type='ConcatDataset', datasets=[first, second]))
    lines = describe_dead_workers(
        'DataLoader worker (pid 4242) is killed by signal: Segmentation '
        'fault.', [concat])
    assert lines == [
        'worker 0 (pid 4242) was in transform FailOnSampleForTest (step 3 of '
        f"5) on sample 5 (frame_dir='synthetic_c001_s001') of {ann_file}"
    ]
    lines = describe_dead_workers(
        'DataLoader worker (pid(s) 4343, 4444) exited unexpectedly', [concat])
    assert lines == [
        'worker 1 (pid 4343) was reading the annotation of sample 6 '
        f"(frame_dir='{TARGET}') of {ann_file}",
        'worker 2 (pid 4444) had finished sample 7 '
        f"(frame_dir='synthetic_c001_s003') of {ann_file}"
    ]
    assert describe_dead_workers('DataLoader worker (pid 1) exited',
                                 [concat]) == []
    assert describe_dead_workers('CUDA out of memory', [concat]) == []


def test_other_errors_pass_through(ann_file):
    with pytest.raises(KeyError):
        with naming_dead_workers(object()):
            raise KeyError('unrelated')
    with pytest.raises(RuntimeError, match='^DataLoader worker') as info:
        with naming_dead_workers(object()):  # no dataset to ask
            raise RuntimeError('DataLoader worker (pid 1) is killed by '
                               'signal: Killed.')
    assert not isinstance(info.value, WorkerCrashError)
