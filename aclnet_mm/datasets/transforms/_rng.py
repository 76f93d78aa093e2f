# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Where the skeleton augmentations draw their random numbers."""
from types import ModuleType
from typing import Optional, Union

import numpy as np

RandomSource = Union[np.random.Generator, ModuleType]


def get_rng(seed: Optional[int] = None) -> RandomSource:
    """The random source of one augmentation.

    ``seed=None`` gives numpy's global RNG (``np.random``), which MMEngine
    seeds in every dataloader worker (``worker_init_fn`` with the run's
    ``randomness.seed``), so training stays reproducible and the workers
    draw different streams. An integer gives a private
    ``np.random.default_rng(seed)``: handy for tests and debugging, but each
    dataloader worker then holds a copy of the same generator and repeats
    the same draws.

    Both sources offer the three calls the augmentations use: ``random()``,
    ``uniform(low, high, size)`` and ``choice(n)``.

    Args:
        seed (int, optional): Seed of a private generator.

    Returns:
        numpy.random.Generator | module: The random source.
    """
    return np.random if seed is None else np.random.default_rng(seed)
