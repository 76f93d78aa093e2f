# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Training across processes, machines and schedulers, with real processes.

* Preemption: a real ``SIGTERM`` / ``SIGUSR1`` (``os.kill``) sent to a
  training process in the middle of an epoch while the contrastive losses
  are active; it must exit with 75 after an iteration checkpoint, and
  ``--resume`` must end bit for bit (rtol 0, atol 0) where an
  uninterrupted run ends: weights, both losses' buffers, optimizer
  momenta, LR and scheduler state. One process (``tools/train.py``'s code
  run inside the test process, which signals itself mid-iteration), and two
  SLURM tasks with the signal sent from the test to one rank only (both
  must stop at the same iteration, and srun must exit with 75).
* Two "nodes" on this machine: two ``tools/dist_train.sh`` launches with
  ``NNODES=2``, one process each, against one node with two processes.
* SLURM: ``tools/slurm_train.sh`` / ``slurm_test.sh`` with ``srun``
  replaced by a stand-in that starts the tasks with the environment SLURM
  gives them (``SLURM_PROCID``, ``SLURM_NTASKS``, ...), so the rank
  mapping goes through ``--launcher slurm``.

The run is the tiny ACLNet of ``conftest.py`` (4 classes, 12 training
samples, batch 4, 2 epochs of 3 iterations; statistics from epoch 1, the
losses from epoch 2) with random temporal crops and a per-iteration cosine
LR.
"""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time
import uuid

import pytest
import torch
from mmaction.registry import HOOKS
from mmengine.config import Config
from mmengine.hooks import Hook
from ports import free_port
from tool_scripts import load_tool

from aclnet_mm.engine.runner import build_runner

_train_tool = load_tool('train.py')
merge_args, parse_args = _train_tool.merge_args, _train_tool.parse_args

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset

#: A hook the runs import (``custom_imports``). On the rank named by
#: ``PREEMPT_RANK``, after iteration ``PREEMPT_AT`` (``<epoch>:<batch>``,
#: epoch from 1) it writes its pid to ``<work_dir>/signal_me`` and waits
#: until the signal the test sends has reached ``PreemptionHook``. The
#: other ranks go on, and wait for it in the hook's all-reduce.
PROBE = """
import os
import os.path as osp
import time

from mmaction.registry import HOOKS
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from aclnet_mm.engine.hooks import PreemptionHook


@HOOKS.register_module()
class SignalProbe(Hook):
    priority = 'LOW'  # before PreemptionHook (LOWEST)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        at = os.environ.get('PREEMPT_AT')
        rank = int(os.environ.get('PREEMPT_RANK', '0'))
        if at != f'{runner.epoch + 1}:{batch_idx}' or get_rank() != rank:
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
"""

#: ``srun`` for the SLURM scripts: it records its options to
#: ``$FAKE_SRUN_LOG`` and (unless ``$FAKE_SRUN_DRY``) starts ``--ntasks``
#: copies of the command with the variables SLURM gives each task; it exits
#: with the highest task status, as srun does.
FAKE_SRUN = """
import json
import os
import subprocess
import sys

args = sys.argv[1:]
opts = {}
while args and args[0].startswith('-'):
    arg = args.pop(0)
    if arg == '-p':
        opts['partition'] = args.pop(0)
    else:
        key, _, value = arg.lstrip('-').partition('=')
        opts[key] = value
with open(os.environ['FAKE_SRUN_LOG'], 'a') as file:
    file.write(json.dumps(dict(opts=opts, command=args)) + '\\n')
if os.environ.get('FAKE_SRUN_DRY'):
    sys.exit(0)
ntasks, per_node = int(opts['ntasks']), int(opts['ntasks-per-node'])
procs = []
for rank in range(ntasks):
    env = dict(
        os.environ,
        SLURM_PROCID=str(rank),
        SLURM_NTASKS=str(ntasks),
        SLURM_LOCALID=str(rank % per_node),
        SLURM_NODEID=str(rank // per_node),
        SLURM_NNODES=str(-(-ntasks // per_node)),
        SLURM_NODELIST='localhost',
        SLURM_JOB_NAME=opts['job-name'],
        SLURM_JOB_PARTITION=opts['partition'])
    procs.append(subprocess.Popen(args, env=env))
sys.exit(max(proc.wait() for proc in procs))
"""


def tiny_config(build, path, ann_file, max_epochs):
    """The tiny ACLNet run (``conftest.py``) made preemptible, as a file.

    Random temporal crops (``UniformSampleFrames`` in train mode draws from
    NumPy's generator), so the random generators must be restored; the LR
    follows a per-iteration cosine, so the scheduler state must be too.
    """
    cfg = build(ann_file, max_epochs, start_epoch=1)
    cfg.custom_imports = dict(
        imports=['aclnet_mm', 'signal_probe'], allow_failed_imports=False)
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
    assert cfg.default_hooks.preemption.type == 'PreemptionHook'
    cfg.dump(str(path))
    return str(path)


def child_env(folder, **extra):
    """The environment of a run: no inherited SLURM or probe variables, the
    probe module importable, one thread, torch's safe loader as is."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(('PREEMPT_', 'SLURM_', 'FAKE_SRUN'))
    }
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    env['PYTHONPATH'] = os.pathsep.join(
        filter(None, [str(folder), REPO,
                      os.environ.get('PYTHONPATH')]))
    env.update(OMP_NUM_THREADS='1', PYTHON=sys.executable, **extra)
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
MAX_EPOCHS = 2
#: Signalled after the second iteration of epoch 2 (losses on): global
#: iteration 5 of 6.
PREEMPT_AT = '2:1'
REQUEUE = 75
FINAL = f'epoch_{MAX_EPOCHS}.pth'
#: Two processes of 2 samples: the global batch of one process of 4, so
#: the same 3 iterations per epoch.
TWO_PROCESSES = ('--cfg-options', 'train_dataloader.batch_size=2')


@pytest.fixture(scope='module')
def setup(tmp_path_factory, tiny_aclnet_config):
    """The folder (probe module, fake srun) and the config, once."""
    folder = tmp_path_factory.mktemp('cluster')
    ann_file = dump_synthetic_skeleton_dataset(
        str(folder / 'synthetic_3d.pkl'),
        num_classes=4,
        samples_per_class=6,
        num_frames=16,
        num_persons=1,
        seed=3)
    (folder / 'signal_probe.py').write_text(PROBE)
    (folder / 'fake_srun.py').write_text(FAKE_SRUN)
    config = tiny_config(tiny_aclnet_config, folder / 'aclnet_tiny.py',
                         ann_file, MAX_EPOCHS)
    return folder, config


def _start(setup, cmd, *args, **env):
    """Start ``cmd`` (a list) with ``args`` from the repository root."""
    folder, _ = setup
    return subprocess.Popen([*cmd, *map(str, args)],
                            cwd=REPO,
                            env=child_env(folder, **env),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True)


def _slurm_train(setup, work_dir, *args, **env):
    """``tools/slurm_train.sh`` on 2 tasks, through the fake srun."""
    folder, config = setup
    return _start(
        setup, ['bash', 'tools/slurm_train.sh', 'cpu', 'tiny', config],
        work_dir,
        *args,
        SRUN=f'{sys.executable} {folder / "fake_srun.py"}',
        FAKE_SRUN_LOG=str(folder / 'srun.jsonl'),
        GPUS='2',
        GPUS_PER_NODE='2',
        CPUS_PER_TASK='1',
        SRUN_ARGS='--signal=USR1@120',
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(free_port()),
        **env)


def _srun_calls(folder):
    with open(folder / 'srun.jsonl') as file:
        return [json.loads(line) for line in file]


def _finish(proc, returncode=0):
    out = proc.communicate(timeout=300)[0]
    assert proc.returncode == returncode, (proc.returncode, out[-6000:])
    return out


def _pointer(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        return file.read().strip()


def _assert_preempted(work_dir, probe=True):
    """The run stopped after global iteration 5 of 6, and saved it."""
    assert _pointer(work_dir) == osp.join(str(work_dir), 'iter_5.pth')
    assert not osp.exists(osp.join(work_dir, FINAL))
    meta = load(osp.join(work_dir, 'iter_5.pth'))['meta']
    assert (meta['epoch'], meta['iter']) == (MAX_EPOCHS - 1, 5)
    if probe:
        os.remove(osp.join(work_dir, 'signal_me'))


@HOOKS.register_module(force=True)
class SignalSelfAtIter(Hook):
    """Sends ``sig`` to this process in the middle of iteration ``at``."""

    def __init__(self, at, sig):
        self.at, self.sig = at, sig

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at:
            os.kill(os.getpid(), self.sig)


def _train_here(setup, work_dir, *args, signal_at=None):
    """``tools/train.py``'s code in this process (saves 3 interpreter
    starts); returns the runner."""
    cfg = Config.fromfile(setup[1])
    cfg.experiment_name = f'single_{uuid.uuid4().hex}'
    if signal_at is not None:
        cfg.custom_hooks.append(
            dict(type='SignalSelfAtIter', at=signal_at, sig=signal.SIGTERM))
    args = parse_args([setup[1], '--work-dir', str(work_dir), *args])
    runner = build_runner(merge_args(cfg, args))
    runner.train()
    return runner


def test_sigterm_single_process_resumes_to_the_uninterrupted_state(
        setup, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(setup[0]))  # the probe module (idle)
    previous = signal.getsignal(signal.SIGTERM)
    work_dir = tmp_path / 'work'
    with pytest.raises(SystemExit) as stop:
        _train_here(setup, work_dir, signal_at=4)  # epoch 2, batch 1
    assert stop.value.code == REQUEUE
    assert signal.getsignal(signal.SIGTERM) == previous
    _assert_preempted(work_dir, probe=False)

    runner = _train_here(setup, work_dir, '--resume')
    assert runner.iter == 6
    _train_here(setup, tmp_path / 'reference')
    assert_same_checkpoint(work_dir / FINAL, tmp_path / 'reference' / FINAL)


@pytest.fixture(scope='module')
def one_node(setup, tmp_path_factory):
    """One node, two processes: ``tools/dist_train.sh CONFIG 2``."""
    work_dir = tmp_path_factory.mktemp('one_node')
    _finish(
        _start(
            setup, ['bash', 'tools/dist_train.sh', setup[1], '2'],
            '--work-dir',
            work_dir,
            *TWO_PROCESSES,
            PORT=str(free_port())))
    return work_dir


def test_two_nodes_train_as_one_node_with_two_processes(
        setup, one_node, tmp_path):
    work_dir = tmp_path / 'work'
    port = str(free_port())
    nodes = [
        _start(
            setup, ['bash', 'tools/dist_train.sh', setup[1], '1'],
            '--work-dir',
            work_dir,
            *TWO_PROCESSES,
            'log_level=DEBUG',
            NNODES='2',
            NODE_RANK=str(node),
            MASTER_ADDR='127.0.0.1',
            PORT=port) for node in (0, 1)
    ]
    for node in nodes:
        _finish(node)
    # DEBUG keeps one log per rank: rank 1 ran on the second "node".
    logs = [path.name for path in work_dir.glob('*/*_rank*.log')]
    assert sorted(name[-9:] for name in logs) == ['rank0.log', 'rank1.log']
    assert_same_checkpoint(work_dir / FINAL, one_node / FINAL)


def test_slurm_two_tasks_sigusr1_to_one_rank_then_resume(
        setup, one_node, tmp_path):
    folder, config = setup
    work_dir = tmp_path / 'work'
    proc = _slurm_train(
        setup,
        work_dir,
        *TWO_PROCESSES,
        PREEMPT_AT=PREEMPT_AT,
        PREEMPT_RANK='1')
    send_when_ready(proc, work_dir, signal.SIGUSR1)
    # Only rank 1 got it; both stopped after the same iteration, and srun
    # (the highest task status) passes the requeue code on.
    log = _finish(proc, REQUEUE)
    assert 'SIGUSR1 received; stopped after iteration 5' in log
    _assert_preempted(work_dir)

    _finish(_slurm_train(setup, work_dir, '--resume', *TWO_PROCESSES))
    # The same state as torchrun's two processes: the ranks were mapped.
    assert_same_checkpoint(work_dir / FINAL, one_node / FINAL)

    # MMAction2's srun options, with ours behind them.
    calls = _srun_calls(folder)
    assert calls[0]['opts'] == {
        'partition': 'cpu',
        'job-name': 'tiny',
        'gres': 'gpu:2',
        'ntasks': '2',
        'ntasks-per-node': '2',
        'cpus-per-task': '1',
        'kill-on-bad-exit': '1',
        'signal': 'USR1@120'
    }
    assert calls[0]['command'][1:] == [
        '-u', 'tools/train.py', config, '--work-dir',
        str(work_dir), '--launcher', 'slurm', *TWO_PROCESSES
    ]

    # slurm_test.sh builds the same srun line around tools/test.py (its
    # ranks come from the same mapping as tools/train.py's, run above).
    checkpoint = str(work_dir / FINAL)
    _finish(
        _start(
            setup,
            ['bash', 'tools/slurm_test.sh', 'cpu', 'eval', config, checkpoint],
            '--dump',
            'preds.pkl',
            SRUN=f'{sys.executable} {folder / "fake_srun.py"}',
            FAKE_SRUN_LOG=str(folder / 'srun.jsonl'),
            FAKE_SRUN_DRY='1',
            GPUS='16',
            SRUN_ARGS='--qos=high --time=60'))
    call = _srun_calls(folder)[-1]
    assert call['opts'] == {
        'partition': 'cpu',
        'job-name': 'eval',
        'gres': 'gpu:8',
        'ntasks': '16',
        'ntasks-per-node': '8',
        'cpus-per-task': '5',
        'kill-on-bad-exit': '1',
        'qos': 'high',
        'time': '60'
    }
    assert call['command'][1:] == [
        '-u', 'tools/test.py', config, checkpoint, '--launcher', 'slurm',
        '--dump', 'preds.pkl'
    ]

    # WORK_DIR is optional: MMAction2's call, options right after CONFIG.
    _finish(
        _start(
            setup, ['bash', 'tools/slurm_train.sh', 'cpu', 'j', config],
            '--seed',
            '1',
            SRUN=f'{sys.executable} {folder / "fake_srun.py"}',
            FAKE_SRUN_LOG=str(folder / 'srun.jsonl'),
            FAKE_SRUN_DRY='1'))
    assert _srun_calls(folder)[-1]['command'][1:] == [
        '-u', 'tools/train.py', config, '--launcher', 'slurm', '--seed', '1'
    ]
