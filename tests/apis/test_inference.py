# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Inference on raw skeletons: inputs, checks, pipeline, fusion, CLI."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from tool_scripts import load_script, write_paper_protocol_config

from aclnet_mm.apis import (inference_skeleton, inference_skeleton_streams,
                            init_recognizer, load_skeleton, model_expectations,
                            prepare_skeleton)

infer_main = load_script('demo/infer_skeleton.py').main

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLASSES = ('a', 'b', 'c', 'd')


def _config(feats=('j', ), layout='coco', dim=None, head=()) -> Config:
    pipeline = list(head)
    if dim == 3:
        pipeline.append(dict(type='PreNormalize3D'))
    elif dim == 2:
        pipeline.append(dict(type='PreNormalize2D'))
    pipeline += [
        dict(type='GenSkeFeat', dataset=layout, feats=list(feats)),
        dict(
            type='UniformSampleFrames',
            clip_len=8,
            num_clips=2,
            test_mode=True),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    return Config(
        dict(
            default_scope='mmaction',
            class_names=list(CLASSES),
            model=dict(
                type='RecognizerGCN',
                backbone=dict(
                    type='CTRGCN',
                    graph_cfg=dict(layout=layout, mode='spatial'),
                    in_channels=3 * len(feats),
                    base_channels=8,
                    num_stages=2,
                    inflate_stages=(),
                    down_stages=(),
                    num_person=2),
                cls_head=dict(type='GCNHead', num_classes=4, in_channels=8)),
            test_pipeline=pipeline))


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_recognizer(_config(), device='cpu')


def _sample(m=2, t=20, v=17, seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.normal(size=(m, t, v, 2)).astype(np.float32)
    score = rng.uniform(size=(m, t, v)).astype(np.float32)
    return kp, score


def test_load_skeleton_arrays_and_frames():
    kp, score = _sample()
    s = load_skeleton(kp[0])  # (T, V, C): one person
    assert s.keypoint.shape == (1, 20, 17, 2) and s.keypoint_score is None
    s = load_skeleton(kp, keypoint_score=score)
    np.testing.assert_array_equal(s.keypoint_score, score)
    # Frames with 2, 1 and 0 people: zero-padded to M = 2.
    frames = [kp[:, 0], kp[0, 1], np.zeros((0, 17, 2))]
    s = load_skeleton(frames)
    assert s.keypoint.shape == (2, 3, 17, 2)
    np.testing.assert_array_equal(s.keypoint[:, 0], kp[:, 0])
    np.testing.assert_array_equal(s.keypoint[0, 1], kp[0, 1])
    assert not s.keypoint[1, 1].any() and not s.keypoint[:, 2].any()
    with pytest.raises(ValueError, match=r'\(M, T, V, C\)'):
        load_skeleton(np.zeros((2, 3)))
    with pytest.raises(ValueError, match='keypoint_score'):
        load_skeleton(kp, keypoint_score=score[:, :5])


def test_load_skeleton_files(tmp_path):
    kp, score = _sample(m=1, t=3, v=4)
    np.save(tmp_path / 'a.npy', kp)
    np.testing.assert_array_equal(
        load_skeleton(str(tmp_path / 'a.npy')).keypoint, kp)
    np.savez(tmp_path / 'b.npz', keypoint=kp, keypoint_score=score)
    s = load_skeleton(tmp_path / 'b.npz')
    np.testing.assert_array_equal(s.keypoint_score, score)
    # MMPose video output, frames out of order; one frame without people.
    frames = [
        dict(
            frame_id=t,
            instances=[
                dict(
                    keypoints=kp[0, t].tolist(),
                    keypoint_scores=score[0, t].tolist(),
                    bbox=[[0, 0, 1, 1]])
            ] if t != 1 else []) for t in (2, 0, 1)
    ]
    (tmp_path / 'v.json').write_text(json.dumps(frames))
    s = load_skeleton(str(tmp_path / 'v.json'))
    assert s.keypoint.shape == (1, 3, 4, 2)
    np.testing.assert_allclose(s.keypoint[0, [0, 2]], kp[0, [0, 2]])
    np.testing.assert_allclose(s.keypoint_score[0, 2], score[0, 2])
    assert not s.keypoint[0, 1].any()
    # topdown_demo_with_mmdet.py wraps frames in instance_info.
    (tmp_path / 'w.json').write_text(
        json.dumps(dict(meta_info={}, instance_info=frames)))
    np.testing.assert_array_equal(
        load_skeleton(str(tmp_path / 'w.json')).keypoint, s.keypoint)
    # MMPoseInferencer on one image: a list of instances.
    (tmp_path / 'i.json').write_text(
        json.dumps([dict(keypoints=kp[0, 0].tolist())] * 2))
    s = load_skeleton(str(tmp_path / 'i.json'))
    assert s.keypoint.shape == (2, 1, 4, 2)
    np.testing.assert_array_equal(s.keypoint_score, np.ones((2, 1, 4)))
    with pytest.raises(ValueError, match='unsupported'):
        (tmp_path / 'x.txt').write_text('')
        load_skeleton(str(tmp_path / 'x.txt'))
    with pytest.raises(ValueError, match='MMPose'):
        (tmp_path / 'bad.json').write_text(json.dumps([dict(a=1)]))
        load_skeleton(str(tmp_path / 'bad.json'))


def test_expectations_and_errors():
    expect = model_expectations(_config())
    assert expect == dict(
        layout='coco',
        num_joints=17,
        in_channels=3,
        dim=None,
        compressed=False)
    kp, score = _sample()
    with pytest.raises(ValueError) as err:
        prepare_skeleton(load_skeleton(np.zeros((1, 5, 25, 3))), expect)
    msg = str(err.value)
    assert '25 joints' in msg and "'coco'" in msg and 'has 17' in msg
    assert 'nturgb+d' in msg  # the layouts that do have 25 joints
    expect3d = model_expectations(_config(layout='nturgb+d', dim=3))
    assert expect3d['dim'] == 3 and expect3d['num_joints'] == 25
    with pytest.raises(ValueError, match='expects 3D.*got 2D'):
        prepare_skeleton(load_skeleton(np.zeros((1, 5, 25, 2))), expect3d)
    with pytest.raises(ValueError, match='expects 3 input channels'):
        prepare_skeleton(load_skeleton(np.zeros((1, 5, 17, 5))), expect)
    # 3D + score: the score is dropped; 2D without score: ones.
    s = prepare_skeleton(load_skeleton(np.ones((1, 5, 25, 4))), expect3d)
    assert s.keypoint.shape[-1] == 3 and s.keypoint_score is None
    s = prepare_skeleton(load_skeleton(kp), expect, missing_score='ones')
    np.testing.assert_array_equal(s.keypoint_score, np.ones(kp.shape[:3]))


def test_refusals_name_what_is_wrong():
    expect = model_expectations(_config(dim=2))
    assert expect['dim'] == 2 and expect['in_channels'] == 3
    kp, score = _sample()
    all_nan = np.full((1, 5, 17, 3), np.nan, np.float32)
    with pytest.raises(ValueError, match='keypoint has 255 NaN/inf'):
        prepare_skeleton(load_skeleton(all_nan), expect)
    bad_score = score.copy()
    bad_score[1, 2, 3] = np.inf
    with pytest.raises(
            ValueError, match=r'keypoint_score has 1 NaN/inf.*'
            r'\(1, 2, 3\)'):
        prepare_skeleton(load_skeleton(kp, bad_score), expect)
    # 3D (x, y, z) for a 2D model: z is no confidence.
    xyz = np.random.default_rng(0).normal(size=(1, 5, 17,
                                                3)).astype(np.float32)
    with pytest.raises(ValueError, match='expects 2D.*got 3D.*outside'):
        prepare_skeleton(load_skeleton(xyz), expect)
    with pytest.raises(ValueError, match='expects 2D.*got 3D.*input_dim=3'):
        prepare_skeleton(load_skeleton(np.abs(xyz) / 9), expect, input_dim=3)
    # ... unless the caller says the third channel is a score.
    s = prepare_skeleton(load_skeleton(xyz), expect, input_dim=2)
    np.testing.assert_array_equal(s.keypoint_score, xyz[..., 2])
    # (x, y, score) with scores in [0, 1] is read as such.
    both = np.concatenate([kp, score[..., None]], -1)
    s = prepare_skeleton(load_skeleton(both), expect)
    np.testing.assert_array_equal(s.keypoint_score, score)
    with pytest.raises(ValueError, match='expects 3 input channels.*C = 5'):
        prepare_skeleton(load_skeleton(np.zeros((1, 5, 17, 5))), expect)
    with pytest.raises(ValueError, match='empty'):
        prepare_skeleton(load_skeleton(np.zeros((0, 5, 17, 2))), expect)
    # (x, y) without scores: an explicit choice, or a warning.
    with pytest.warns(UserWarning, match='no score.*confidence 1'):
        s = prepare_skeleton(load_skeleton(kp), expect)
    np.testing.assert_array_equal(s.keypoint_score, np.ones(kp.shape[:3]))
    with pytest.raises(ValueError, match='no score'):
        prepare_skeleton(load_skeleton(kp), expect, missing_score='error')
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        prepare_skeleton(load_skeleton(kp), expect, missing_score='ones')


def test_class_names_found_from_any_folder(tmp_path, monkeypatch):
    torch.manual_seed(0)
    cfg = _config()
    cfg.pop('class_names')
    model = init_recognizer(cfg, device='cpu')
    # A relative class-names file beside the config, run from elsewhere.
    folder = tmp_path / 'exp'
    folder.mkdir()
    cfg.class_names = 'names.txt'
    cfg.dump(str(folder / 'cfg.py'))
    (folder / 'names.txt').write_text('\n'.join(CLASSES) + '\n')
    torch.save(dict(state_dict=model.state_dict()), folder / 'plain.pth')
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    kp, score = _sample()
    sample = dict(keypoint=kp, keypoint_score=score)
    result = inference_skeleton(
        str(folder / 'cfg.py'), sample, checkpoint=str(folder / 'plain.pth'))
    assert result.names == [CLASSES[i] for i in result.labels]
    # No names in the config: those training saved in the checkpoint.
    cfg.pop('class_names')
    cfg.dump(str(folder / 'bare.py'))
    names = ['w', 'x', 'y', 'z']
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=names))), folder / 'meta.pth')
    result = inference_skeleton(
        str(folder / 'bare.py'), sample, checkpoint=str(folder / 'meta.pth'))
    assert result.names == [names[i] for i in result.labels]
    result = inference_skeleton(
        str(folder / 'bare.py'), sample, checkpoint=str(folder / 'plain.pth'))
    assert result.names is None


def test_inference_matches_model_on_pose_sample(model):
    kp, score = _sample()
    result = inference_skeleton(
        model, dict(keypoint=kp, keypoint_score=score), topk=3)
    # Same sample through the model directly (what PoseDataset feeds).
    from mmengine.dataset import Compose, pseudo_collate
    data = Compose(model.cfg.test_pipeline)(
        dict(
            keypoint=kp,
            keypoint_score=score,
            total_frames=20,
            start_index=0,
            modality='Pose',
            label=-1))
    with torch.no_grad():
        ref = model.test_step(pseudo_collate([data]))[0].pred_score.numpy()
    np.testing.assert_allclose(result.pred_score, ref, rtol=1e-6)
    assert result.labels == list(np.argsort(-ref)[:3])
    assert result.names == [CLASSES[i] for i in result.labels]
    assert result.scores == sorted(result.scores, reverse=True)
    # (x, y, score) in one array gives the same scores.
    both = np.concatenate([kp, score[..., None]], -1)
    again = inference_skeleton(model, both, topk=4)
    np.testing.assert_allclose(again.pred_score, ref, rtol=1e-6)
    assert again.to_dict()['names'] == [CLASSES[i] for i in again.labels]


def test_streams_fuse_weighted_mean(tmp_path):
    torch.manual_seed(1)
    joint = init_recognizer(_config(), device='cpu')
    bone = init_recognizer(_config(feats=('b', )), device='cpu')
    kp, score = _sample(seed=3)
    sample = dict(keypoint=kp, keypoint_score=score)
    pj = inference_skeleton(joint, sample).pred_score
    pb = inference_skeleton(bone, sample).pred_score
    fused = inference_skeleton_streams([joint, bone], sample, weights=(2, 1))
    np.testing.assert_allclose(fused.pred_score, (2 * pj + pb) / 3)
    assert fused.labels[0] == int(np.argmax(2 * pj + pb))

    # The CLI on files, with a second stream.
    for name, m in (('j', joint), ('b', bone)):
        m.cfg.dump(str(tmp_path / f'{name}.py'))
        torch.save(dict(state_dict=m.state_dict()), tmp_path / f'{name}.pth')
    np.savez(tmp_path / 'in.npz', **sample)
    out = tmp_path / 'out.json'
    cli = infer_main([
        str(tmp_path / 'j.py'),
        str(tmp_path / 'j.pth'),
        str(tmp_path / 'in.npz'), '--streams',
        str(tmp_path / 'b.py'),
        str(tmp_path / 'b.pth'), '--weights', '2', '1', '--topk', '2',
        '--device', 'cpu', '--out',
        str(out)
    ])
    np.testing.assert_allclose(cli.pred_score, fused.pred_score, rtol=1e-6)
    assert json.loads(out.read_text())['labels'] == fused.labels[:2]


# Narrowed (base 16: 64 output channels) to keep the benchmark models fast.
NARROW = dict(
    model=dict(backbone=dict(base_channels=16), cls_head=dict(in_channels=64)))
K400 = osp.join(ROOT, 'configs', 'aclnet',
                'aclnet_aclgcn_1xb64_joint_u100_150e_k400_keypoint_2d.py')
GYM = osp.join(ROOT, 'configs', 'aclnet',
               'aclnet_aclgcn_1xb16_joint_u100_150e_finegym_keypoint_2d.py')
GYM_PAPER = 'paper protocol on FineGYM'


def _pipeline_scores(model, sample) -> np.ndarray:
    """The model on a sample fed to its test pipeline by hand."""
    from mmengine.dataset import Compose, pseudo_collate
    data = Compose(model.cfg.test_pipeline)(sample)
    with torch.no_grad():
        return model.test_step(pseudo_collate([data]))[0].pred_score.numpy()


@pytest.mark.parametrize('config', [K400, GYM, GYM_PAPER])
def test_coco_new_configs_take_coco_keypoints(config, tmp_path):
    """K400 / FineGYM pipelines take the 17 COCO joints (CocoToCocoNew adds
    the three of coco_new); K400's starts from the compressed annotation."""
    if config == GYM_PAPER:
        config = write_paper_protocol_config(
            str(tmp_path),
            'aclnet_aclgcn_1xb16_joint_u100_150e_finegym_keypoint_2d')
    torch.manual_seed(0)
    model = init_recognizer(config, device='cpu', cfg_options=NARROW)
    expect = model_expectations(model.cfg)
    assert expect == dict(
        layout='coco',
        num_joints=17,
        in_channels=3,
        dim=2,
        compressed=config == K400)
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 500, (2, 30, 17, 2)).astype(np.float32)
    score = rng.uniform(0.5, 1, (2, 30, 17)).astype(np.float32)
    kp[:, 5], score[:, 5] = 0, 0  # nobody detected in frame 5
    kp[1, 7], score[1, 7] = 0, 0  # the second person missed in frame 7
    result = inference_skeleton(model, kp, keypoint_score=score, topk=3)
    num_classes = model.cfg.model.cls_head.num_classes
    assert result.pred_score.shape == (num_classes, )
    # What the dataset would have fed the pipeline gives the same scores.
    sample = dict(total_frames=30, start_index=0, modality='Pose', label=-1)
    if config == K400:
        # Compressed: (x, y, score) rows frame by frame, none for frame 5;
        # the missed person keeps its (zero) row, so its slot.
        rows = np.concatenate([kp, score[..., None]], -1)
        rows = np.delete(rows.transpose(1, 0, 2, 3), 5, axis=0)
        sample.update(
            keypoint=rows.reshape(58, 17, 3),
            frame_inds=np.repeat(np.delete(np.arange(30), 5), 2))
    else:
        sample.update(keypoint=kp, keypoint_score=score)
    np.testing.assert_allclose(
        result.pred_score, _pipeline_scores(model, sample), rtol=1e-5)
    # The 20 coco_new joints are the pipeline's output, not its input.
    with pytest.raises(ValueError, match="20 joints.*'coco', has 17"):
        inference_skeleton(
            model, np.zeros((1, 30, 20, 2)), missing_score='ones')
    # 3D keypoints are refused: the datasets declare dim=2.
    xyz = rng.normal(size=(1, 30, 17, 3)).astype(np.float32)
    with pytest.raises(ValueError, match='expects 2D.*got 3D'):
        inference_skeleton(model, xyz)


def test_frame_size_for_2d_normalisation(tmp_path, model):
    """PreNormalize2D gets the given size, else the input's, else the
    config's own (with a warning), never a silent 1080 x 1920."""
    import warnings
    torch.manual_seed(0)
    cfg = _config(dim=2)
    cfg.test_pipeline[0]['img_shape'] = (480, 640)
    prenorm = init_recognizer(cfg, device='cpu')
    kp, score = _sample()
    kp = np.abs(kp) * 200
    base = dict(
        keypoint=kp,
        keypoint_score=score,
        total_frames=20,
        start_index=0,
        modality='Pose',
        label=-1)
    # PreNormalize2D writes into the keypoints: a copy each.
    at_480 = _pipeline_scores(
        prenorm, dict(base, keypoint=kp.copy(), img_shape=(480, 640)))
    at_1080 = _pipeline_scores(
        prenorm, dict(base, keypoint=kp.copy(), img_shape=(1080, 1920)))
    assert not np.allclose(at_480, at_1080)
    sample = dict(keypoint=kp, keypoint_score=score)
    # No size anywhere: the config's, named in one warning.
    with pytest.warns(UserWarning, match=r'no img_shape.*\(480, 640\)') as rec:
        result = inference_skeleton(prenorm, sample)
    assert len([w for w in rec if 'img_shape' in str(w.message)]) == 1
    np.testing.assert_allclose(result.pred_score, at_480, rtol=1e-6)
    with pytest.warns(UserWarning, match=r'no img_shape.*\(480, 640\)') as rec:
        inference_skeleton_streams([prenorm, prenorm], sample)
    assert len([w for w in rec if 'img_shape' in str(w.message)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        # A given size wins over the config's, silently.
        result = inference_skeleton(prenorm, sample, img_shape=(1080, 1920))
        np.testing.assert_allclose(result.pred_score, at_1080, rtol=1e-6)
        # So does the input's own (a PoseDataset annotation, an .npz).
        result = inference_skeleton(prenorm,
                                    dict(sample, img_shape=(1080, 1920)))
        np.testing.assert_allclose(result.pred_score, at_1080, rtol=1e-6)
        np.savez(tmp_path / 'in.npz', img_shape=(1080, 1920), **sample)
        result = inference_skeleton(prenorm, str(tmp_path / 'in.npz'))
        np.testing.assert_allclose(result.pred_score, at_1080, rtol=1e-6)
        # A pipeline that does not normalise pixels needs no size.
        inference_skeleton(model, sample)
    # The CLI's --img-shape.
    prenorm.cfg.dump(str(tmp_path / 'p.py'))
    torch.save(dict(state_dict=prenorm.state_dict()), tmp_path / 'p.pth')
    np.savez(tmp_path / 'plain.npz', **sample)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        cli = infer_main([
            str(tmp_path / 'p.py'),
            str(tmp_path / 'p.pth'),
            str(tmp_path / 'plain.npz'), '--img-shape', '1080', '1920',
            '--device', 'cpu'
        ])
    np.testing.assert_allclose(cli.pred_score, at_1080, rtol=1e-6)
    with pytest.raises(ValueError, match='img_shape must be.*got'):
        inference_skeleton(prenorm, sample, img_shape=(0, 640))
    with pytest.raises(ValueError, match='img_shape must be.*got'):
        inference_skeleton(prenorm, dict(sample, img_shape=(480, )))
    # A transform that needs the size and has no fallback: say so.
    compact = init_recognizer(
        _config(head=[dict(type='PoseCompact')]), device='cpu')
    with pytest.raises(ValueError, match='PoseCompact needs the frame size'):
        inference_skeleton(compact, sample)


def _walkers(num_frames=12):
    """Two people walking towards each other: (2, T, 4, 2) keypoints."""
    shape = np.array([[0, 0], [10, 0], [0, 80], [10, 80]], np.float32)
    kp = np.zeros((2, num_frames, 4, 2), np.float32)
    for t in range(num_frames):
        kp[0, t] = shape + [20 + 4 * t, 50]
        kp[1, t] = shape + [200 - 4 * t, 60]
    return kp


def _mmpose_json(path, kp, score, order, track_ids=None):
    """MMPose's video output listing person ``order[t]`` first in frame
    t; a track_id for each person when given."""
    frames = []
    for t, first in enumerate(order):
        instances = []
        for m in (first, 1 - first):
            inst = dict(
                keypoints=kp[m, t].tolist(),
                keypoint_scores=score[m, t].tolist())
            if track_ids is not None:
                inst['track_id'] = track_ids[m]
            instances.append(inst)
        frames.append(dict(frame_id=t, instances=instances))
    path.write_text(json.dumps(frames))
    return str(path)


def test_mmpose_people_keep_their_slots(tmp_path):
    """Slots follow people, not the order MMPose lists them in."""
    kp = _walkers()
    score = np.full(kp.shape[:3], 0.9, np.float32)
    score[1] = 0.8  # person 0 is the surer one: slot 0
    order = [1, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 1]
    # No track ids: linked by the tracker.
    s = load_skeleton(_mmpose_json(tmp_path / 'a.json', kp, score, order))
    np.testing.assert_array_equal(s.keypoint, kp)
    np.testing.assert_array_equal(s.keypoint_score, score)
    # Track ids are followed as given (here against the geometry: the
    # ids say the two swap places from frame 6 on).
    swapped = kp.copy()
    swapped[:, 6:] = kp[::-1, 6:]
    s = load_skeleton(
        _mmpose_json(tmp_path / 'b.json', swapped, score, order, ['x', 7]))
    np.testing.assert_array_equal(s.keypoint, swapped)


def test_mmpose_tracks_share_free_slots(tmp_path):
    """Tracks that never meet share a slot, so FormatGCNInput's
    num_person keeps everyone; ids that cannot be tracks are refused."""
    kp = _walkers(6)
    frames = []
    # Track 5 in frames 0-2, track 9 in frames 3-5, track 2 throughout.
    for t in range(6):
        instances = [
            dict(keypoints=kp[0, t].tolist(), track_id=5 if t < 3 else 9),
            dict(keypoints=kp[1, t].tolist(), track_id=2)
        ]
        frames.append(dict(frame_id=t, instances=instances))
    (tmp_path / 'c.json').write_text(json.dumps(frames))
    s = load_skeleton(str(tmp_path / 'c.json'))
    assert s.keypoint.shape == (2, 6, 4, 2)
    np.testing.assert_array_equal(s.keypoint, kp)
    frames[4]['instances'][1]['track_id'] = 9
    (tmp_path / 'd.json').write_text(json.dumps(frames))
    with pytest.raises(
            ValueError,
            match=r'd\.json: frame 4: two instances '
            'have track_id 9'):
        load_skeleton(str(tmp_path / 'd.json'))
    del frames[4]['instances'][1]['track_id']
    (tmp_path / 'e.json').write_text(json.dumps(frames))
    with pytest.raises(
            ValueError, match=r'e\.json: frame 4, instance 1: '
            'track_id must be'):
        load_skeleton(str(tmp_path / 'e.json'))
    frames[4]['instances'][1] = dict(
        keypoints=[[0, 0]] * 4, track_id=2, keypoint_scores=[1, 1])
    (tmp_path / 'f.json').write_text(json.dumps(frames))
    with pytest.raises(
            ValueError,
            match=r'f\.json: frame 4, instance 1: 4 '
            'keypoints but "keypoint_scores" of shape'):
        load_skeleton(str(tmp_path / 'f.json'))
