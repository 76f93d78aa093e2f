# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Tests of ``tools/convert_checkpoint.py`` on a real reference checkpoint.

Fixture (``tests/data/aclnet_reference/``; data, not code): the reference
network of firework8/ACLNet at commit 0fab868 (``GCN_Module`` + ``SimpleHead``
with ``Inter_/Intra_Affinitive_Contrastive_Loss``) was built once, outside
this repository, in a scratch directory, with small dimensions (NTU layout,
V = 25, widths 12 -> 24, 4 blocks, 4 random graph subsets, gcn_ratio 0.25,
10 classes, loss projections 625 -> 16 instead of the hard-coded 256 to keep
the file small). alpha, beta, add_coeff, the BN affine parameters and
``fc_cls`` were set to seeded random values, BN running statistics came
from three training-mode forwards of the reference code, and the model was
run once in eval mode on a seeded input ``(2, 2, 16, 25, 3)`` whose second
person of sample 1 is zero-padded.

* ``tiny_aclnet.pth``: its state dict saved as mmcv 1.x does
  (``{'meta', 'state_dict'}``), with a numpy-1 pickled ``np.float64`` as
  ``meta['hook_msgs']['best_score']`` like the released files.
* ``tiny_io.pt``: the input, the reference's logits (``SimpleHead``) and
  topology feature (the ``(N, V * V)`` second output of ``GCN_Module``),
  the logits of PYSKL's ``DGSTGCN`` (kennymckormick/pyskl@3f6795f) loaded
  strictly with the same backbone weights (its key names are the same), and
  per-parameter statistics of a freshly initialised default-width reference
  network (see ``tests/models/backbones/test_aclgcn_reference.py``).

The PYSKL checkpoints below are made from the fixture by keeping
``backbone.*`` and ``cls_head.fc_cls.*``: exactly the keys of a PYSKL
DG-STGCN + ``GCNHead`` checkpoint.
"""
import datetime
import hashlib
import os.path as osp

import pytest
import torch
from mmengine.runner import load_checkpoint
from tool_scripts import load_tool

from aclnet_mm.utils.checkpoint_loading import UNSAFE_LOAD_ENV

_tool = load_tool('convert_checkpoint.py')
CheckpointConversionError = _tool.CheckpointConversionError
convert_checkpoint = _tool.convert_checkpoint
detect_format = _tool.detect_format
load_source_checkpoint, main = _tool.load_source_checkpoint, _tool.main
map_source_key = _tool.map_source_key

DATA = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
    'aclnet_reference')
SRC = osp.join(DATA, 'tiny_aclnet.pth')
IO = osp.join(DATA, 'tiny_io.pt')

_CONFIG = """
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='ACLGCN',
        graph_cfg=dict(layout='nturgb+d'),
        base_channels=12,
        num_stages=4,
        inflate_stages=(3, ),
        down_stages=(3, ),
        num_subsets=4,
        gcn_ratio=0.25,
        with_topology=True),
    cls_head={head})
"""
_ACLNET_HEAD = """dict(
        type='ACLNetHead',
        num_classes=10,
        in_channels=24,
        loss_inter=dict(
            type='AffinityContrastiveLoss', proj_channels=16,
            num_neighbors=5),
        loss_intra=dict(type='MarginContrastiveLoss', proj_channels=16))"""
_GCN_HEAD = "dict(type='GCNHead', num_classes=10, in_channels=24)"


@pytest.fixture(scope='module')
def io():
    return torch.load(IO, weights_only=True)


@pytest.fixture(scope='module')
def source():
    state_dict, meta, _ = load_source_checkpoint(SRC)
    return state_dict, meta


def _write_config(tmp_path, head=_ACLNET_HEAD):
    path = tmp_path / 'target.py'
    path.write_text(_CONFIG.format(head=head))
    return str(path)


def _save(tmp_path, state_dict, name='src.pth', meta=None):
    path = str(tmp_path / name)
    torch.save(dict(meta=meta or {}, state_dict=state_dict), path)
    return path


def _pyskl(state_dict):
    return {
        k: v
        for k, v in state_dict.items()
        if k.startswith(('backbone.', 'cls_head.fc_cls.'))
    }


def _predict(model, x):
    with torch.no_grad():
        feats, topology = model.backbone(x)
        return model.cls_head(feats), topology


def test_reference_checkpoint_gives_reference_logits(tmp_path, io):
    dst = str(tmp_path / 'converted.pth')
    result = convert_checkpoint(SRC, dst)
    assert result['format'] == 'aclnet'
    assert result['load_mode'] == 'weights_only'

    # The written file is plain data: the safe loader reads it.
    ckpt = torch.load(dst, weights_only=True)
    logits, topology = _predict(result['model'].eval(), io['input'])
    torch.testing.assert_close(logits, io['logits'], atol=1e-5, rtol=0)
    torch.testing.assert_close(topology, io['topology'], atol=1e-5, rtol=0)
    assert topology.abs().max() > 1e-2  # a non-trivial topology

    # Ours names the weights differently; the values are the reference's.
    ref, _, _ = load_source_checkpoint(SRC)
    sd = ckpt['state_dict']
    assert torch.equal(sd['cls_head.fc.weight'], ref['cls_head.fc_cls.weight'])
    assert torch.equal(sd['cls_head.loss_inter.proj.weight'],
                       ref['cls_head.inter_loss.cl_fc.weight'])
    assert torch.equal(sd['cls_head.loss_intra.proj.bias'],
                       ref['cls_head.intra_loss.cl_fc.bias'])
    assert torch.equal(sd['backbone.gcn.3.gcn.alpha'],
                       ref['backbone.gcn.3.gcn.alpha'])

    meta = ckpt['meta']
    source = meta['converted_from']
    with open(SRC, 'rb') as f:
        assert source['sha256'] == hashlib.sha256(f.read()).hexdigest()
    assert source['file'] == osp.abspath(SRC)
    assert source['format'] == 'aclnet'
    assert source['reference'].startswith('firework8/ACLNet@0fab868')
    date = datetime.datetime.fromisoformat(meta['converter']['date'])
    assert abs((datetime.datetime.now(datetime.timezone.utc) -
                date).total_seconds()) < 600
    # numpy scalars of the mmcv-1.x meta come out as plain floats.
    assert meta['source_meta']['hook_msgs']['best_score'] == 0.5
    assert meta['source_meta']['config'] == ['RecognizerGCN', 'GCN_Module']
    assert meta['inferred_model']['backbone']['ms_cfg'][3] == [3, 4]
    fresh = set(meta['fresh_keys'])
    assert {
        'cls_head.loss_inter.prototypes', 'cls_head.loss_intra.queue_feats'
    } <= fresh
    assert not any('proj' in k for k in fresh)


def test_config_target_loads_strictly_through_mmengine(tmp_path, io):
    config = _write_config(tmp_path)
    dst = str(tmp_path / 'converted.pth')
    assert main([SRC, dst, '--config', config]) == 0

    # What tools/test.py does with the file: MMEngine's loader, strict.
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(config).model).eval()
    load_checkpoint(model, dst, map_location='cpu', strict=True)
    logits, topology = _predict(model, io['input'])
    torch.testing.assert_close(logits, io['logits'], atol=1e-5, rtol=0)
    torch.testing.assert_close(topology, io['topology'], atol=1e-5, rtol=0)
    # Fresh buffers are the target's initial state: empty queue, no stats.
    assert int(model.cls_head.loss_intra.queue_count) == 0
    assert model.cls_head.loss_inter.confusion.sum() == 0


def test_cli_reports_fresh_state(tmp_path, capsys):
    dst = str(tmp_path / 'converted.pth')
    assert main([SRC, dst]) == 0
    out = capsys.readouterr().out
    assert 'format: aclnet' in out
    assert 'loaded with: weights_only' in out
    assert 'initialised fresh' in out
    assert 'cls_head.loss_inter.prototypes' in out
    assert 'strict load into the target model: OK' in out


def test_pyskl_checkpoint(tmp_path, io, source):
    src = _save(tmp_path, _pyskl(source[0]))
    dst = str(tmp_path / 'converted.pth')
    result = convert_checkpoint(src, dst)
    assert result['format'] == 'pyskl'
    assert result['fresh_keys'] == []  # inferred target: no losses
    logits, _ = _predict(result['model'], io['input'])
    # PYSKL's DGSTGCN means over time before conv1/conv2, ACLNet after:
    # equal up to rounding.
    torch.testing.assert_close(logits, io['pyskl_logits'], atol=1e-5, rtol=0)

    # Into ACLNetHead with losses: the projections start fresh.
    result = convert_checkpoint(src, dst, config=_write_config(tmp_path))
    fresh = result['fresh_keys']
    assert 'cls_head.loss_inter.proj.weight' in fresh
    assert 'cls_head.loss_intra.proj.bias' in fresh
    assert torch.load(dst, weights_only=True)['meta']['fresh_keys'] == fresh


def test_drop_losses_for_a_plain_gcn_head(tmp_path, io):
    config = _write_config(tmp_path, _GCN_HEAD)
    with pytest.raises(
            CheckpointConversionError,
            match='keys the model does not have.*--drop-losses'):
        convert_checkpoint(SRC, config=config)
    result = convert_checkpoint(SRC, config=config, drop_losses=True)
    logits, _ = _predict(result['model'], io['input'])
    torch.testing.assert_close(logits, io['logits'], atol=1e-5, rtol=0)


def test_unmapped_key(tmp_path, source):
    sd = dict(source[0])
    sd['backbone.gcn.0.gcn.PA'] = torch.zeros(3, 25, 25)  # ST-GCN++'s name
    sd['cls_head.extra.weight'] = torch.zeros(1)
    src = _save(tmp_path, sd)
    with pytest.raises(CheckpointConversionError) as err:
        convert_checkpoint(src)
    msg = str(err.value)
    assert msg.startswith('unmapped keys')
    assert '(2)' in msg
    assert 'backbone.gcn.0.gcn.PA' in msg and 'cls_head.extra.weight' in msg
    assert main([src, str(tmp_path / 'out.pth')]) == 1
    assert not osp.exists(tmp_path / 'out.pth')


def test_missing_key(tmp_path, source):
    sd = dict(source[0])
    del sd['backbone.gcn.2.tcn.bn.running_var']
    del sd['cls_head.intra_loss.cl_fc.bias']
    src = _save(tmp_path, sd)
    for config in (None, _write_config(tmp_path)):
        with pytest.raises(CheckpointConversionError) as err:
            convert_checkpoint(src, config=config)
        msg = str(err.value)
        assert msg.startswith('missing keys')
        assert 'backbone.gcn.2.tcn.bn.running_var' in msg
        assert 'cls_head.loss_intra.proj.bias' in msg


def test_shape_mismatch(tmp_path, source, capsys):
    sd = dict(source[0])
    sd['cls_head.fc_cls.weight'] = torch.zeros(10, 20)
    src = _save(tmp_path, sd)
    with pytest.raises(CheckpointConversionError) as err:
        convert_checkpoint(src)
    assert str(err.value) == ('shape mismatches (1):\n  cls_head.fc.weight: '
                              'checkpoint (10, 20), model (10, 24)')
    # A config of another width: every block disagrees, all are listed.
    config = _write_config(tmp_path).replace('target.py', 'wide.py')
    with open(config, 'w') as f:
        f.write(
            _CONFIG.format(head=_ACLNET_HEAD).replace('base_channels=12',
                                                      'base_channels=18'))
    assert main([SRC, str(tmp_path / 'out.pth'), '--config', config]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: shape mismatches')
    assert ('backbone.gcn.0.gcn.pre.0.weight: checkpoint (12, 3, 1, 1), '
            'model (16, 3, 1, 1)') in err
    assert '... and' in err  # long lists are cut


def test_unreadable_files(tmp_path):
    with pytest.raises(CheckpointConversionError, match='no such file'):
        convert_checkpoint(str(tmp_path / 'absent.pth'))

    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'this is not a checkpoint' * 10)
    with pytest.raises(
            CheckpointConversionError,
            match='not a readable PyTorch checkpoint'):
        convert_checkpoint(str(garbage))

    truncated = tmp_path / 'truncated.pth'
    with open(SRC, 'rb') as f:
        truncated.write_bytes(f.read()[:5000])
    with pytest.raises(
            CheckpointConversionError,
            match='not a readable PyTorch checkpoint'):
        convert_checkpoint(str(truncated))

    no_state = tmp_path / 'list.pth'
    torch.save([torch.zeros(1)], str(no_state))
    with pytest.raises(CheckpointConversionError, match='holds no state dict'):
        convert_checkpoint(str(no_state))

    other = _save(tmp_path, {'encoder.weight': torch.zeros(1)})
    with pytest.raises(
            CheckpointConversionError,
            match='not a PYSKL / ACLNet / ProtoGCN recognizer checkpoint'):
        convert_checkpoint(other)


def test_full_unpickling_only_when_opted_in(tmp_path, source, monkeypatch):
    # A meta object the safe loader does not allow: refused by default,
    # naming the file and the opt-in; read (with a warning) when opted in.
    when = datetime.datetime(2025, 7, 1, 12, 0)
    src = _save(tmp_path, source[0], meta=dict(time=when))
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)
    with pytest.raises(CheckpointConversionError, match='--unsafe-load') as e:
        convert_checkpoint(src)
    assert src in str(e.value) and UNSAFE_LOAD_ENV in str(e.value)

    with pytest.warns(UserWarning, match='full unpickling'):
        result = convert_checkpoint(src, allow_unsafe=True)
    assert result['load_mode'] == 'full_unpickle'
    meta = result['checkpoint']['meta']
    assert meta['source_meta']['time'] == '2025-07-01T12:00:00'

    monkeypatch.setenv(UNSAFE_LOAD_ENV, '1')
    with pytest.warns(UserWarning, match=UNSAFE_LOAD_ENV):
        assert convert_checkpoint(src)['load_mode'] == 'full_unpickle'


def test_key_mapping_and_format_detection(source):
    sd = source[0]
    assert detect_format(sd) == 'aclnet'
    assert detect_format(_pyskl(sd)) == 'pyskl'
    assert map_source_key('cls_head.fc_cls.bias') == 'cls_head.fc.bias'
    assert (map_source_key('cls_head.inter_loss.cl_fc.weight') ==
            'cls_head.loss_inter.proj.weight')
    assert (map_source_key('backbone.gcn.4.tcn.branches.2.3.conv.weight') ==
            'backbone.gcn.4.tcn.branches.2.3.conv.weight')
    with pytest.raises(KeyError):
        map_source_key('cls_head.loss_cls.weight')


def test_data_parallel_prefix_is_stripped(tmp_path, source):
    wrapped = {'module.' + k: v for k, v in source[0].items()}
    state_dict, meta, mode = load_source_checkpoint(_save(tmp_path, wrapped))
    assert list(state_dict) == list(source[0])
    assert (meta, mode) == ({}, 'weights_only')
