# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A child of the embedded ACLNet config that resets ``loss_inter`` to its
defaults trains the same model through MMAction2's tools/train.py and
through ours: the same config in the checkpoint's meta, the same weights
bit for bit."""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import textwrap

import pytest
import torch
from config_helpers import CONFIG_ROOT, MMACTION_TRAIN, OUR_TRAIN, ROOT

DATA = osp.join(ROOT, 'data', 'embedded', 'body25_2d.pkl')
CHILD = textwrap.dedent("""\
    # The demo's ACLNet with the inter-class loss at its defaults.
    from mmengine.config import read_base

    with read_base():
        from aclnet_mm.configs.aclnet.aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa: F401,F403,E501

    from aclnet_mm.models import AffinityContrastiveLoss

    model.cls_head.loss_inter = dict(type=AffinityContrastiveLoss)
    train_cfg.update(max_epochs=1)
    default_hooks.checkpoint.update(interval=1)
    """)


def _train(tool, config, work_dir, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    done = subprocess.run(
        [sys.executable, tool, config, '--work-dir', work_dir],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True)
    assert done.returncode == 0, done.stderr[-5000:]
    (path, ) = glob.glob(osp.join(work_dir, 'epoch_1.pth'))
    return torch.load(path, map_location='cpu', weights_only=True)


@pytest.mark.skipif(not osp.isfile(DATA), reason='run `make data` first')
def test_both_tools_train_the_same_model(tmp_path):
    assert osp.isdir(CONFIG_ROOT)
    (tmp_path / 'child.py').write_text(CHILD)
    os.symlink(osp.join(ROOT, 'data'), tmp_path / 'data')
    # One work_dir path for both runs: it is part of the dumped config.
    work_dir = str(tmp_path / 'work')
    theirs = _train(MMACTION_TRAIN, 'child.py', work_dir, str(tmp_path))
    shutil.rmtree(work_dir)
    ours = _train(OUR_TRAIN, 'child.py', work_dir, str(tmp_path))
    assert ours['meta']['cfg'] == theirs['meta']['cfg']
    assert 'num_neighbors' not in theirs['meta']['cfg']
    assert ours['state_dict'].keys() == theirs['state_dict'].keys()
    for key, value in theirs['state_dict'].items():
        assert torch.equal(ours['state_dict'][key], value), key
