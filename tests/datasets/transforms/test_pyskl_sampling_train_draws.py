# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``PysklUniformSample`` in training mode draws from numpy's global
generator: new frames at every call (a new view of the clip every epoch),
reproducible from the run's seed, and the draws advance the generator."""
import numpy as np

from aclnet_mm.datasets.transforms import PysklUniformSample


def _draw(transform, total=100):
    return transform(dict(total_frames=total, start_index=0))['frame_inds']


def test_training_draws_differ_across_calls_and_advance_the_global_rng():
    # Every length branch: shorter than the clip, shorter than two clips,
    # and longer (one random frame per segment).
    for total in (10, 30, 100):
        transform = PysklUniformSample(
            clip_len=20, num_clips=1, p_interval=(0.5, 1))
        np.random.seed(0)
        before = np.random.get_state()[1].copy(), np.random.get_state()[2]
        draws = [tuple(_draw(transform, total)) for _ in range(8)]
        after = np.random.get_state()[1], np.random.get_state()[2]
        assert len(set(draws)) > 1, f'total={total}: the same frames 8 times'
        assert not (np.array_equal(before[0], after[0])
                    and before[1] == after[1]), 'global RNG not advanced'
        # Reproducible from the global seed (MMEngine seeds it per worker).
        np.random.seed(0)
        assert [tuple(_draw(transform, total)) for _ in range(8)] == draws
        np.random.seed(1)
        assert [tuple(_draw(transform, total)) for _ in range(8)] != draws


def test_test_mode_draws_are_fixed_and_leave_the_global_rng_alone():
    transform = PysklUniformSample(clip_len=20, num_clips=2, test_mode=True)
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    draws = {tuple(_draw(transform)) for _ in range(4)}
    assert len(draws) == 1
    np.testing.assert_array_equal(np.random.get_state()[1], state)
