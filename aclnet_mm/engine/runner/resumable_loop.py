# Copyright (c) aclnet-mm contributors. All rights reserved.
import logging
from typing import Iterator, List, Sequence

import torch
from mmaction.registry import LOOPS
from mmengine.dist import get_rank, get_world_size
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import BatchSampler

from aclnet_mm.utils.rng_state import set_rng_state

__all__ = [
    'ResumableEpochBasedTrainLoop', 'iters_done_in_epoch', 'EPOCH_ITER_KEY',
    'RANK_STATES_KEY', 'SAMPLER_SEED_KEY'
]

#: Message-hub key: iterations of the current epoch already run. It is
#: saved with every checkpoint and restored on resume (``resumed=True``).
EPOCH_ITER_KEY = 'train_epoch_iter'
#: Message-hub key: what differs between ranks in the middle of an epoch,
#: one ``dict(rng=..., buffers=...)`` per rank: the random generator states
#: and the model buffers that differ from rank 0's (the checkpoint's), e.g.
#: BatchNorm statistics, which ``SyncBuffersHook`` averages only at the end
#: of an epoch. Put there before a checkpoint the run stops after
#: (``PreemptionHook``).
RANK_STATES_KEY = 'train_rank_states'
#: Message-hub key: the seed of the training sampler's shuffle. Without a
#: configured seed every process draws its own, and MMEngine builds the
#: sampler before it resumes, so a resumed run would shuffle differently.
SAMPLER_SEED_KEY = 'train_sampler_seed'


def iters_done_in_epoch(runner) -> int:
    """Iterations of the current epoch run before this process started.

    In ``before_train_epoch`` it is 0 at the start of an epoch and ``k > 0``
    when a run is resumed after the ``k``-th iteration of the epoch, so a
    hook can skip what must happen once per epoch (and already did). With
    MMEngine's own loops it is always 0.

    Args:
        runner (Runner): The runner.

    Returns:
        int: The number of iterations.
    """
    return int(runner.message_hub.get_info(EPOCH_ITER_KEY, 0) or 0)


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """An epoch-based training loop that can stop and resume mid-epoch.

    MMEngine's ``EpochBasedTrainLoop`` resumed from a checkpoint saved in
    the middle of an epoch starts that epoch again from its first batch,
    and it only honours ``stop_training`` between epochs. This loop:

    * records in the message hub how many iterations of the epoch are done
      (:data:`EPOCH_ITER_KEY`), so every checkpoint carries it;
    * records the sampler's shuffle seed (:data:`SAMPLER_SEED_KEY`) and,
      on resume, gives the sampler the checkpoint's seed back: with
      ``randomness.seed=None`` the new process drew another one, so the
      epoch's order would differ from the one that was interrupted;
    * resumes an epoch at that position: the sampler's :meth:`skip` (see
      ``ResumableSampler``) leaves the samples already trained on out of the
      data loader; a sampler without it has the loop draw and drop those
      batches instead (same order, but they are loaded);
    * restores this rank's random generators and own model buffers when
      the checkpoint holds them (:data:`RANK_STATES_KEY`, written by
      ``PreemptionHook``) right after the data loader iterator is made and
      before the first batch is loaded, where the uninterrupted run had
      them;
    * stops after the current iteration when ``stop_training`` is set
      during an epoch, without ending the epoch (no ``after_train_epoch``,
      no validation), then runs ``after_train`` as usual.

    Same arguments as ``EpochBasedTrainLoop``. An exact resume needs the
    same number of processes and batch size as the interrupted run.
    """

    def run(self) -> torch.nn.Module:
        """Launch training."""
        self._restore_sampler_seed()
        self.runner.call_hook('before_train')

        while self._epoch < self._max_epochs and not self.stop_training:
            if not self.run_epoch():
                break  # stopped mid-epoch: no validation of a part epoch

            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._epoch >= self.val_begin
                    and (self._epoch % self.val_interval == 0
                         or self._epoch == self._max_epochs)):
                self.runner.val_loop.run()

        self.runner.call_hook('after_train')
        return self.runner.model

    def run_epoch(self) -> bool:
        """Iterate the rest of the current epoch.

        Returns:
            bool: Whether the epoch was finished (False if training was
            stopped in the middle).
        """
        start = iters_done_in_epoch(self.runner)
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        for idx, data_batch in enumerate(self._batches_from(start), start):
            self.run_iter(idx, data_batch)
            if self.stop_training:
                return False

        # Checkpoints written at the end of the epoch resume at its end.
        self.runner.message_hub.update_info(EPOCH_ITER_KEY, 0)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
        return True

    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        """Iterate one mini-batch.

        Args:
            idx (int): Index of the batch in the epoch.
            data_batch (Sequence[dict]): Batch of data from the dataloader.
        """
        self.runner.call_hook(
            'before_train_iter', batch_idx=idx, data_batch=data_batch)
        outputs = self.runner.model.train_step(
            data_batch, optim_wrapper=self.runner.optim_wrapper)
        # Counted before the hooks run, so a checkpoint they write resumes
        # after this iteration.
        self.runner.message_hub.update_info(EPOCH_ITER_KEY, idx + 1)
        self.runner.call_hook(
            'after_train_iter',
            batch_idx=idx,
            data_batch=data_batch,
            outputs=outputs)
        self._iter += 1

    def _samplers(self) -> List:
        """The samplers of the data loader that have a shuffle seed."""
        candidates = (self.dataloader.sampler,
                      getattr(self.dataloader.batch_sampler, 'sampler', None))
        found = []
        for sampler in candidates:
            if hasattr(sampler, 'seed') and all(sampler is not s
                                                for s in found):
                found.append(sampler)
        return found

    def _restore_sampler_seed(self) -> None:
        """Give the samplers the seed the checkpoint's run shuffled with,
        then record it for the checkpoints this run writes."""
        hub = self.runner.message_hub
        samplers = self._samplers()
        seed = hub.get_info(SAMPLER_SEED_KEY, None)
        if seed is not None:
            for sampler in samplers:
                if sampler.seed != seed:
                    print_log(
                        f'{type(sampler).__name__}: shuffling with seed '
                        f'{seed} (not {sampler.seed}), as the run that wrote '
                        'the checkpoint did.',
                        logger='current')
                    sampler.seed = seed
        elif iters_done_in_epoch(self.runner) > 0 and samplers:
            print_log(
                'The checkpoint does not say which seed the sampler '
                'shuffled with (written before aclnet-mm recorded it): '
                'unless the seed is set in the config, the resumed epoch '
                'may draw other samples than the interrupted one.',
                logger='current',
                level=logging.WARNING)
        if samplers:
            hub.update_info(SAMPLER_SEED_KEY, samplers[0].seed)

    def _batches_from(self, start: int) -> Iterator:
        """The batches of the current epoch from the ``start``-th on."""
        if start > len(self.dataloader):
            raise RuntimeError(
                f'Cannot resume epoch {self._epoch + 1} after iteration '
                f'{start}: it has only {len(self.dataloader)} iterations. Was '
                'the checkpoint written with another batch size, data set or '
                'number of processes?')
        sampler = self.dataloader.sampler
        skips = (
            start > 0 and callable(getattr(sampler, 'skip', None))
            and type(self.dataloader.batch_sampler) is BatchSampler)
        if skips:
            # Set before ``iter``: worker processes prefetch at once.
            sampler.skip(min(start * self.dataloader.batch_size, len(sampler)))
        batches = iter(self.dataloader)
        if start > 0:
            print_log(
                f'Resuming epoch {self._epoch + 1} after iteration {start} '
                f'of {len(self.dataloader)}' +
                ('' if skips else
                 f' ({type(sampler).__name__} cannot skip samples: drawing '
                 f'and dropping {start} batches)'),
                logger='current')
            if not skips:
                for _ in range(start):
                    next(batches)
        self._restore_rank_state(start)
        return batches

    def _restore_rank_state(self, start: int) -> None:
        """Restore this rank's generators and buffers if the checkpoint
        holds them."""
        states = self.runner.message_hub.pop_info(RANK_STATES_KEY, None)
        if states is None or start == 0:
            return
        if len(states) != get_world_size():
            print_log(
                f'The checkpoint holds the random generators and buffers of '
                f'{len(states)} processes, this run has {get_world_size()}: '
                'they are not restored, so random draws and per-rank '
                'statistics differ from the interrupted run from here on.',
                logger='current',
                level=logging.WARNING)
            return
        state = states[get_rank()]
        model = self.runner.model
        if is_model_wrapper(model):
            model = model.module
        for name, value in state['buffers'].items():
            buffer = model.get_buffer(name)
            buffer.copy_(value.to(buffer.device))
        set_rng_state(state['rng'])
