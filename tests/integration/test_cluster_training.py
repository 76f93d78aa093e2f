# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Training across processes, machines and schedulers, with real processes.

* Preemption: a real ``SIGTERM`` / ``SIGUSR1`` (``os.kill``) sent to a
  training process in the middle of an epoch while the contrastive losses
  are active; it must exit with 75 after an iteration checkpoint, and
  ``--resume`` must end bit for bit (rtol 0, atol 0) where an
  uninterrupted run ends: weights, both losses' buffers, optimizer
  momenta, LR and scheduler state. Single process, and two processes with
  the signal sent to one rank only (both must stop at the same iteration).
* Two "nodes" on this machine: two ``tools/dist_train.sh`` launches with
  ``NNODES=2``, one process each, against one node with two processes.
* SLURM: ``tools/slurm_train.sh`` / ``slurm_test.sh`` with ``srun``
  replaced by a stand-in that starts the tasks with the environment SLURM
  gives them (``SLURM_PROCID``, ``SLURM_NTASKS``, ...), so the rank
  mapping goes through ``--launcher slurm``.

The run is the tiny ACLNet of ``conftest.py`` (4 classes, 12 training
samples, batch 4, 3 epochs of 3 iterations; statistics from epoch 2, the
losses from epoch 3) with random temporal crops and a per-iteration cosine
LR.
"""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from aclnet_mm.datasets.synthetic import dump_synthetic_skeleton_dataset


#: ``tools/train.py`` with a probe hook. On the rank named by
#: ``PREEMPT_RANK``, after iteration ``PREEMPT_AT`` (``<epoch>:<batch>``,
#: epoch from 1) it writes its pid to ``<work_dir>/signal_me`` and waits
#: until the signal the test sends has reached ``PreemptionHook``. The
#: other ranks go on, and wait for it in the hook's all-reduce.
CHILD = '''
import os
import os.path as osp
import sys
import time

from mmengine.hooks import Hook

from aclnet_mm.engine.hooks import PreemptionHook
from aclnet_mm.tools.train import main
from mmaction.registry import HOOKS

AT = os.environ.get('PREEMPT_AT')
RANK = int(os.environ.get('PREEMPT_RANK', '0'))


@HOOKS.register_module()
class SignalProbe(Hook):
    priority = 'LOW'  # before PreemptionHook (LOWEST)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        from mmengine.dist import get_rank
        if AT != f'{runner.epoch + 1}:{batch_idx}' or get_rank() != RANK:
            return
        hook = next(h for h in runner.hooks if isinstance(h, PreemptionHook))
        path = osp.join(runner.work_dir, 'signal_me')
        with open(path + '.tmp', 'w') as file:
            file.write(str(os.getpid()))
        os.replace(path + '.tmp', path)
        deadline = time.monotonic() + 120
        while hook.signal_received is None:
            assert time.monotonic() < deadline, 'no signal came'
            time.sleep(0.01)


main(sys.argv[1:])
'''


def tiny_config(build, path, ann_file, max_epochs=3):
    """The tiny ACLNet run (``conftest.py``) made preemptible, as a file.

    Random temporal crops (``UniformSampleFrames`` in train mode draws from
    NumPy's generator), so the random generators must be restored; the LR
    follows a per-iteration cosine, so the scheduler state must be too.
    """
    cfg = build(ann_file, max_epochs)
    train = cfg.train_dataloader
    train.sampler.type = 'ResumableSampler'
    for step in train.dataset.pipeline:
        if step['type'] == 'UniformSampleFrames':
            step['test_mode'] = False
            step['clip_len'] = 8
    cfg.train_cfg.type = 'ResumableEpochBasedTrainLoop'
    cfg.param_scheduler = [
        dict(
            type='CosineAnnealingLR',
            T_max=max_epochs,
            eta_min=0.001,
            by_epoch=True,
            convert_to_iter_based=True)
    ]
    cfg.custom_hooks.append(dict(type='SignalProbe'))
    cfg.default_hooks.preemption = dict(type='PreemptionHook')
    cfg.dump(str(path))
    return str(path)


def child_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(('PREEMPT_', 'SLURM_'))
    }
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    env.update(OMP_NUM_THREADS='1', **extra)
    return env


def send_when_ready(proc, work_dir, sig, timeout=240):
    """Wait for the probe's pid file, then send ``sig`` to that process."""
    path = osp.join(work_dir, 'signal_me')
    deadline = time.monotonic() + timeout
    while not osp.exists(path):
        assert proc.poll() is None, proc.communicate()[0][-6000:]
        assert time.monotonic() < deadline, 'the run never reached the probe'
        time.sleep(0.05)
    with open(path) as file:
        pid = int(file.read())
    os.kill(pid, sig)
    return pid


def load(path):
    # MMEngine's message hub pickles more than the safe loader takes; these
    # files were written by the test's own runs.
    return torch.load(path, map_location='cpu', weights_only=False)


def assert_same_checkpoint(got_path, expected_path):
    """Weights, buffers, optimizer state, LR, scheduler: bit for bit."""
    got, expected = load(got_path), load(expected_path)
    assert got['meta']['epoch'] == expected['meta']['epoch']
    assert got['meta']['iter'] == expected['meta']['iter']
    assert got['state_dict'].keys() == expected['state_dict'].keys()
    for key, value in expected['state_dict'].items():
        torch.testing.assert_close(
            got['state_dict'][key], value, rtol=0, atol=0, msg=key)
    # Both contrastive losses are active, with real state.
    state = got['state_dict']
    assert float(state['cls_head.loss_inter.confusion'].sum()) > 0
    assert bool(state['cls_head.loss_inter.loss_active'])
    assert int(state['cls_head.loss_intra.queue_count']) > 0
    # Optimizer: momenta and LR of every group.
    opt_got, opt_exp = got['optimizer'], expected['optimizer']
    assert opt_exp['state'] and opt_got['state'].keys() == \
        opt_exp['state'].keys()
    for index, value in opt_exp['state'].items():
        torch.testing.assert_close(
            opt_got['state'][index]['momentum_buffer'],
            value['momentum_buffer'],
            rtol=0,
            atol=0)
    assert [g['lr'] for g in opt_got['param_groups']] == \
        [g['lr'] for g in opt_exp['param_groups']]
    assert got['param_schedulers'] == expected['param_schedulers']


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MAX_EPOCHS = 3
#: Signalled after the second iteration of epoch 3 (losses on): global
#: iteration 8 of 9.
PREEMPT_AT = '3:1'
REQUEUE = 75


@pytest.fixture(scope='module')
def setup(tmp_path_factory, tiny_aclnet_config):
    """The child script and the config, written once for the module."""
    folder = tmp_path_factory.mktemp('cluster')
    ann_file = dump_synthetic_skeleton_dataset(
        str(folder / 'synthetic_3d.pkl'),
        num_classes=4,
        samples_per_class=6,
        num_frames=16,
        num_persons=1,
        seed=3)
    child = folder / 'child.py'
    child.write_text(CHILD)
    config = tiny_config(tiny_aclnet_config, folder / 'aclnet_tiny.py',
                         ann_file, MAX_EPOCHS)
    return str(child), config


def _start(setup, work_dir, *args, **env):
    child, config = setup
    return subprocess.Popen(
        [sys.executable, child, config, '--work-dir',
         str(work_dir), *args],
        cwd=REPO,
        env=child_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)


def _finish(proc, returncode=0):
    out = proc.communicate(timeout=300)[0]
    assert proc.returncode == returncode, (proc.returncode, out[-6000:])
    return out


def _pointer(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        return file.read().strip()


def _assert_preempted(work_dir):
    """The run stopped after global iteration 8 of 9, and saved it."""
    assert _pointer(work_dir) == osp.join(str(work_dir), 'iter_8.pth')
    assert not osp.exists(osp.join(work_dir, f'epoch_{MAX_EPOCHS}.pth'))
    meta = load(osp.join(work_dir, 'iter_8.pth'))['meta']
    assert (meta['epoch'], meta['iter']) == (MAX_EPOCHS - 1, 8)
    os.remove(osp.join(work_dir, 'signal_me'))


def test_sigterm_single_process_resumes_to_the_uninterrupted_state(
        setup, tmp_path):
    reference = _start(setup, tmp_path / 'reference')
    work_dir = tmp_path / 'work'
    proc = _start(setup, work_dir, PREEMPT_AT=PREEMPT_AT)
    send_when_ready(proc, work_dir, signal.SIGTERM)
    log = _finish(proc, REQUEUE)
    assert 'SIGTERM received; stopped after iteration 8' in log
    _assert_preempted(work_dir)

    log = _finish(
        _start(setup, work_dir, '--resume', '--cfg-options', 'log_level=INFO'))
    assert f'Resuming epoch {MAX_EPOCHS} after iteration 2 of 3' in log
    _finish(reference)
    name = f'epoch_{MAX_EPOCHS}.pth'
    assert_same_checkpoint(work_dir / name, tmp_path / 'reference' / name)
