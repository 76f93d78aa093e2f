# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A new recording with its own skeleton, from arrays to a trained model.

What a user with their own motion capture does, following
docs/user_guides/custom_dataset.md: pybullet's DeepMimic humanoid clips
(15 joints, 3D, a layout none of MMAction2's) are turned into a ``PoseDataset``
pickle by plain code, the layout is written into the config as a dict
(joint names, parents, flip pairs by name) with no Python module and no
``register_layout``, the validator checks the pickle against the config
(and against the same layout given as a JSON file), and ``tools/train.py``
trains ACLNet on it for two epochs. The config states everything the
model needs of the data (the head's ``num_nodes`` is the layout's joint
count; ACLNet's settings are the data-derived values for 4 classes).
"""
import json
import os.path as osp
import pickle
import runpy
import sys

import numpy as np
import pytest
from tool_scripts import load_tool, write_text_runtime

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ACTIONS = ('walk', 'jump', 'kick', 'punch')
WINDOW = 8

# The humanoid's skeleton, as a user would write it from the URDF.
LAYOUT = dict(
    joint_names=[
        'root', 'chest', 'neck', 'right_shoulder', 'right_elbow',
        'right_wrist', 'left_shoulder', 'left_elbow', 'left_wrist',
        'right_hip', 'right_knee', 'right_ankle', 'left_hip', 'left_knee',
        'left_ankle'
    ],
    parents=[
        None, 'root', 'chest', 'chest', 'right_shoulder', 'right_elbow',
        'chest', 'left_shoulder', 'left_elbow', 'root', 'right_hip',
        'right_knee', 'root', 'left_hip', 'left_knee'
    ],
    flip_pairs=[['right_shoulder', 'left_shoulder'],
                ['right_elbow', 'left_elbow'], ['right_wrist', 'left_wrist'],
                ['right_hip', 'left_hip'], ['right_knee', 'left_knee'],
                ['right_ankle', 'left_ankle']])

CONFIG = """
_base_ = [{runtime!r}]
layout = {layout!r}
ann_file = {ann_file!r}
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='ACLGCN', graph_cfg=dict(layout=layout), in_channels=3,
        base_channels=8, num_stages=2, inflate_stages=(2, ),
        down_stages=(2, ), num_person=1, with_topology=True),
    cls_head=dict(
        type='ACLNetHead', num_classes={num_classes}, in_channels=16,
        num_nodes=15,
        loss_inter=dict(type='AffinityContrastiveLoss', proj_channels=8,
                        num_neighbors=1, overlap_thr=1,
                        size_thresholds=(1, 2)),
        loss_intra=dict(type='MarginContrastiveLoss', proj_channels=8,
                        queue_size=16)))
pipeline = [
    dict(type='SkeletonFlip', layout=layout, flip_ratio=0.5),
    dict(type='GenSkeletonStreams', layout=layout, feats=('j', )),
    dict(type='UniformSampleFrames', clip_len={window}),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('img_shape', 'frame_dir'))
]
train_dataloader = dict(
    batch_size=8, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='SkeletonPoseDataset', ann_file=ann_file,
                 pipeline=pipeline, split='train'))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
custom_hooks = [dict(type='SuperclassRefreshHook', start_epoch=1)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=0)
log_level = 'WARNING'
"""


def _user_pickle(path):
    """Windows of each clip, split by time, as a user's converter would."""
    mocap = load_tool('data/embedded/prepare_pybullet_mocap.py')
    deepmimic_forward_kinematics = mocap.deepmimic_forward_kinematics
    load_deepmimic_motion = mocap.load_deepmimic_motion
    split = dict(train=[], test=[])
    annotations = []
    for label, action in enumerate(ACTIONS):
        joints = deepmimic_forward_kinematics(load_deepmimic_motion(action))
        cut = int(0.8 * len(joints))
        for part, begin, end in (('train', 0, cut), ('test', cut,
                                                     len(joints))):
            for start in range(begin, end - WINDOW + 1, WINDOW // 2):
                name = f'{action}_{start:04d}'
                annotations.append(
                    dict(
                        frame_dir=name,
                        label=label,
                        total_frames=WINDOW,
                        keypoint=joints[None, start:start + WINDOW].astype(
                            np.float32)))
                split[part].append(name)
    with open(path, 'wb') as f:
        pickle.dump(
            dict(split=split, annotations=annotations, classes=list(ACTIONS)),
            f)
    return split


def test_own_layout_validates_and_trains(tmp_path, monkeypatch, capsys):
    pytest.importorskip('pybullet')
    validate_main = load_tool('analysis_tools/validate_dataset.py').main
    ann_file = str(tmp_path / 'humanoid_3d.pkl')
    split = _user_pickle(ann_file)
    assert len(split['train']) >= 4 * len(ACTIONS)
    config = tmp_path / 'aclnet_humanoid.py'
    config.write_text(
        CONFIG.format(
            runtime=write_text_runtime(tmp_path),
            layout=LAYOUT,
            ann_file=ann_file,
            num_classes=len(ACTIONS),
            window=WINDOW))

    # The validator, on the config and on the pickle with the layout file.
    assert validate_main([str(config)]) == 0
    layout_file = tmp_path / 'humanoid_layout.json'
    layout_file.write_text(json.dumps(LAYOUT))
    assert validate_main([ann_file, '--layout', str(layout_file)]) == 0
    assert validate_main([ann_file, '--layout', 'coco']) == 1
    assert '[layout_mismatch]' in capsys.readouterr().out

    # Two epochs through tools/train.py, from another folder.
    work_dir = tmp_path / 'work'
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        sys, 'argv',
        ['tools/train.py',
         str(config), '--work-dir',
         str(work_dir)])
    runpy.run_path(osp.join(REPO, 'tools', 'train.py'), run_name='__main__')
    assert (work_dir / 'epoch_2.pth').is_file()
    # Statistics from epoch 1 (a fifth of 2 epochs, at least 1), the
    # superclasses of epoch 2 named by the pickle's classes.
    with open(work_dir / 'superclasses_epoch_2.json') as f:
        dump = json.load(f)
    classes = next(iter(dump['modules'].values()))['classes']
    assert [c['name'] for c in classes] == list(ACTIONS)
    import torch
    ckpt = torch.load(work_dir / 'epoch_2.pth', weights_only=False)
    assert list(ckpt['meta']['dataset_meta']['classes']) == list(ACTIONS)
    state = ckpt['state_dict']
    # The layout's 15 x 15 topologies, the config's queue.
    assert state['cls_head.loss_inter.proj.weight'].shape[1] == 15 * 15
    assert state['cls_head.loss_intra.queue_feats'].shape[0] == 16
