# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The video demo (demo/demo_skeleton.py + demo/video/demo.py) end
to end on real street footage (vtest.avi) and a still image (messi5.jpg).

The recognizer is the embedded ACLNet config with random weights saved as
a real checkpoint: the test checks the video pipeline (people, tracks,
windows, outputs), not the model's accuracy, and does not need ``make
demo`` to have run.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from tool_scripts import REPO_ROOT as ROOT
from tool_scripts import load_script

CONFIG = osp.join(
    ROOT, 'configs', 'aclnet', 'aclnet_aclgcn_1xb16_joint_u24_30e_'
    'body25_embedded_keypoint_2d.py')
# The first frames of vtest.avi: enough for one 24-pose window of the
# people who stay in view, small enough for CI's 2 cores.
NUM_FRAMES = 32


def _demo_module():
    return load_script('demo/demo_skeleton.py')


@pytest.fixture(scope='module')
def random_checkpoint(tmp_path_factory):
    from mmengine.runner import save_checkpoint

    from aclnet_mm.apis import init_recognizer
    torch.manual_seed(0)
    model = init_recognizer(CONFIG, None, device='cpu')
    path = str(tmp_path_factory.mktemp('ckpt') / 'random_aclnet.pth')
    save_checkpoint(model.state_dict(), path)
    return path


def test_parse_args_checks():
    demo = _demo_module()
    with pytest.raises(SystemExit):
        demo.parse_args(['in.avi', 'out.mp4', '--config', CONFIG])
    with pytest.raises(SystemExit):
        demo.parse_args(['in.avi'])  # no output, no --show
    args = demo.parse_args(['0', '--show'])
    assert args.video == '0' and args.out_filename is None


def test_vtest_end_to_end(tmp_path, random_checkpoint, pose_stack, footage):
    import cv2
    video = footage('vtest.avi')
    names = [f'action_{i}' for i in range(20)]
    label_map = tmp_path / 'classes.txt'
    label_map.write_text('\n'.join(names) + '\n')
    out = tmp_path / 'out.mp4'
    summary = _demo_module().main([
        video,
        str(out), '--config', CONFIG, '--checkpoint', random_checkpoint,
        '--label-map',
        str(label_map), '--max-frames',
        str(NUM_FRAMES), '--stride', '4', '--topk', '3'
    ])
    # The output video: the input's frame count and size.
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == NUM_FRAMES
    assert (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (768, 576)
    read = 0
    while capture.read()[0]:
        read += 1
    capture.release()
    assert read == NUM_FRAMES

    with open(tmp_path / 'out.json') as f:
        content = json.load(f)
    assert content['frames'] == NUM_FRAMES
    assert content['layout'] == 'openpose_body25'
    assert content['coordinates'] == 'openpose_kit'
    assert content['window'] == 24
    # People in most frames (several walk through the whole clip).
    per_frame = np.array(content['people_per_frame'])
    assert len(per_frame) == NUM_FRAMES
    assert (per_frame > 0).mean() >= 0.8 and per_frame.max() >= 2
    # Tracks persist: someone keeps one id for at least a window.
    tracks = content['tracks']
    assert max(t['frames'] for t in tracks.values()) >= 24
    # Windows classified, one person each, top-k with names and scores.
    windows = content['windows']
    assert windows
    for win in windows:
        assert str(win['person_id']) in tracks
        assert 0 <= win['start_frame'] < win['end_frame'] < NUM_FRAMES
        assert win['end_frame'] - win['start_frame'] >= 23
        assert win['num_poses'] == 24
        assert len(win['topk']) == 3
        scores = [k['score'] for k in win['topk']]
        assert scores == sorted(scores, reverse=True)
        assert 0 < sum(scores) <= 1 + 1e-6
        assert all(k['name'] == names[k['label']] for k in win['topk'])
    assert content == summary
    timing = content['timing']
    assert timing['action_ms_per_window'] > 0
    assert timing['blazepose_ms_per_person'] > 0
    # The action model adds less than 10 % to the time of a frame.
    assert timing['action_ms_per_frame'] < 0.1 * (
        timing['recognize_ms_per_frame'] - timing['action_ms_per_frame'])


def test_still_image_to_image(tmp_path, random_checkpoint, pose_stack,
                              footage):
    import cv2
    image = footage('messi5.jpg')
    out = tmp_path / 'messi.png'
    summary = _demo_module().main([
        image,
        str(out), '--config', CONFIG, '--checkpoint', random_checkpoint
    ])
    annotated = cv2.imread(str(out))
    assert annotated.shape == cv2.imread(image).shape
    assert summary['frames'] == 1 and summary['people_per_frame'] == [1]
    assert summary['windows'] == []  # one pose: no window yet


def test_find_demo_model(tmp_path):
    demo = _demo_module()
    DEMO_CLASSES, DEMO_RUN_DIR = demo.DEMO_CLASSES, demo.DEMO_RUN_DIR
    find_demo_model = demo.find_demo_model
    with pytest.raises(FileNotFoundError, match='make demo'):
        find_demo_model(str(tmp_path), train_if_missing=False)
    run_dir = tmp_path / DEMO_RUN_DIR
    run_dir.mkdir(parents=True)
    (run_dir / 'epoch_30.pth').write_bytes(b'x')
    # MMEngine writes the path relative to where training ran.
    (run_dir / 'last_checkpoint').write_text(
        osp.join(DEMO_RUN_DIR, 'epoch_30.pth'))
    classes = tmp_path / DEMO_CLASSES
    classes.parent.mkdir(parents=True)
    classes.write_text('Squat\nPlank\n')
    config, checkpoint, names = find_demo_model(
        str(tmp_path), train_if_missing=False)
    assert config.endswith('body25_embedded_keypoint_2d.py')
    assert config.startswith(str(tmp_path))
    assert checkpoint == str(run_dir / 'epoch_30.pth')
    assert names == ['Squat', 'Plank']
