# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The per-frame recognizer: its batch of windows agrees with
inference_skeleton on each window; settings are read from the config."""
import os.path as osp

import numpy as np
import pytest
import torch
from tool_scripts import REPO_ROOT as ROOT
from tool_scripts import write_paper_protocol_config
from video.normalization import normalize_openpose_kit
from video.pose_estimator import BasePoseEstimator, PersonPose
from video.recognizer import SkeletonVideoRecognizer, clip_length
from video.windows import PoseWindow

from aclnet_mm.apis import inference_skeleton, init_recognizer

CONFIG = osp.join(
    ROOT, 'configs', 'aclnet', 'aclnet_aclgcn_1xb16_joint_u24_30e_'
    'body25_embedded_keypoint_2d.py')


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_recognizer(CONFIG, None, device='cpu')


def _window(seed, track_id):
    rng = np.random.default_rng(seed)
    pixels = rng.uniform(100, 400, size=(24, 25, 2))
    score = rng.uniform(0.6, 1, size=(24, 25))
    kp, sc, _ = normalize_openpose_kit(pixels, score)
    return PoseWindow(track_id, 0, 23, list(range(24)), kp, sc)


def test_settings_from_config(model):
    names = [f'c{i}' for i in range(20)]
    rec = SkeletonVideoRecognizer(model, None, class_names=names)
    assert rec.layout == 'openpose_body25'
    assert rec.window == 24 and rec.windows.stride == 6
    assert rec.coordinates == 'openpose_kit'
    assert clip_length([dict(type='UniformSampleFrames', clip_len=48)]) == 48
    assert clip_length([dict(type='PoseDecode')]) is None
    # Every sampler that declares its clip length in its contract.
    assert clip_length([dict(type='UniformSample', clip_len=16)]) == 16
    assert clip_length([dict(type='PysklUniformSample', clip_len=100)]) == 100
    assert clip_length([dict(type='SkeletonFirstFrames', clip_len=24)]) == 24
    with pytest.raises(ValueError, match='unknown coordinates'):
        SkeletonVideoRecognizer(model, None, coordinates='metres')
    with pytest.raises(ValueError, match='maps poses to'):
        SkeletonVideoRecognizer(model, None, layout='openpose')
    with pytest.raises(ValueError, match='openpose_body25 models'):
        SkeletonVideoRecognizer(
            model, None, layout='coco', coordinates='openpose_kit')


def test_batch_matches_single_inference(model):
    names = [f'c{i}' for i in range(20)]
    rec = SkeletonVideoRecognizer(model, None, topk=20, class_names=names)
    rec._img_shape = (576, 768)
    windows = [_window(0, 0), _window(1, 5), _window(2, 9)]
    results = rec.classify(windows)
    assert len(results) == 3
    for win, res in zip(windows, results):
        ref = inference_skeleton(
            model,
            win.keypoint[None],
            keypoint_score=win.keypoint_score[None],
            topk=20,
            class_names=names)
        np.testing.assert_allclose(res.pred_score, ref.pred_score, atol=1e-5)
        assert res.labels == ref.labels and res.names == ref.names
    assert not np.allclose(results[0].pred_score, results[1].pred_score)


def test_kinetics_style_config():
    """A Kinetics config takes COCO-17 in MMAction2's compressed form
    (DecompressPose) and adds coco_new's joints itself (CocoToCocoNew)."""
    config = osp.join(
        ROOT, 'configs', 'aclnet',
        'aclnet_aclgcn_1xb64_joint_u100_150e_k400_keypoint_2d.py')
    torch.manual_seed(0)
    # Narrowed (base 16: 64 output channels) to keep the test fast.
    narrow = dict(
        model=dict(
            backbone=dict(base_channels=16), cls_head=dict(in_channels=64)))
    k400 = init_recognizer(config, None, device='cpu', cfg_options=narrow)
    rec = SkeletonVideoRecognizer(k400, None, window=8, topk=3)
    assert rec.layout == 'coco' and rec.coordinates == 'pixel'
    rec._img_shape = (576, 768)
    rng = np.random.default_rng(0)
    win = PoseWindow(0, 0, 7, list(range(8)),
                     rng.uniform(0, 500, (8, 17, 2)).astype(np.float32),
                     rng.uniform(0.5, 1, (8, 17)).astype(np.float32))
    (result, ) = rec.classify([win])
    assert result.pred_score.shape == (400, )
    assert result.pred_score.sum() == pytest.approx(1, abs=1e-4)
    assert len(result.labels) == 3


def test_3d_model_refused():
    config = osp.join(ROOT, 'configs', 'aclnet_ctrgcn_ntu60.py')
    ntu = init_recognizer(config, None, device='cpu')
    with pytest.raises(ValueError, match='poses from a video are 2D'):
        SkeletonVideoRecognizer(ntu, None)


class _ScriptedEstimator(BasePoseEstimator):
    """One COCO person per frame; in the frames of ``blind`` every joint
    scores 0.1, below the recognizer's threshold, so no limb is seen."""
    source = 'coco'

    def __init__(self, blind):
        self.blind = set(blind)
        self.calls = 0

    def __call__(self, frame):
        rng = np.random.default_rng(self.calls)
        keypoint = rng.uniform(200, 300, (17, 2)).astype(np.float32)
        score = np.full(17, 0.1 if self.calls in self.blind else 0.9,
                        np.float32)
        self.calls += 1
        return [
            PersonPose(
                np.array([200, 200, 300, 300], np.float32), 0.9, keypoint,
                score, 'coco')
        ]


def test_openpose_kit_skips_poses_without_a_limb(model):
    """A pose with no detected limb has no body size: the kit's recorder
    dropped it, so it does not enter a window (not as zeros either)."""
    rec = SkeletonVideoRecognizer(
        model, _ScriptedEstimator(blind=[2]), window=4, stride=1)
    assert rec.coordinates == 'openpose_kit'
    frame = np.zeros((480, 640, 3), np.uint8)
    windows = []
    for _ in range(6):
        people, predictions = rec(frame)
        assert [p.track_id for p in people] == [0]  # still tracked
        windows += [p.window for p in predictions]
    assert [w.frames for w in windows] == [[0, 1, 3, 4], [1, 3, 4, 5]]
    for win in windows:
        assert (np.abs(win.keypoint).sum(axis=(1, 2)) > 0).all()
        assert (win.keypoint_score.max(axis=1) > 0).all()


def test_window_from_paper_protocol_and_ascal_samplers(tmp_path):
    """PysklUniformSample (paper protocol) and SkeletonFirstFrames (AS-CAL)
    give the window, as UniformSampleFrames does."""
    from mmengine.config import Config
    paper = Config.fromfile(
        write_paper_protocol_config(
            str(tmp_path),
            'aclnet_aclgcn_1xb16_joint_u100_150e_finegym_keypoint_2d'))
    ascal = Config.fromfile(
        osp.join(
            ROOT, 'configs', 'ascal', 'ascal_linear_lstm_1xb32_u24_90e_'
            'body25_embedded_keypoint_2d.py'))
    for cfg, clip_len in ((paper, 100), (ascal, 24)):
        pipeline = cfg.test_dataloader.dataset.pipeline
        assert clip_length(pipeline) == clip_len
    torch.manual_seed(0)
    narrow = dict(
        model=dict(
            backbone=dict(base_channels=16), cls_head=dict(in_channels=64)))
    model = init_recognizer(paper, None, device='cpu', cfg_options=narrow)
    rec = SkeletonVideoRecognizer(model, None)
    assert rec.window == 100 and rec.layout == 'coco'
    rec = SkeletonVideoRecognizer(
        init_recognizer(ascal, None, device='cpu'), None)
    assert rec.window == 24 and rec.layout == 'openpose_body25'
