# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Our configs as pure-Python modules of the installed package.

They must say what the text configs say, and a config anywhere must be
able to inherit them and train with MMAction2's own ``tools/train.py``,
with nothing imported first and no ``PYTHONPATH`` into the repository.
"""
import os
import os.path as osp
import subprocess
import sys

import mmaction
import pytest
import torch
from mmengine.config import Config
from tool_scripts import load_tool

from aclnet_mm.version import __version__

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PACKAGE = osp.join(REPO, 'aclnet_mm')

# (pure-Python module under aclnet_mm/configs, text config under configs)
TWINS = [
    ('_base_/default_runtime.py', '_base_/default_runtime.py'),
    ('_base_/schedules/sgd_nesterov_cosine_150e.py',
     '_base_/schedules/sgd_nesterov_cosine_150e.py'),
    ('_base_/models/aclnet_aclgcn.py', '_base_/models/aclnet_aclgcn.py'),
    ('_base_/models/aclnet_ctrgcn.py', '_base_/models/aclnet_ctrgcn.py'),
    ('_base_/datasets/embedded_body25_2d_joint.py',
     '_base_/datasets/embedded_body25_2d_joint.py'),
    ('_base_/datasets/ntu60_xsub_3d.py', '_base_/datasets/ntu60_xsub_3d.py'),
    ('aclnet/aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py',
     'aclnet/aclgcn_1xb16-joint-u24-30e_body25-embedded-keypoint-2d.py'),
    ('aclnet/aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py',
     'aclnet/aclnet_aclgcn_1xb16-joint-u24-30e_body25-embedded-keypoint-2d.py'
     ),
    ('aclnet_ctrgcn_ntu60.py', 'aclnet_ctrgcn_ntu60.py'),
]


@pytest.mark.parametrize('module, text', TWINS)
def test_module_config_equals_its_text_twin(module, text):
    lazy = Config.fromfile(osp.join(PACKAGE, 'configs', module)).to_dict()
    plain = Config.fromfile(osp.join(REPO, 'configs', text)).to_dict()
    # The one intended difference: the runtime names the runner by its
    # class, whose import loads aclnet_mm (custom_imports does that for
    # text configs; MMEngine ignores it in pure-Python ones).
    if 'runner_type' in lazy:
        assert lazy.pop('runner_type') == (
            'aclnet_mm.engine.runner.SafeCheckpointRunner')
        assert plain.pop('runner_type') == 'SafeCheckpointRunner'
    assert lazy == plain


_USER_CONFIG = '''
from mmengine.config import read_base

with read_base():
    from aclnet_mm.configs.aclnet.aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa

# A user's own changes: their data, a tiny width, one epoch.
for loader in (train_dataloader, val_dataloader, test_dataloader):
    loader.update(batch_size=8)
    loader.dataset.ann_file = {ann_file!r}
model.backbone.update(base_channels=8, num_stages=2, inflate_stages=(),
                      down_stages=())
model.cls_head.in_channels = 8
train_cfg.update(max_epochs=1, val_interval=1)
param_scheduler = []
'''


def _regular_install(site: str) -> None:
    """The layout ``pip install .`` gives, for the code under test.

    The package folder next to its ``.dist-info``, which is how MMEngine
    finds a package's files (``get_installed_path``: the distribution's
    location joined with the package name).
    """
    os.makedirs(site)
    os.symlink(PACKAGE, osp.join(site, 'aclnet_mm'))
    info = osp.join(site, f'aclnet_mm-{__version__}.dist-info')
    os.makedirs(info)
    with open(osp.join(info, 'METADATA'), 'w') as file:
        file.write('Metadata-Version: 2.1\nName: aclnet_mm\n'
                   f'Version: {__version__}\n')
    with open(osp.join(info, 'top_level.txt'), 'w') as file:
        file.write('aclnet_mm\n')


def test_user_config_trains_with_mmaction_tools_train(tmp_path):
    ann_file = dump_synthetic_skeleton_dataset(
        str(tmp_path / 'body25.pkl'),
        num_classes=20,
        samples_per_class=3,
        num_frames=24,
        num_persons=1,
        coord_dim=2,
        layout='openpose_body25',
        split_ratios=(1 / 3, 1 / 3, 1 / 3))
    user = tmp_path / 'user'
    user.mkdir()
    config = user / 'my_aclnet.py'
    config.write_text(_USER_CONFIG.format(ann_file=ann_file))
    site = str(tmp_path / 'site-packages')
    _regular_install(site)

    train = osp.join(
        osp.dirname(mmaction.__file__), '.mim', 'tools', 'train.py')
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ('PYTHONPATH', 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD')
    }
    # Only the stand-in site directory, as a regular install would be.
    env.update(PYTHONPATH=site, OMP_NUM_THREADS='1')
    work_dir = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, train,
         str(config), '--work-dir',
         str(work_dir)],
        cwd=str(user),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:]
    log = proc.stdout
    # Our runner and our head ran, trained and validated.
    assert "runner_type = 'aclnet_mm.engine.runner.SafeCheckpointRunner'" in (
        log)
    assert 'loss_inter:' in log and 'queue_fill:' in log
    assert 'Epoch(val) [1]' in log and 'acc/top1' in log
    # Its checkpoint holds plain data: torch's default safe loader reads it.
    checkpoint = torch.load(work_dir / 'epoch_1.pth', weights_only=True)
    assert checkpoint['meta']['epoch'] == 1
    assert not [n for n in os.listdir(work_dir) if n.endswith('.tmp')]
