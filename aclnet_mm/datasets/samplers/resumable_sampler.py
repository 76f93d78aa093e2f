# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import Iterator, Optional, Sized

from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import DefaultSampler

__all__ = ['ResumableSampler']


@DATA_SAMPLERS.register_module()
class ResumableSampler(DefaultSampler):
    """MMEngine's ``DefaultSampler`` that can start an epoch part-way.

    The order of every epoch is the ``DefaultSampler`` order (same seed,
    same shuffle, same split across ranks). :meth:`skip` leaves out the
    first indices of this rank in the next iteration only, so a training
    run resumed in the middle of an epoch (see
    ``ResumableEpochBasedTrainLoop``) draws the samples the interrupted run
    had not reached yet, without loading the others.

    Args:
        dataset (Sized): The dataset.
        shuffle (bool): Whether to shuffle the indices. Defaults to True.
        seed (int, optional): Seed of the shuffle, the same on every rank;
            None draws one and shares it. Defaults to None.
        round_up (bool): Whether to repeat indices so that every rank gets
            the same number. Defaults to True.
    """

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        super().__init__(
            dataset, shuffle=shuffle, seed=seed, round_up=round_up)
        self._skip = 0

    def skip(self, num_samples: int) -> None:
        """Leave out this rank's first ``num_samples`` indices once.

        Args:
            num_samples (int): Indices of this rank to leave out of the next
                iteration, between 0 and ``len(self)``.
        """
        if not 0 <= num_samples <= self.num_samples:
            raise ValueError(
                f'ResumableSampler.skip: num_samples must be between 0 and '
                f'{self.num_samples} (the indices of rank {self.rank}), got '
                f'{num_samples}')
        self._skip = num_samples

    def __iter__(self) -> Iterator[int]:
        """Iterate this rank's indices, after the ones to skip."""
        indices = list(super().__iter__())
        skip, self._skip = self._skip, 0
        return iter(indices[skip:])
