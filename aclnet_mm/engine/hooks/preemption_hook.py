# Copyright (c) aclnet-mm contributors. All rights reserved.
import logging
import os.path as osp
import signal
import threading
from types import FrameType
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_reduce, barrier, gather_object, is_main_process
from mmengine.hooks import CheckpointHook, Hook
from mmengine.hooks.hook import DATA_BATCH
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop

from aclnet_mm.engine.runner.resumable_loop import (
    RANK_STATES_KEY, ResumableEpochBasedTrainLoop)
from aclnet_mm.utils.rng_state import get_rng_state

__all__ = ['PreemptionHook', 'REQUEUE_EXIT_CODE']

#: ``EX_TEMPFAIL`` of ``sysexits.h``: a temporary failure, to be retried.
REQUEUE_EXIT_CODE = 75


def _as_signal(sig: Union[str, int]) -> signal.Signals:
    try:
        sig = signal.Signals[sig] if isinstance(sig, str) else \
            signal.Signals(sig)
    except (KeyError, ValueError):
        raise ValueError(f'PreemptionHook: unknown signal {sig!r}') from None
    if sig in (signal.SIGKILL, signal.SIGSTOP):
        raise ValueError(f'PreemptionHook: {sig.name} cannot be caught')
    return sig


@HOOKS.register_module()
class PreemptionHook(Hook):
    """Stop training cleanly when the scheduler says the job must go.

    Schedulers send ``SIGTERM`` some seconds before they kill a pre-empted
    or timed-out job (SLURM: ``KillWait``, 30 s by default), and
    ``sbatch --signal=USR1@120`` / ``srun --signal`` send a chosen signal
    ahead of the time limit. On any of ``signals`` this hook lets the
    current iteration finish, then:

    1. all ranks agree to stop: a max all-reduce of a flag after every
       ``interval``-th iteration, so they stop after the same iteration
       even when only some of them got the signal, or got it at different
       times;
    2. it gathers on rank 0, into the message hub, what differs between
       ranks in the middle of an epoch: the random generator states and the
       model buffers that are not rank 0's (BatchNorm statistics, which
       ``SyncBuffersHook`` averages only at the end of an epoch);
       ``ResumableEpochBasedTrainLoop`` restores them on each rank;
    3. it saves ``iter_{N}.pth`` through ``runner.save_checkpoint`` with
       the ``CheckpointHook``'s directory and ``backend_args`` (the same
       file backend, hence atomic writes where that backend has them),
       with optimizer and scheduler states whatever that hook's options,
       and points ``last_checkpoint`` at it as ``CheckpointHook`` does;
    4. all ranks wait until the checkpoint is written, then training stops
       and, after the ``after_run`` hooks, the process exits with
       ``exit_code``.

    ``--resume`` (auto-resume from ``last_checkpoint``) then continues
    after that iteration. With ``ResumableEpochBasedTrainLoop`` (and
    ``ResumableSampler``) it continues at the exact sample position with
    the restored generators, contrastive buffers, optimizer, LR and
    scheduler state, as an uninterrupted run would. MMEngine's
    ``EpochBasedTrainLoop`` cannot stop in the middle of an epoch: with it
    the process exits right after the checkpoint is saved, and a resume
    starts the interrupted epoch again. ``IterBasedTrainLoop`` stops and
    resumes by itself.

    Signals are checked only after training iterations: one that arrives
    during validation takes effect after the next training iteration.
    Handlers are installed in ``before_train`` (in the main thread only)
    and the previous ones restored in ``after_run``; a run that ends with an
    exception leaves them installed (MMEngine calls no hook then) until the
    process exits. DataLoader workers
    forked afterwards inherit them, so a signal sent to the whole process
    group does not kill them under the main process.

    Args:
        signals (Sequence[str | int]): Signals that ask for a stop.
            Defaults to ``('SIGTERM', 'SIGUSR1')``.
        exit_code (int, optional): Exit status after a stop; None returns
            from ``runner.train()`` instead. Defaults to 75
            (``EX_TEMPFAIL``), which requeue scripts test for.
        interval (int): Check for a signal every ``interval`` iterations
            (one tiny all-reduce each time when distributed).
            Defaults to 1.
    """

    priority = 'LOWEST'

    def __init__(self,
                 signals: Sequence[Union[str, int]] = ('SIGTERM', 'SIGUSR1'),
                 exit_code: Optional[int] = REQUEUE_EXIT_CODE,
                 interval: int = 1) -> None:
        if isinstance(signals, (str, int)):
            signals = (signals, )
        self.signals = tuple(_as_signal(sig) for sig in signals)
        if not self.signals:
            raise ValueError('PreemptionHook: no signals given')
        if exit_code is not None and not 0 <= exit_code <= 255:
            raise ValueError(
                f'PreemptionHook: exit_code must be in [0, 255], got '
                f'{exit_code}')
        if interval < 1:
            raise ValueError(
                f'PreemptionHook: interval must be >= 1, got {interval}')
        self.exit_code = exit_code
        self.interval = interval
        self._received = 0  # the first signal number received, 0 if none
        self._previous: Dict[signal.Signals, object] = {}
        #: Path of the checkpoint saved on a stop, None if not stopped.
        self.checkpoint: Optional[str] = None

    @property
    def signal_received(self) -> Optional[signal.Signals]:
        """The signal this process got, None if none yet."""
        return signal.Signals(self._received) if self._received else None

    def _on_signal(self, signum: int, frame: Optional[FrameType]) -> None:
        # Only record it: the work happens between iterations.
        if not self._received:
            self._received = signum

    def _install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            print_log(
                'PreemptionHook: training does not run in the main thread, '
                'where signal handlers live; preemption is not handled.',
                logger='current',
                level=logging.WARNING)
            return
        for sig in self.signals:
            if sig not in self._previous:
                self._previous[sig] = signal.signal(sig, self._on_signal)

    def _uninstall(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def before_train(self, runner) -> None:
        self._received = 0
        self.checkpoint = None
        self._install()
        loop = runner.train_loop
        names = '/'.join(sig.name for sig in self.signals)
        if isinstance(loop, EpochBasedTrainLoop) and not isinstance(
                loop, ResumableEpochBasedTrainLoop):
            print_log(
                f'PreemptionHook: {type(loop).__name__} cannot resume in the '
                f'middle of an epoch; on {names} the iteration checkpoint is '
                'saved, but a resume starts the epoch again. Use '
                "train_cfg=dict(type='ResumableEpochBasedTrainLoop') to lose "
                'nothing.',
                logger='current')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        flag = torch.tensor([self._received], dtype=torch.int64)
        # Every rank takes part, so all stop after the same iteration.
        all_reduce(flag, op='max')
        if int(flag):
            self._stop(runner, signal.Signals(int(flag)))

    def _stop(self, runner, sig: signal.Signals) -> None:
        runner.message_hub.update_info(RANK_STATES_KEY,
                                       self._rank_states(runner))
        self.checkpoint = self._save_checkpoint(runner)
        runner.message_hub.pop_info(RANK_STATES_KEY)
        # Nobody exits (and makes the launcher kill the others) before the
        # checkpoint is complete.
        barrier()
        print_log(
            f'PreemptionHook: {sig.name} received; stopped after iteration '
            f'{runner.iter + 1} (epoch {runner.epoch + 1}) and saved '
            f'{self.checkpoint}. Resume with --resume.',
            logger='current',
            level=logging.WARNING)
        loop = runner.train_loop
        if isinstance(loop, EpochBasedTrainLoop) and not isinstance(
                loop, ResumableEpochBasedTrainLoop):
            print_log(
                f'PreemptionHook: {type(loop).__name__} cannot stop in the '
                'middle of an epoch, so the process exits now; a resume '
                f'will start epoch {runner.epoch + 1} again.',
                logger='current',
                level=logging.WARNING)
            self._exit()  # that loop would finish the epoch first
        loop.stop_training = True

    @staticmethod
    def _rank_states(runner) -> Optional[List[dict]]:
        """Every rank's generator states and the buffers in which it
        differs from rank 0, gathered on rank 0 (None elsewhere)."""
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        buffers = {
            name: buffer.detach().cpu()
            for name, buffer in model.named_buffers()
        }
        states = gather_object(dict(rng=get_rng_state(), buffers=buffers))
        if states is None:
            return None
        # Rank 0's buffers are in the checkpoint's state_dict.
        first = states[0]['buffers']
        states[0]['buffers'] = {}
        for state in states[1:]:
            state['buffers'] = {
                name: value
                for name, value in state['buffers'].items()
                if not torch.equal(value, first[name])
            }
        return states

    def _save_checkpoint(self, runner) -> str:
        """Save ``iter_{N}.pth`` as ``CheckpointHook`` would; return it."""
        hook = next((h for h in runner.hooks if isinstance(h, CheckpointHook)),
                    None)
        filename = f'iter_{runner.iter + 1}.pth'
        if hook is None:
            out_dir, file_client_args, backend_args, args = (runner.work_dir,
                                                             None, None, {})
            path = osp.join(out_dir, filename)
        else:
            out_dir, file_client_args = hook.out_dir, hook.file_client_args
            backend_args, args = hook.backend_args, hook.args
            path = hook.file_backend.join_path(out_dir, filename)
        runner.message_hub.update_info('last_ckpt', path)
        runner.save_checkpoint(
            out_dir,
            filename,
            file_client_args,
            save_optimizer=True,
            save_param_scheduler=True,
            meta=dict(epoch=runner.epoch, iter=runner.iter + 1),
            by_epoch=False,
            backend_args=backend_args,
            **args)
        if is_main_process():
            with open(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
                f.write(path)
        return path

    def _exit(self) -> None:
        self._uninstall()
        if self.exit_code is not None:
            raise SystemExit(self.exit_code)

    def after_run(self, runner) -> None:
        if self.checkpoint is None:
            self._uninstall()
            return
        # Leave together: ``srun --kill-on-bad-exit`` kills the tasks still
        # running when the first one exits with a non-zero status.
        barrier()
        self._exit()
