# Copyright (c) aclnet-mm contributors. All rights reserved.
"""docs/user_guides/pretrained.md's example configs run under ``tools/test.py``.

They run as written, for NTU60, NTU120 and K400.

Each ``my_configs/*.py`` block of the page is written next to a copy of
``configs/`` (so its ``../configs/...`` bases resolve as in the
repository), a checkpoint of the model it builds is saved, and
``tools/test.py CONFIG CKPT`` runs the fragment's 10-clip test on one
synthetic sample in the dataset's own format; only ``ann_file`` is
pointed at it.
"""
import os.path as osp
import re
import shutil

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine import dump
from mmengine.config import Config
from mmengine.registry import DefaultScope
from tool_scripts import load_tool

make_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').make_synthetic_skeleton_dataset
test_tool = load_tool('test.py')

make_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').make_synthetic_skeleton_dataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOC = osp.join(REPO, 'docs', 'pretrained.md')


def _doc_configs():
    with open(DOC) as file:
        text = file.read()
    blocks = re.findall(r'```python\n# (my_configs/\S+\.py)\n(.*?)```', text,
                        re.S)
    return {name: body for name, body in blocks}


def _one_sample(kind: str) -> dict:
    data = _one_sample_of(kind)
    data.pop('classes', None)  # one synthetic class, not the dataset's
    return data


def _one_sample_of(kind: str) -> dict:
    if kind == 'k400':
        data = make_synthetic_skeleton_dataset(
            num_classes=1,
            samples_per_class=1,
            num_frames=12,
            num_joints=17,
            num_persons=2,
            coord_dim=2,
            layout='coco',
            split_ratios=(0, 0, 1))
        anno = data['annotations'][0]
        # Kinetics' compressed form: one row per (frame, person), the score
        # as the third coordinate.
        m, t = anno['keypoint'].shape[:2]
        keypoint = np.concatenate(
            [anno['keypoint'],
             anno.pop('keypoint_score')[..., None]], -1)
        anno['keypoint'] = keypoint.swapaxes(0, 1).reshape(t * m, 17, 3)
        anno['frame_inds'] = np.repeat(np.arange(t), m)
        anno['box_score'] = np.ones(m * t, dtype=np.float32)
        data['split'] = dict(train=[], val=[anno['frame_dir']])
        return data
    data = make_synthetic_skeleton_dataset(
        num_classes=1,
        samples_per_class=1,
        num_frames=12,
        split_ratios=(0, 0, 1),
        with_score=False)
    # NTU's official test part is 'xsub_val'.
    data['split'] = dict(
        xsub_train=[], xsub_val=[data['annotations'][0]['frame_dir']])
    return data


@pytest.mark.parametrize('name, kind, num_classes',
                         [('my_configs/aclnet_ntu60_xsub_j.py', 'ntu', 60),
                          ('my_configs/aclnet_ntu120_xsub_j.py', 'ntu', 120),
                          ('my_configs/aclnet_k400_j.py', 'k400', 400)])
def test_doc_config_runs_under_tools_test(tmp_path, name, kind, num_classes):
    shutil.copytree(osp.join(REPO, 'configs'), tmp_path / 'configs')
    config = tmp_path / name
    config.parent.mkdir()
    config.write_text(_doc_configs()[name])

    cfg = Config.fromfile(str(config))
    head = cfg.model.cls_head
    assert head.num_classes == num_classes
    assert 'num_classes' not in head.loss_inter  # stated once, on the head
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model)
    assert model.cls_head.loss_inter.prototypes.shape[0] == num_classes
    checkpoint = str(tmp_path / 'model.pth')
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), checkpoint)

    ann_file = str(tmp_path / 'data.pkl')
    data = _one_sample(kind)
    options = [f'test_dataloader.dataset.ann_file={ann_file}']
    if kind == 'k400':
        # Kinetics keeps each sample's keypoints in <data_prefix>/<id>.pkl.
        anno = data['annotations'][0]
        keys = ('keypoint', 'frame_inds', 'box_score')
        dump({k: anno.pop(k)
              for k in keys}, str(tmp_path / f'{anno["frame_dir"]}.pkl'))
        options.append(
            f'test_dataloader.dataset.data_prefix.skeleton={tmp_path}')
    dump(data, ann_file)
    work_dir = tmp_path / 'work'
    test_tool.main([
        str(config), checkpoint, '--work-dir',
        str(work_dir), '--cfg-options', *options,
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    logs = list(work_dir.glob('*/*.log'))
    assert logs and 'acc/top1' in logs[0].read_text()
