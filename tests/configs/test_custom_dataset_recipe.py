# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A config for new data, written as a user would outside this repository:
the embedded ACLNet config inherited as a module, an own skeleton given as
a dict, ACLNet's data-derived settings 'auto'. One epoch with the real
Runner through MMAction2's tools/train.py (a subprocess)."""
import os
import os.path as osp
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from config_helpers import MMACTION_TRAIN, ROOT
from mmengine.utils import get_installed_path

RECIPE = textwrap.dedent("""\
    from mmengine.config import read_base

    with read_base():
        from aclnet_mm.configs.aclnet.aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa: F401,F403,E501

    from mmaction.datasets import (FormatGCNInput, PackActionInputs,
                                   PoseDecode, UniformSampleFrames)

    from aclnet_mm.datasets import GenSkeletonStreams

    ann_file = 'my_dataset.pkl'
    layout = dict(
        joint_names=['neck', 'l_shoulder', 'r_shoulder', 'l_elbow',
                     'r_elbow'],
        parents=[None, 'neck', 'neck', 'l_shoulder', 'r_shoulder'],
        flip_pairs=[('l_shoulder', 'r_shoulder'), ('l_elbow', 'r_elbow')])
    num_classes = 12
    model.backbone.update(graph_cfg=dict(layout=layout), num_person=2)
    model.cls_head.update(num_classes=num_classes, num_nodes=5)
    # New data: ACLNet's neighbourhood settings from the class count and
    # the statistics start from max_epochs (ResolveAutoSettingsHook).
    model.cls_head.loss_inter.update(
        num_neighbors='auto', overlap_thr='auto', size_thresholds='auto')
    model.cls_head.loss_intra.update(queue_size=32)
    custom_hooks[1].update(start_epoch='auto')  # SuperclassRefreshHook
    pipeline = [
        dict(type=GenSkeletonStreams, layout=layout, feats=('j', )),
        dict(type=UniformSampleFrames, clip_len=24, num_clips=1,
             test_mode=True),
        dict(type=PoseDecode),
        dict(type=FormatGCNInput, num_person=2),
        dict(type=PackActionInputs, meta_keys=pack_meta_keys)
    ]
    expect = dict(num_classes=num_classes, layout=layout, in_channels=3,
                  dim=2)
    train_dataloader.dataset.update(
        ann_file=ann_file, pipeline=pipeline, **expect)
    val_dataloader.dataset.update(
        ann_file=ann_file, pipeline=pipeline, **expect)
    test_dataloader.dataset.update(
        ann_file=ann_file, pipeline=pipeline, **expect)
    train_cfg.update(max_epochs=1)
    """)


def _dataset(path, num_classes=12, per_class=3):
    rng = np.random.default_rng(0)
    annotations, split = [], dict(train=[], val=[], test=[])
    for label in range(num_classes):
        for k in range(per_class):
            name = f'c{label:02d}_{k}'
            annotations.append(
                dict(
                    frame_dir=name,
                    label=label,
                    total_frames=30,
                    img_shape=(480, 640),
                    original_shape=(480, 640),
                    keypoint=rng.normal(size=(2, 30, 5, 2)).astype(np.float32),
                    keypoint_score=np.ones((2, 30, 5), np.float32)))
            split[('train', 'val', 'test')[k]].append(name)
    with open(path, 'wb') as f:
        pickle.dump(dict(split=split, annotations=annotations), f)


@pytest.mark.skipif(
    get_installed_path('aclnet_mm') != osp.join(ROOT, 'aclnet_mm'),
    reason='aclnet_mm.configs resolves to another install: pip install -e .')
def test_recipe_trains_through_mmaction_tools(tmp_path):
    _dataset(str(tmp_path / 'my_dataset.pkl'))
    (tmp_path / 'my_config.py').write_text(RECIPE)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    done = subprocess.run(
        [sys.executable, MMACTION_TRAIN, 'my_config.py', '--work-dir', 'work'],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True)
    assert done.returncode == 0, done.stderr[-5000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
    log = done.stdout + done.stderr
    # ceil(12 / 6) = 2 neighbours, overlap 1, buckets (2, 4); epoch 1.
    assert "'num_neighbors': 2, 'overlap_thr': 1" in log
    assert "'start_epoch': 1" in log
