# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The state of every random number generator a training process uses.

A run resumed in the middle of an epoch continues exactly only if the
random draws after the resume are those the uninterrupted run made:
dropout, random augmentations in the main process, anything that calls
``random``, ``numpy.random`` or ``torch``. MMEngine's checkpoints keep the
seed, not the generators' states, so a resumed run starts them afresh.

The states are plain tensors, lists, tuples and numbers, so a checkpoint
holding them still loads with ``torch.load(weights_only=True)``.
"""
import random
from typing import Any, Dict

import numpy as np
import torch

__all__ = ['get_rng_state', 'set_rng_state']


def get_rng_state() -> Dict[str, Any]:
    """The states of Python's, NumPy's, torch's CPU and CUDA generators.

    Returns:
        dict: ``python``, ``numpy``, ``torch`` and, when CUDA is
        initialised, ``cuda`` (one state per visible device).
    """
    kind, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    state = dict(
        python=random.getstate(),
        # The key as a list of ints: an ndarray needs numpy globals to
        # unpickle, which the safe loader refuses.
        numpy=(kind, keys.tolist(), int(pos), int(has_gauss),
               float(cached_gaussian)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict[str, Any]) -> None:
    """Restore the generators from :func:`get_rng_state`'s output.

    Args:
        state (dict): The states; a missing ``cuda`` entry leaves the CUDA
            generators as they are. Its tensors may be on any device (a
            checkpoint loaded with ``map_location='cuda'``, as
            ``Runner.resume`` does on a GPU machine).
    """
    version, internal, gauss = state['python']
    # A checkpoint may turn tuples into lists; ``random.setstate`` wants
    # tuples.
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached_gaussian = state['numpy']
    np.random.set_state(
        (kind, np.asarray(keys,
                          dtype=np.uint32), pos, has_gauss, cached_gaussian))
    # Both setters want a CPU ByteTensor, the CUDA one included.
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])
