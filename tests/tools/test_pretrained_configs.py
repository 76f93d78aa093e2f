# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The pretrained guide's configs run under ``tools/test.py``.

docs/user_guides/pretrained.md tells users to test a converted release
with the shipped benchmark config of its split and stream (its table
"Which config to test with"). For NTU60, NTU120 and K400 that config, as
the page names it, is built, a checkpoint of its model is saved, and
``tools/test.py CONFIG CKPT`` runs the config's 10-clip test on one
synthetic sample in the dataset's own format; only ``ann_file`` (and
K400's per-sample folder) is pointed at it.
"""
import os.path as osp
import re

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

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOC = osp.join(REPO, 'docs', 'user_guides', 'pretrained.md')


def _doc_configs():
    """Config file names in the page's table, ``{a,b}`` expanded."""
    with open(DOC) as file:
        text = file.read()
    section = text.split('## Which config to test with', 1)[1]
    section = section.split('\n## ', 1)[0]
    names = set()
    for name in re.findall(r'`(aclnet_\S+?\.py)`', section):
        found = re.search(r'\{([^}]*)\}', name)
        options = found.group(1).split(',') if found else ['']
        names |= {
            name if not found else name.replace(found.group(0), option)
            for option in options
        }
    return names


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


@pytest.mark.parametrize(
    'name, kind, num_classes',
    [('aclnet_aclgcn_1xb16_joint_u100_150e_ntu60_xsub_keypoint_3d.py', 'ntu',
      60),
     ('aclnet_aclgcn_1xb16_joint_u100_150e_ntu120_xsub_keypoint_3d.py', 'ntu',
      120),
     ('aclnet_aclgcn_1xb64_joint_u100_150e_k400_keypoint_2d.py', 'k400', 400)])
def test_doc_config_runs_under_tools_test(tmp_path, name, kind, num_classes):
    assert name in _doc_configs()
    config = osp.join(REPO, 'configs', 'aclnet', name)
    cfg = Config.fromfile(config)
    assert cfg.model.cls_head.num_classes == num_classes
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
        config, checkpoint, '--work-dir',
        str(work_dir), '--cfg-options', *options,
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ])
    logs = list(work_dir.glob('*/*.log'))
    assert logs and 'acc/top1' in logs[0].read_text()
