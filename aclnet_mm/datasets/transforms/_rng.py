# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Where the skeleton augmentations draw their random numbers."""
import random
from types import ModuleType
from typing import Optional, Tuple, Union

import numpy as np

RandomSource = Union[np.random.Generator, np.random.RandomState, ModuleType]
PyRandomSource = Union[random.Random, ModuleType]


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


def get_reference_rngs(
        seed: Optional[int] = None) -> Tuple[PyRandomSource, RandomSource]:
    """The two random sources of AS-CAL's augmentations.

    The reference (LZU-SIAT/AS-CAL ``feeders/tools.py``) draws most of its
    parameters from Python's ``random`` (reverse, shear, rotation, masks,
    the blur's sigma) and the rest from numpy's global RNG (the noise, the
    blur's coin). The AS-CAL transforms draw each number from the same
    source, with the same call and in the same order, so that with both
    sources seeded alike they give the reference's output.

    ``seed=None`` gives the global ``random`` module and ``np.random``
    (MMEngine's ``worker_init_fn`` seeds both in every dataloader worker);
    an integer gives a private ``random.Random(seed)`` and
    ``np.random.RandomState(seed)``, which draw what the global sources
    draw after ``random.seed(seed)`` and ``np.random.seed(seed)``.

    Args:
        seed (int, optional): Seed of private generators.

    Returns:
        tuple: ``(python_source, numpy_source)``.
    """
    if seed is None:
        return random, np.random
    return random.Random(seed), np.random.RandomState(seed)
