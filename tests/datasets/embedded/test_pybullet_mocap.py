# Copyright (c) aclnet-mm contributors. All rights reserved.
import mmengine
import numpy as np
import pytest
from mmaction.datasets import PoseDataset
from mmengine.registry import init_default_scope
from tool_scripts import load_tool

from aclnet_mm.models.utils import build_graph
from aclnet_mm.structures import get_layout

_mocap = load_tool('data/embedded/prepare_pybullet_mocap.py')
DEEPMIMIC_JOINTS = _mocap.DEEPMIMIC_JOINTS
convert_pybullet_mocap = _mocap.convert_pybullet_mocap
deepmimic_forward_kinematics = _mocap.deepmimic_forward_kinematics
load_deepmimic_motion = _mocap.load_deepmimic_motion


def test_layout_registered_on_import():
    import aclnet_mm  # noqa: F401
    layout = get_layout('deepmimic_humanoid')
    assert layout.num_node == len(DEEPMIMIC_JOINTS) == 15
    assert layout.joint_names[layout.center] == 'root'
    assert build_graph('deepmimic_humanoid').A.shape == (3, 15, 15)


@pytest.fixture(scope='module')
def walk():
    pytest.importorskip('pybullet')
    frames = load_deepmimic_motion('walk')
    return frames, deepmimic_forward_kinematics(frames)


def test_frames_and_shapes(walk):
    frames, positions = walk
    assert frames.shape == (39, 44)
    assert positions.shape == (39, 15, 3)
    assert positions.dtype == np.float32
    # The root joint is where the clip puts the root.
    np.testing.assert_allclose(positions[:, 0], frames[:, 1:4], atol=1e-5)


def test_bone_lengths_constant(walk):
    _, positions = walk
    parents = get_layout('deepmimic_humanoid').parents
    bones = np.linalg.norm(positions - positions[:, parents], axis=-1)[:, 1:]
    assert (bones.min(0) > 0.05).all()
    np.testing.assert_allclose(
        bones, bones[:1].repeat(len(bones), 0), atol=1e-4)


def test_upright_y_up(walk):
    _, positions = walk
    names = list(DEEPMIMIC_JOINTS)
    height = positions[..., 1].max(1) - positions[..., 1].min(1)
    assert 1.15 < height.mean() < 1.45
    neck, root = names.index('neck'), names.index('root')
    ankles = [names.index('left_ankle'), names.index('right_ankle')]
    # y is up: neck above root above the ankles, feet near the ground.
    assert (positions[:, neck, 1] > positions[:, root, 1]).all()
    assert (positions[:, root, 1] > positions[:, ankles, 1].max(1)).all()
    assert 0 < positions[:, ankles, 1].min() < 0.15
    # Walking moves the root on the ground plane, not vertically.
    travel = positions[-1, root] - positions[0, root]
    assert np.hypot(travel[0], travel[2]) > 0.5
    assert abs(travel[1]) < 0.1


def test_convert_round_trip(tmp_path):
    pytest.importorskip('pybullet')
    out = str(tmp_path / 'mocap_3d.pkl')
    data = convert_pybullet_mocap(
        out, actions=('walk', 'run'), window=8, stride=4, verbose=False)
    assert data['classes'] == ['walk', 'run']
    # walk: 39 frames -> [0, 27) [27, 31) [31, 39): 5, 0, 1 windows;
    # run: 25 frames -> [0, 17) [17, 19) [19, 25): 3, 0, 0 windows.
    assert {
        k: len(v)
        for k, v in data['split'].items()
    } == dict(
        train=8, val=0, test=1)
    for anno in data['annotations']:
        assert anno['keypoint'].shape == (1, 8, 15, 3)
        assert 'keypoint_score' not in anno
    init_default_scope('mmaction')
    pipeline = [
        dict(type='UniformSampleFrames', clip_len=8),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]
    dataset = PoseDataset(out, pipeline, split='train')
    assert len(dataset) == 8
    assert tuple(dataset[7]['inputs'].shape) == (1, 1, 8, 15, 3)
    assert dataset[7]['data_samples'].gt_label.item() == 1
    assert mmengine.load(out)['meta']['layout'] == 'deepmimic_humanoid'
