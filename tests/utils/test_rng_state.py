# Copyright (c) aclnet-mm contributors. All rights reserved.
import io
import random

import numpy as np
import torch

from aclnet_mm.utils.rng_state import get_rng_state, set_rng_state


def _draws():
    return (random.random(), np.random.normal(size=3).tolist(),
            torch.rand(3).tolist())


def test_restored_generators_repeat_their_draws():
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    np.random.normal()  # leaves a cached Gaussian in NumPy's state
    state = get_rng_state()
    expected = _draws()
    _draws()
    # Through a checkpoint, with torch's safe loader.
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    set_rng_state(torch.load(buffer, weights_only=True))
    assert _draws() == expected


def test_states_loaded_onto_another_device_are_restored(off_host):
    """``Runner.resume`` loads checkpoints with ``map_location='cuda'`` on
    a GPU machine; ``torch.set_rng_state`` takes CPU tensors only."""
    torch.manual_seed(2)
    state = get_rng_state()
    expected = _draws()
    moved = off_host(state)
    assert moved['torch'].device.type != 'cpu'
    set_rng_state(moved)
    assert _draws() == expected
