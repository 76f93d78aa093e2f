# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``PysklUniformSample`` against loop re-statements of PYSKL's samplers
(pyskl/datasets/pipelines/sampling.py, also in firework8/ACLNet)."""
import numpy as np
import pytest
from mmaction.datasets.transforms import UniformSampleFrames

from aclnet_mm.datasets.transforms import PysklUniformSample


def _pyskl_uniform_sample_test(total, clip_len, num_clips, seed=255):
    """PYSKL ``UniformSample`` / ``UniformSampleFrames``, test mode,
    ``p_interval=1``: global RNG seeded per sample, then the ratio and the
    offset draws before every clip, evenly spaced starts for short
    samples, and ``np.mod`` by the sample length at the end."""
    np.random.seed(seed)
    frames = []
    for i in range(num_clips):
        ratio = np.random.rand() * (1 - 1) + 1
        n = int(ratio * total)
        off = np.random.randint(total - n + 1)
        clip = []
        if n < clip_len:
            if n < num_clips:
                start = i
            else:
                start = i * n // num_clips
            for k in range(clip_len):
                clip.append(start + k)
        elif n < 2 * clip_len:
            gaps = np.random.choice(clip_len + 1, n - clip_len, replace=False)
            shift = 0
            for k in range(clip_len):
                if k in gaps:
                    shift += 1
                clip.append(k + shift)
        else:
            bounds = [j * n // clip_len for j in range(clip_len + 1)]
            sizes = [bounds[j + 1] - bounds[j] for j in range(clip_len)]
            offsets = np.random.randint(sizes)
            for k in range(clip_len):
                clip.append(bounds[k] + offsets[k])
        for frame in clip:
            frames.append((frame + off) % total)
    return frames


def _pyskl_uniform_sample_decode_test(total, clip_len, num_clips, seed=255):
    """PYSKL ``UniformSampleDecode`` (ACLNet's NTU / PKU-MMD configs),
    test mode, ``p_interval=1``: as above but a short sample starts at a
    random frame and loops inside its window."""
    np.random.seed(seed)
    frames = []
    for _ in range(num_clips):
        ratio = np.random.rand() * (1 - 1) + 1
        n = int(ratio * total)
        off = np.random.randint(total - n + 1)
        if n < clip_len:
            start = np.random.randint(0, n)
            clip = [(start + k) % n for k in range(clip_len)]
        elif n < 2 * clip_len:
            gaps = np.random.choice(clip_len + 1, n - clip_len, replace=False)
            clip, shift = [], 0
            for k in range(clip_len):
                if k in gaps:
                    shift += 1
                clip.append(k + shift)
        else:
            bounds = [j * n // clip_len for j in range(clip_len + 1)]
            sizes = [bounds[j + 1] - bounds[j] for j in range(clip_len)]
            offsets = np.random.randint(sizes)
            clip = [bounds[k] + offsets[k] for k in range(clip_len)]
        frames.extend(frame + off for frame in clip)
    return frames


# Shorter than, equal to and longer than the window (clip_len 100; 150 is
# in the [clip_len, 2 * clip_len) gap regime, 300 and 1000 segment).
TOTALS = (5, 37, 99, 100, 150, 199, 200, 300, 1000)


@pytest.mark.parametrize('total', TOTALS)
@pytest.mark.parametrize('num_clips', (1, 10))
@pytest.mark.parametrize('short_clips, reference',
                         [('spaced', _pyskl_uniform_sample_test),
                          ('random', _pyskl_uniform_sample_decode_test)])
def test_equals_pyskl_in_test_mode(total, num_clips, short_clips, reference):
    transform = PysklUniformSample(
        clip_len=100,
        num_clips=num_clips,
        seed=255,
        short_clips=short_clips,
        test_mode=True)
    expected = reference(total, 100, num_clips)
    np.random.seed(7)
    state = np.random.get_state()[1].copy()
    out = transform(dict(total_frames=total, start_index=0))
    np.testing.assert_array_equal(out['frame_inds'], expected)
    assert out['frame_inds'].shape == (100 * num_clips, )
    assert out['clip_len'] == 100 and out['num_clips'] == num_clips
    # Unlike PYSKL and MMAction2, the global generator is left alone.
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    # The same frames for every call (seeded per sample).
    again = transform(dict(total_frames=total, start_index=0))
    np.testing.assert_array_equal(again['frame_inds'], expected)


@pytest.mark.parametrize('total', (37, 300))
def test_other_frames_than_mmaction2(total):
    # The point of the transform: same seed, other frames than MMAction2's
    # UniformSampleFrames (short samples: random starts; long ones: the
    # ratio and offset draws move the stream).
    ours = PysklUniformSample(
        clip_len=100, num_clips=10,
        test_mode=True)(dict(total_frames=total, start_index=0))['frame_inds']
    theirs = UniformSampleFrames(
        clip_len=100, num_clips=10,
        test_mode=True)(dict(total_frames=total, start_index=0))['frame_inds']
    assert not np.array_equal(ours, theirs)


def test_train_mode_and_checks():
    transform = PysklUniformSample(clip_len=24, num_clips=2)
    np.random.seed(0)
    first = transform(dict(total_frames=10))['frame_inds']
    np.random.seed(0)
    np.testing.assert_array_equal(
        transform(dict(total_frames=10))['frame_inds'], first)
    assert first.shape == (48, ) and first.min() >= 0 and first.max() < 10
    # A cropped window (p_interval < 1) stays inside the sample.
    crop = PysklUniformSample(clip_len=24, p_interval=(0.5, 1))
    for _ in range(20):
        inds = crop(dict(total_frames=60, start_index=1))['frame_inds']
        assert inds.min() >= 1 and inds.max() <= 60
    with pytest.raises(ValueError, match='sample a1 has total_frames=0'):
        transform(dict(total_frames=0, frame_dir='a1'))
    with pytest.raises(ValueError, match='short_clips'):
        PysklUniformSample(clip_len=4, short_clips='even')
    with pytest.raises(ValueError, match='p_interval'):
        PysklUniformSample(clip_len=4, p_interval=(0.9, 0.5))
    assert 'short_clips' in repr(transform)
