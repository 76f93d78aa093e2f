# Copyright (c) aclnet-mm contributors. All rights reserved.
"""PYSKL's uniform frame sampling, for the ACLNet paper's protocol."""
from typing import Dict, Tuple, Union

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..contract import TransformContract

__all__ = ['PysklUniformSample']

_SHORT_CLIPS = ('random', 'spaced')


@TRANSFORMS.register_module()
class PysklUniformSample(BaseTransform):
    """Uniform frame sampling that picks PYSKL's frames for the same seed.

    ACLNet's reference code samples frames with PYSKL's samplers, which pick
    other test frames than MMAction2's :class:`UniformSampleFrames` with the
    same seed 255: before each clip they draw a crop ratio and an offset
    (``p_interval``; nothing is cropped at the default 1, but the draws move
    the random stream), and ``UniformSampleDecode`` starts a clip shorter
    than the window at a random frame where MMAction2 spaces the starts
    evenly. This transform re-states both reference samplers and returns
    ``frame_inds`` for MMAction2's ``PoseDecode``:

    - ``short_clips='random'``: PYSKL's ``UniformSampleDecode``, used by the
      NTU RGB+D and PKU-MMD configs of ACLNet;
    - ``short_clips='spaced'``: PYSKL's ``UniformSampleFrames`` (alias
      ``UniformSample``), used by its Kinetics-400 and FineGYM configs.

    Per clip of length ``clip_len`` from a sample of ``T`` frames: a ratio
    ``r`` in ``p_interval`` and an offset ``off`` in ``[0, T - n]`` are
    drawn, ``n = int(r * T)``; then, as in MMAction2, a sample shorter than
    the window is looped, one of length ``[clip_len, 2 * clip_len)`` keeps
    ``clip_len`` frames in order with ``n - clip_len`` random gaps, and a
    longer one is cut into ``clip_len`` equal segments with one random frame
    each. In test mode the draws come from ``np.random.RandomState(seed)``
    created for each sample, which gives the numbers of PYSKL's
    ``np.random.seed(seed)`` without resetting numpy's global generator
    (MMAction2's sampler resets it, which makes the training draws after a
    validation independent of the run's seed). In training mode the draws
    come from numpy's global generator, which MMEngine seeds per worker.

    PYSKL's ``UniformSampleFrames`` also re-rounds the indices of frames
    where the number of persons changes; its indices are already integers,
    so that step changes nothing and is left out.

    Required Keys:

        - total_frames
        - start_index (optional)

    Added Keys:

        - frame_inds
        - frame_interval
        - num_clips
        - clip_len

    Args:
        clip_len (int): Frames of each clip.
        num_clips (int): Clips per sample. Defaults to 1.
        p_interval (float | tuple[float, float]): Range of the crop ratio.
            Defaults to 1 (no crop).
        seed (int): Seed of the test-mode draws. Defaults to 255.
        short_clips (str): ``'random'`` (``UniformSampleDecode``) or
            ``'spaced'`` (``UniformSampleFrames``). Defaults to 'random'.
        test_mode (bool): Seeded test-time sampling. Defaults to False.
    """

    CONTRACT = TransformContract(
        requires=('total_frames', ),
        produces=('frame_inds', 'clip_len', 'num_clips'),
        clip_len_arg='clip_len')

    def __init__(self,
                 clip_len: int,
                 num_clips: int = 1,
                 p_interval: Union[float, Tuple[float, float]] = 1,
                 seed: int = 255,
                 short_clips: str = 'random',
                 test_mode: bool = False) -> None:
        if clip_len < 1 or num_clips < 1:
            raise ValueError('clip_len and num_clips must be >= 1, got '
                             f'{clip_len} and {num_clips}')
        if short_clips not in _SHORT_CLIPS:
            raise ValueError(f'short_clips must be one of {_SHORT_CLIPS}, '
                             f'got {short_clips!r}')
        if not isinstance(p_interval, (tuple, list)):
            p_interval = (p_interval, p_interval)
        p_interval = tuple(float(p) for p in p_interval)
        if len(p_interval) != 2 or not 0 < p_interval[0] <= p_interval[1] <= 1:
            raise ValueError('p_interval must be a ratio or a (low, high) '
                             f'pair in (0, 1], got {p_interval}')
        self.clip_len = clip_len
        self.num_clips = num_clips
        self.p_interval = p_interval
        self.seed = seed
        self.short_clips = short_clips
        self.test_mode = test_mode

    def _clip(self, rng, total: int, index: int) -> np.ndarray:
        """Frame indices of clip ``index`` (PYSKL's draws, in its order)."""
        clip_len = self.clip_len
        low, high = self.p_interval
        ratio = rng.rand() * (high - low) + low
        # PYSKL keeps int(ratio * total), which is 0 for a crop of a very
        # short clip and then fails (randint(0, 0)); keep at least one frame.
        # Every clip PYSKL samples gets the same draws.
        num_frames = max(1, int(ratio * total))
        off = rng.randint(total - num_frames + 1)
        if num_frames < clip_len:
            if self.short_clips == 'random' or not self.test_mode:
                start = rng.randint(0, num_frames)
            elif num_frames < self.num_clips:
                start = index
            else:
                start = index * num_frames // self.num_clips
            inds = np.arange(start, start + clip_len)
            if self.short_clips == 'random':
                # UniformSampleDecode loops inside the cropped window.
                inds = inds % num_frames
        elif num_frames < 2 * clip_len:
            gaps = rng.choice(
                clip_len + 1, num_frames - clip_len, replace=False)
            offset = np.zeros(clip_len + 1, dtype=np.int64)
            offset[gaps] = 1
            inds = np.arange(clip_len) + np.cumsum(offset)[:-1]
        else:
            bounds = np.array(
                [i * num_frames // clip_len for i in range(clip_len + 1)])
            inds = bounds[:clip_len] + rng.randint(np.diff(bounds))
        return inds + off

    def transform(self, results: Dict) -> Dict:
        """Add ``frame_inds`` and the clip keys.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        total = results.get('total_frames')
        if total is None or int(total) < 1:
            name = results.get('frame_dir', '<unnamed sample>')
            raise ValueError(f'{type(self).__name__}: sample {name} has '
                             f'total_frames={total!r}; expected >= 1')
        total = int(total)
        # numpy's global functions are the methods of one RandomState.
        rng = np.random.RandomState(self.seed) if self.test_mode \
            else np.random
        inds = np.concatenate(
            [self._clip(rng, total, i) for i in range(self.num_clips)])
        inds = np.mod(inds, total) + results.get('start_index', 0)
        results['frame_inds'] = inds.astype(np.int64)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = None
        results['num_clips'] = self.num_clips
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'num_clips={self.num_clips}, '
                f'p_interval={self.p_interval}, seed={self.seed}, '
                f'short_clips={self.short_clips!r}, '
                f'test_mode={self.test_mode})')
