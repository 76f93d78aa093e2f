# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The transforms inside MMAction2's real ``PoseDataset`` pipelines."""
import numpy as np
import pytest
import torch
from mmaction.datasets import PoseDataset
from mmaction.datasets.transforms import (PoseDecode, ToMotion,
                                          UniformSampleFrames)
from mmengine.registry import init_default_scope
from tool_scripts import load_tool

from aclnet_mm.datasets.transforms import GenSkeletonStreams

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset


@pytest.fixture(autouse=True)
def mmaction_scope():
    init_default_scope('mmaction')


def _tail(clip_len, num_clips=1, test_mode=False):
    return [
        dict(
            type='UniformSampleFrames',
            clip_len=clip_len,
            num_clips=num_clips,
            test_mode=test_mode),
        dict(type='PoseDecode'),
    ]


def _pack():
    return [
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]


def test_ntu_3d_train_and_test_pipelines(tmp_path):
    ann_file = dump_synthetic_skeleton_dataset(
        str(tmp_path / 'ntu.pkl'),
        num_classes=2,
        samples_per_class=4,
        num_frames=20,
        min_frames=12)
    # ACLNet's NTU recipe: augment, build the stream on the full sequence,
    # then sample (motion before sampling).
    train_pipeline = [
        dict(type='PreNormalize3D', align_spine=False),
        dict(type='RandomSkeletonRotate', theta=0.2),
        dict(type='RandomSkeletonScale', scale=0.1),
        dict(type='SkeletonFlip', layout='nturgb+d'),
        dict(type='SkeletonPartDrop', layout='nturgb+d', drop_ratio=0.5),
        dict(type='GenSkeletonStreams', layout='nturgb+d', feats=('k', 'km')),
        *_tail(8),
        *_pack(),
    ]
    dataset = PoseDataset(ann_file, train_pipeline, split='train')
    assert len(dataset) == 4
    for index in range(len(dataset)):
        sample = dataset[index]
        inputs = sample['inputs']
        assert isinstance(inputs, torch.Tensor)
        assert inputs.shape == (1, 2, 8, 25, 6)
        assert inputs.dtype == torch.float32
        assert torch.isfinite(inputs).all()
        assert sample['data_samples'].gt_label.item() in (0, 1)
        assert 'flip' not in sample['data_samples'].metainfo
    test_pipeline = [
        dict(type='PreNormalize3D', align_spine=False),
        dict(type='GenSkeletonStreams', layout='nturgb+d', feats=('b', )),
        *_tail(8, num_clips=3, test_mode=True),
        *_pack(),
    ]
    dataset = PoseDataset(ann_file, test_pipeline, split='test')
    first = dataset[0]['inputs']
    assert first.shape == (3, 2, 8, 25, 3)
    # Test mode is deterministic.
    torch.testing.assert_close(dataset[0]['inputs'], first)


def test_coco_new_2d_pipeline(tmp_path):
    ann_file = dump_synthetic_skeleton_dataset(
        str(tmp_path / 'coco.pkl'),
        num_classes=2,
        samples_per_class=4,
        num_frames=16,
        num_joints=17,
        coord_dim=2,
        layout='coco',
        img_shape=(360, 640))
    # ACLNet's Kinetics / FineGYM recipe: sample, flip the COCO joints in
    # the image, add the midline joints, then build the stream (motion after
    # sampling, scores differenced as in the reference).
    pipeline = [
        *_tail(8),
        dict(type='SkeletonFlip', layout='coco', reflect='image'),
        dict(type='CocoToCocoNew'),
        dict(type='GenSkeletonStreams', layout='coco_new', feats=('j', 'km')),
        *_pack(),
    ]
    dataset = PoseDataset(ann_file, pipeline, split='train')
    for index in range(len(dataset)):
        inputs = dataset[index]['inputs']
        assert inputs.shape == (1, 2, 8, 20, 6)
        assert inputs.dtype == torch.float32
        joints = inputs[..., :2]
        assert (joints >= 0).all() and (joints[..., 0] <= 640).all()
        score = inputs[..., 2]
        assert ((score >= 0.5) & (score <= 1)).all()


def _reference_uniform_sample_decode(num_frames, clip_len):
    """A re-statement of ACLNet's 3D ``UniformSampleDecode`` indices
    (``p_interval=1``, one clip), drawing from numpy's global RNG."""
    # p_interval = (1, 1): the ratio draw is spent, the offset is 0.
    ratio = np.random.rand() * 0 + 1
    assert int(ratio * num_frames) == num_frames
    if num_frames < clip_len:
        start = np.random.randint(0, num_frames)
        return np.arange(start, start + clip_len) % num_frames
    if num_frames < 2 * clip_len:
        picks = np.random.choice(
            clip_len + 1, num_frames - clip_len, replace=False)
        offset = np.zeros(clip_len + 1, dtype=np.int64)
        offset[picks] = 1
        return np.arange(clip_len) + np.cumsum(offset)[:-1]
    bounds = np.array(
        [i * num_frames // clip_len for i in range(clip_len + 1)])
    return bounds[:-1] + np.random.randint(np.diff(bounds))


@pytest.mark.parametrize('num_frames', [5, 13, 40])
def test_mmaction_order_is_motion_before_sampling(num_frames):
    """``GenSkeletonStreams`` -> ``UniformSampleFrames`` -> ``PoseDecode``
    is the reference's 3D ``GenSkeFeat`` -> ``UniformSampleDecode``: the
    motion of the full sequence, gathered at uniformly sampled frames."""
    clip_len = 8
    rng = np.random.default_rng(num_frames)
    keypoint = rng.standard_normal((2, num_frames, 25, 3)).astype(np.float32)
    results = dict(keypoint=keypoint.copy(), total_frames=num_frames)
    results = GenSkeletonStreams(feats=('jm', ))(results)
    np.random.seed(num_frames)
    np.random.rand()  # the draw the reference spends on p_interval
    results = UniformSampleFrames(clip_len)(results)
    out = PoseDecode()(results)['keypoint']

    np.random.seed(num_frames)
    inds = _reference_uniform_sample_decode(num_frames, clip_len)
    np.testing.assert_array_equal(results['frame_inds'], inds)
    full_motion = ToMotion(source='keypoint')(dict(keypoint=keypoint))
    np.testing.assert_array_equal(out, full_motion['motion'][:, inds])
    # Sampling first would difference the sampled frames instead.
    sampled_motion = ToMotion(source='keypoint')(
        dict(keypoint=keypoint[:, inds]))['motion']
    assert not np.allclose(out, sampled_motion)
