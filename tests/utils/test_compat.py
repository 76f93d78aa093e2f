# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Each compatibility shim, checked against the failure it fixes."""
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import aclnet_mm  # noqa: F401 (applies the shims)
from aclnet_mm.utils import compat

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _mmaction_has_drn() -> bool:
    import importlib.util
    origin = importlib.util.find_spec('mmaction').origin
    return osp.exists(
        osp.join(osp.dirname(origin), 'models', 'localizers', 'drn', 'drn.py'))


def test_drn_stub_makes_mmaction_models_importable():
    import mmaction.models  # noqa: F401
    from mmaction.models.localizers import DRN
    if _mmaction_has_drn():
        pytest.skip('this mmaction2 install ships DRN itself')
    with pytest.raises(ImportError, match='2714'):
        DRN()
    # Idempotent: a second call installs nothing.
    assert compat.stub_missing_drn() is False


def test_mmaction_models_fail_without_the_stub():
    if _mmaction_has_drn():
        pytest.skip('this mmaction2 install ships DRN itself')
    result = subprocess.run([sys.executable, '-c', 'import mmaction.models'],
                            capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert 'mmaction.models.localizers.drn' in result.stderr


def test_numpy_inf_alias_lets_pose_compact_run():
    from mmaction.datasets.transforms import PoseCompact
    assert np.Inf == np.inf
    keypoint = np.zeros((1, 4, 17, 2), dtype=np.float32)
    keypoint[..., 0] = np.linspace(10, 50, 17)
    keypoint[..., 1] = np.linspace(20, 80, 17)
    results = dict(keypoint=keypoint, img_shape=(100, 100), total_frames=4)
    out = PoseCompact(hw_ratio=None, allow_imgpad=False)(results)
    # The tight box (x 10..50, y 20..80) grows by 25 % about its centre
    # (30, 50): 50 wide, 75 high, its corner (5, 12.5) cut to whole pixels.
    assert out['img_shape'] == (75, 50)
    np.testing.assert_allclose(out['keypoint'][0, 0, 0], [5, 8])


def _training_checkpoint(path: str) -> str:
    hub = MessageHub.get_instance('aclnet_mm_test_compat')
    hub.update_scalar('train/loss', np.float64(0.25))
    hub.update_scalar('train/lr', 0.1)
    checkpoint = dict(
        meta=dict(epoch=3, iter=12, seed=np.int64(7)),
        state_dict=dict(weight=torch.arange(4.)),
        message_hub=hub.state_dict())
    torch.save(checkpoint, path)
    return path


def test_mmengine_training_checkpoint_loads_through_mmengine(tmp_path):
    path = _training_checkpoint(str(tmp_path / 'epoch_3.pth'))
    # The plain safe loader refuses it (torch >= 2.6), which is the bug.
    if 'weights_only' in torch.load.__code__.co_varnames:
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path)
    checkpoint = _load_checkpoint(path, map_location='cpu')
    assert checkpoint['meta']['epoch'] == 3
    torch.testing.assert_close(checkpoint['state_dict']['weight'],
                               torch.arange(4.))
    assert CheckpointLoader._schemes[''] is compat.load_local_checkpoint


def test_weights_only_checkpoint_uses_the_safe_loader(tmp_path, monkeypatch):
    path = str(tmp_path / 'weights.pth')
    torch.save(
        dict(state_dict=dict(w=torch.ones(2)), meta=dict(seed=np.int64(1))),
        path)
    # Even in strict mode a checkpoint of plain data loads.
    monkeypatch.setenv(compat.STRICT_LOAD_ENV, '1')
    checkpoint = _load_checkpoint(path, map_location='cpu')
    assert checkpoint['meta']['seed'] == 1


def test_strict_mode_refuses_full_unpickling(tmp_path, monkeypatch):
    path = _training_checkpoint(str(tmp_path / 'epoch_3.pth'))
    monkeypatch.setenv(compat.STRICT_LOAD_ENV, '1')
    with pytest.raises(pickle.UnpicklingError, match='epoch_3.pth'):
        _load_checkpoint(path, map_location='cpu')


def test_truncated_checkpoint_is_refused_with_its_name(tmp_path):
    path = _training_checkpoint(str(tmp_path / 'epoch_3.pth'))
    with open(path, 'rb') as file:
        data = file.read()
    broken = tmp_path / 'broken.pth'
    broken.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match='broken.pth'):
        _load_checkpoint(str(broken), map_location='cpu')
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        _load_checkpoint(str(tmp_path / 'missing.pth'), map_location='cpu')


def test_corrupted_checkpoint_is_refused_not_loaded(tmp_path):
    """One flipped byte inside a tensor's data: the archive is still
    whole and torch.load would return the damaged weights; the loader
    refuses the file by name after its CRC check."""
    import torch
    path = tmp_path / 'weights.pth'
    torch.save({'state_dict': {'w': torch.arange(256.)}}, path)
    data = bytearray(path.read_bytes())
    offset = data.index(torch.arange(256.).numpy().tobytes()[64:96])
    data[offset] ^= 0xFF
    damaged = tmp_path / 'damaged.pth'
    damaged.write_bytes(bytes(data))
    loaded = torch.load(damaged, weights_only=True)  # silently damaged
    assert not torch.equal(loaded['state_dict']['w'], torch.arange(256.))
    with pytest.raises(RuntimeError, match=r'damaged\.pth.*CRC'):
        _load_checkpoint(str(damaged), map_location='cpu')
    # The intact file still loads.
    assert torch.equal(
        _load_checkpoint(str(path), map_location='cpu')['state_dict']['w'],
        torch.arange(256.))


def test_config_can_inherit_from_aclnet_mm_scope(tmp_path):
    cfg_file = tmp_path / 'child.py'
    cfg_file.write_text(
        "_base_ = 'aclnet_mm::_base_/schedules/sgd_nesterov_cosine_150e.py'"
        '\noptim_wrapper = dict(optimizer=dict(lr=0.05))\n')
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.optim_wrapper.optimizer.lr == 0.05
    assert cfg.optim_wrapper.optimizer.nesterov is True
    assert cfg.train_cfg.max_epochs == 150
    assert compat.register_config_scope() is False


def test_aclnet_mm_base_builds_in_mmaction_scope(tmp_path):
    from mmaction.registry import MODELS
    from mmengine.registry import DefaultScope
    cfg_file = tmp_path / 'child.py'
    cfg_file.write_text(
        "_base_ = 'aclnet_mm::_base_/models/aclnet_aclgcn.py'\n"
        'model = dict(backbone=dict(base_channels=8, num_stages=2, '
        'inflate_stages=(), down_stages=()), '
        'cls_head=dict(in_channels=8))\n')
    cfg = Config.fromfile(str(cfg_file))
    # Our modules live in MMAction2's registries, so that is the scope.
    assert cfg.model._scope_ == 'mmaction'
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'RecognizerGCN'
    assert type(model.cls_head).__name__ == 'ACLNetHead'
    assert type(model.data_preprocessor).__name__ == 'ActionDataPreprocessor'


def test_shims_apply_in_a_fresh_interpreter():
    code = ('import aclnet_mm, mmaction.models, numpy as np; '
            'from mmaction.models.utils import Graph; '
            "print(Graph('openpose_body25').A.shape, np.Inf)")
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True,
                            cwd=REPO,
                            env={
                                **os.environ, 'PYTHONWARNINGS': 'ignore'
                            })
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '(3, 25, 25) inf'
