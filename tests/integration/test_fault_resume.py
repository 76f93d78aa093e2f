# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Training killed by ``SIGKILL`` resumes to the state of an unbroken run.

Each run is a real ``tools/train.py`` process
that trains a tiny ACLNet (``ACLGCN`` + ``ACLNetHead``, both contrastive
losses) with the real Runner on synthetic skeletons. A probe hook in the
child process kills it with ``SIGKILL`` at a chosen iteration, or a
wrapped ``open`` kills it after writing half of a checkpoint's bytes. The
resumed run (``--resume``, auto-resume from ``last_checkpoint``) must end
with exactly the state and validation results of an uninterrupted run.

Schedule: 4 epochs; the superclass statistics start in epoch 2, the
contrastive losses are active from epoch 3 on, so both kills below hit
the active phase. Sampling is in test mode (no random crop), so runs are
bit-exact.
"""
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys

import pytest
import torch
from tool_scripts import load_tool

from aclnet_mm.utils.atomic_checkpoint import checkpoint_problem

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NUM_CLASSES = 4
CLIP_LEN = 16
MAX_EPOCHS = 4
QUEUE_SIZE = 8

# The child: ``tools/train.py`` with a probe hook and optional faults.
CHILD = '''
import builtins
import json
import os
import os.path as osp
import runpy
import signal
import sys

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

KILL_AT = os.environ.get('FAULT_KILL_AT')  # '<epoch>:<iter>', epoch from 1
PARTIAL = os.environ.get('FAULT_PARTIAL_WRITE')  # a checkpoint file name


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def record(runner, name, row):
    with open(osp.join(runner.work_dir, name), 'a') as file:
        file.write(json.dumps(row) + '\\n')


@HOOKS.register_module()
class FaultProbe(Hook):
    priority = 'LOWEST'

    def before_train(self, runner):
        record(runner, 'starts.jsonl', runner.epoch)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if KILL_AT == f'{runner.epoch + 1}:{batch_idx}':
            die()

    def after_val_epoch(self, runner, metrics=None):
        record(runner, 'val.jsonl', [runner.epoch, metrics])

    def after_run(self, runner):
        torch.save(runner.model.state_dict(),
                   osp.join(runner.work_dir, 'final_state.pt'))


class HalfWriter:
    """Writes half of what it is given, then the process dies."""

    def __init__(self, file):
        self._file = file

    def write(self, data):
        self._file.write(data[:len(data) // 2])
        self._file.flush()
        os.fsync(self._file.fileno())
        die()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()

    def __getattr__(self, name):
        return getattr(self._file, name)


if PARTIAL:
    real_open = builtins.open

    def open_with_fault(file, mode='r', *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if 'w' in mode and PARTIAL in osp.basename(str(file)):
            return HalfWriter(handle)
        return handle

    builtins.open = open_with_fault

# The run: tools/train.py (the working directory is the repository).
runpy.run_path('tools/train.py', run_name='__main__')
'''


def _write_config(build, path, ann_file):
    """The tiny ACLNet run of ``conftest.py`` with a learning-rate step,
    the fault probe, and the queue of ``QUEUE_SIZE``, as a file."""
    cfg = build(ann_file, MAX_EPOCHS)
    assert cfg.model.cls_head.loss_intra.queue_size == QUEUE_SIZE
    cfg.param_scheduler = [
        dict(type='MultiStepLR', milestones=[2], by_epoch=True)
    ]
    cfg.custom_hooks.append(dict(type='FaultProbe'))
    cfg.dump(str(path))
    return str(path)


@pytest.fixture(scope='module')
def setup(tmp_path_factory, tiny_aclnet_config):
    """The child script and the config, written once for the module."""
    folder = tmp_path_factory.mktemp('fault_resume')
    ann_file = dump_synthetic_skeleton_dataset(
        str(folder / 'synthetic_3d.pkl'),
        num_classes=NUM_CLASSES,
        samples_per_class=6,
        num_frames=CLIP_LEN,
        num_persons=1,
        seed=3)
    child = folder / 'child.py'
    child.write_text(CHILD)
    return str(child), _write_config(tiny_aclnet_config,
                                     folder / 'aclnet_tiny.py', ann_file)


def _train(setup, work_dir, *args, **fault_env):
    child, config = setup
    env = {
        key: value
        for key, value in os.environ.items() if not key.startswith('FAULT_')
    }
    env.update(OMP_NUM_THREADS='1', **fault_env)
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    return subprocess.run(
        [sys.executable, child, config, '--work-dir',
         str(work_dir), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300)


def _train_ok(setup, work_dir, *args):
    proc = _train(setup, work_dir, *args)
    assert proc.returncode == 0, proc.stdout[-6000:]
    return proc.stdout


def _killed(setup, work_dir, **fault_env):
    proc = _train(setup, work_dir, **fault_env)
    # The child really died by SIGKILL, not by an exception.
    assert proc.returncode == -signal.SIGKILL, (proc.returncode,
                                                proc.stdout[-6000:])
    assert not osp.exists(osp.join(work_dir, 'final_state.pt'))
    return proc


def _rows(work_dir, name):
    with open(osp.join(work_dir, name)) as file:
        return [json.loads(line) for line in file]


def _val_by_epoch(work_dir):
    by_epoch = {}
    for epoch, metrics in _rows(work_dir, 'val.jsonl'):
        # An epoch validated twice (before the kill and after the resume)
        # gives the same numbers.
        assert by_epoch.setdefault(epoch, metrics) == metrics, epoch
    return by_epoch


def _pointer(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        return osp.basename(file.read().strip())


def _copy_work_dir(source, target):
    """Copy a work dir, with ``last_checkpoint`` pointing into the copy."""
    shutil.copytree(source, target)
    with open(osp.join(target, 'last_checkpoint'), 'w') as file:
        file.write(osp.join(target, _pointer(source)))


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def _assert_same_run(work_dir, reference):
    expected = torch.load(osp.join(reference, 'final_state.pt'))
    got = torch.load(osp.join(work_dir, 'final_state.pt'))
    assert expected.keys() == got.keys()
    for key in expected:
        torch.testing.assert_close(
            got[key], expected[key], rtol=0, atol=0, msg=key)
    # The contrastive state is part of it, and not trivial.
    for name in ('prototypes', 'confusion', 'superclass_mask', 'class_tau',
                 'stats_active', 'loss_active', 'refresh_pending'):
        assert f'cls_head.loss_inter.{name}' in got
    for name in ('queue_feats', 'queue_labels', 'queue_ptr', 'queue_count'):
        assert f'cls_head.loss_intra.{name}' in got
    assert float(got['cls_head.loss_inter.confusion'].sum()) > 0
    assert bool(got['cls_head.loss_inter.loss_active'])
    assert int(got['cls_head.loss_intra.queue_count']) == QUEUE_SIZE

    # The final checkpoints agree too, optimizer momenta included.
    name = f'epoch_{MAX_EPOCHS}.pth'
    ckpt_expected = _load(osp.join(reference, name))
    ckpt_got = _load(osp.join(work_dir, name))
    for key in ckpt_expected['state_dict']:
        torch.testing.assert_close(
            ckpt_got['state_dict'][key],
            ckpt_expected['state_dict'][key],
            rtol=0,
            atol=0,
            msg=key)
    momenta = ckpt_expected['optimizer']['state']
    assert momenta and momenta.keys() == ckpt_got['optimizer']['state'].keys()
    for index, state in momenta.items():
        torch.testing.assert_close(
            ckpt_got['optimizer']['state'][index]['momentum_buffer'],
            state['momentum_buffer'],
            rtol=0,
            atol=0)
    assert ckpt_got['meta']['epoch'] == MAX_EPOCHS

    # Same validation results, epoch by epoch.
    val = _val_by_epoch(work_dir)
    assert sorted(val) == list(range(1, MAX_EPOCHS + 1))
    assert val == _val_by_epoch(reference)
    # No temporary of an atomic write is left behind.
    assert not [n for n in os.listdir(work_dir) if n.endswith('.tmp')]


@pytest.fixture(scope='module')
def reference(setup, tmp_path_factory):
    """An uninterrupted run, shared by every test of the module."""
    work_dir = tmp_path_factory.mktemp('reference')
    _train_ok(setup, work_dir)
    assert _rows(work_dir, 'starts.jsonl') == [0]
    return str(work_dir)


@pytest.fixture(scope='module')
def killed_mid_epoch(setup, tmp_path_factory):
    """A run killed in the middle of epoch 4 (losses active); read-only."""
    work_dir = tmp_path_factory.mktemp('killed_mid_epoch')
    _killed(setup, work_dir, FAULT_KILL_AT=f'{MAX_EPOCHS}:1')
    assert _pointer(work_dir) == f'epoch_{MAX_EPOCHS - 1}.pth'
    assert not osp.exists(osp.join(work_dir, f'epoch_{MAX_EPOCHS}.pth'))
    return str(work_dir)


def test_sigkill_mid_epoch_resumes_to_the_uninterrupted_state(
        setup, reference, killed_mid_epoch, tmp_path):
    work_dir = str(tmp_path / 'work')
    _copy_work_dir(killed_mid_epoch, work_dir)
    _train_ok(setup, work_dir, '--resume')
    # It resumed after epoch 3, from epoch_3.pth, not from scratch.
    assert _rows(work_dir, 'starts.jsonl') == [0, MAX_EPOCHS - 1]
    _assert_same_run(work_dir, reference)


def test_sigkill_while_writing_a_checkpoint(setup, reference, tmp_path):
    work_dir = str(tmp_path / 'work')
    _killed(setup, work_dir, FAULT_PARTIAL_WRITE='epoch_3.pth')
    # The kill hit the write: half the bytes are on disk, but only in the
    # temporary; no final checkpoint name holds an incomplete file, and
    # last_checkpoint still names the previous, complete one.
    partial = osp.join(work_dir, '.epoch_3.pth.tmp')
    assert osp.getsize(partial) > 0
    assert checkpoint_problem(partial) is not None
    assert not osp.exists(osp.join(work_dir, 'epoch_3.pth'))
    names = sorted(n for n in os.listdir(work_dir) if n.endswith('.pth'))
    assert names == ['epoch_1.pth', 'epoch_2.pth']
    assert all(
        checkpoint_problem(osp.join(work_dir, name)) is None for name in names)
    assert _pointer(work_dir) == 'epoch_2.pth'

    _train_ok(setup, work_dir, '--resume')
    assert _rows(work_dir, 'starts.jsonl') == [0, 2]
    _assert_same_run(work_dir, reference)


def test_truncated_latest_checkpoint_falls_back_with_a_warning(
        setup, reference, killed_mid_epoch, tmp_path):
    """What a power loss after a non-atomic write leaves: last_checkpoint
    names a truncated file (as MMEngine alone can produce)."""
    work_dir = str(tmp_path / 'work')
    _copy_work_dir(killed_mid_epoch, work_dir)
    latest = osp.join(work_dir, f'epoch_{MAX_EPOCHS - 1}.pth')
    with open(latest, 'rb') as file:
        data = file.read()
    with open(latest, 'wb') as file:
        file.write(data[:len(data) // 2])

    log = _train_ok(setup, work_dir, '--resume')
    assert 'Auto-resume' in log and latest in log
    assert f'epoch_{MAX_EPOCHS - 2}.pth, the latest complete' in log
    assert _rows(work_dir, 'starts.jsonl') == [0, MAX_EPOCHS - 2]
    _assert_same_run(work_dir, reference)
