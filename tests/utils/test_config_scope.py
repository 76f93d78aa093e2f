# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``aclnet_mm::`` bases in our tools, and only inside their config load."""
import pytest
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.config import config as config_module
from mmengine.config import utils as config_utils
from mmengine.registry import DefaultScope

from aclnet_mm.utils.config_scope import config_scope, load_config


def _child(tmp_path, base, body='', name='child.py'):
    path = tmp_path / name
    path.write_text(f'_base_ = {base!r}\n{body}')
    return str(path)


def test_scope_resolves_our_bases_and_builds_in_mmaction(tmp_path):
    path = _child(
        tmp_path, 'aclnet_mm::_base_/models/aclnet_aclgcn.py',
        'model = dict(backbone=dict(base_channels=8, num_stages=2, '
        'inflate_stages=(), down_stages=()), cls_head=dict(in_channels=8))\n')
    cfg = load_config(path)
    # Our modules live in MMAction2's registries, so that is the scope.
    assert cfg.model._scope_ == 'mmaction'
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model)
    assert type(model.cls_head).__name__ == 'ACLNetHead'
    schedule = load_config(
        _child(tmp_path, 'aclnet_mm::_base_/schedules/'
               'sgd_nesterov_cosine_150e.py'))
    assert schedule.optim_wrapper.optimizer.nesterov is True


def test_scope_changes_nothing_outside_the_block(tmp_path):
    """MMEngine's own lookup is back as it was after (and on errors)."""
    before = (config_module.get_installed_path,
              Config.__dict__['_get_cfg_path'],
              dict(config_utils.MODULE2PACKAGE))
    path = _child(tmp_path, 'aclnet_mm::_base_/default_runtime.py')
    with pytest.raises(AssertionError, match='aclnet_mm config'):
        Config.fromfile(path)  # what MMEngine alone says
    with pytest.raises(FileNotFoundError), config_scope():
        Config.fromfile(
            _child(
                tmp_path,
                'aclnet_mm::_base_/no_such_fragment.py',
                name='broken.py'))
    assert load_config(path).default_scope == 'mmaction'
    after = (config_module.get_installed_path,
             Config.__dict__['_get_cfg_path'],
             dict(config_utils.MODULE2PACKAGE))
    assert after == before
