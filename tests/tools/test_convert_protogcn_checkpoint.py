# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``tools/convert_checkpoint.py`` on checkpoints in ProtoGCN's layout.

The authors' released ProtoGCN checkpoints (firework8/ProtoGCN, an mmcv-1.x
PYSKL fork) are ``{'meta', 'state_dict', 'optimizer'}`` files whose state
dict holds ``backbone.*`` (``ProtoGCN``: ``data_bn``, the blocks
``gcn.{i}.{gcn,tcn,residual}``, ``post``, ``bn``, ``prn``) and
``cls_head.{csc_loss.cl_fc,fc_cls}.*`` (``SimpleHead``). No such file is
shipped here: each test writes one with randomised weights and BN
statistics, at small widths (base 16, 4 stages, widening and striding at
stage 3, 8 graph subsets, ``ratio`` 0.125, so that subsets x channels per
subset equal the last width, as the authors' hard-coded prototype width 384
requires at their widths), converts it, and compares our recognizer with
:func:`authors_forward`, a re-statement of the authors' inference from the
raw state dict in plain tensor operations (never our modules).
"""
import math
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Tuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from tool_scripts import load_tool

_tool = load_tool('convert_checkpoint.py')
CheckpointConversionError = _tool.CheckpointConversionError
convert_checkpoint, main = _tool.convert_checkpoint, _tool.main
detect_format, map_source_key = _tool.detect_format, _tool.map_source_key

# The authors' network at small widths: (in, out, temporal stride, block
# residual) per block; block 0 lifts the 3 input channels without residual.
BLOCKS = (
    (3, 16, 1, False),
    (16, 16, 1, True),
    (16, 32, 2, True),
    (32, 32, 1, True),
)
SUBSETS, RATIO = 8, 0.125
MS_CFG = ((3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1')
PROTOTYPES, CLASSES, PROJ = 10, 7, 256  # PROJ: the authors' fixed 256
WIDTH = BLOCKS[-1][1]
LAYOUTS = {'nturgb+d': 25, 'coco_new': 20}  # their NTU and K400/GYM graphs

_CONFIG = """
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='ProtoGCN',
        graph_cfg=dict(layout={layout!r}),
        base_channels=16,
        num_stages=4,
        inflate_stages=(3, ),
        down_stages=(3, ),
        num_subsets=8,
        gcn_ratio=0.125,
        num_prototype={prototypes}),
    cls_head=dict(
        type='ProtoGCNHead',
        num_classes=7,
        in_channels=32,
        num_nodes={num_nodes},
        loss_proto=dict(
            type='ClassPrototypeContrastiveLoss', proj_channels=256)))
"""

# What the export tool reads the input shape from (M = 2, T = 16).
_TEST_PIPELINE = """
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=16, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
"""


# --------------------------------------------------------------------------
# A state dict in the authors' layout
# --------------------------------------------------------------------------
def _conv(sd, gen, prefix, out_c, in_c, kernel=1):
    uniform = torch.rand(out_c, in_c, kernel, 1, generator=gen) * 2 - 1
    sd[prefix + '.weight'] = uniform / math.sqrt(in_c * kernel)
    sd[prefix + '.bias'] = torch.randn(out_c, generator=gen) * 0.1


def _bn(sd, gen, prefix, channels):
    sd[prefix + '.weight'] = torch.rand(channels, generator=gen) + 0.5
    sd[prefix + '.bias'] = torch.randn(channels, generator=gen) * 0.1
    sd[prefix + '.running_mean'] = torch.randn(channels, generator=gen) * 0.2
    sd[prefix + '.running_var'] = torch.rand(channels, generator=gen) + 0.5
    sd[prefix + '.num_batches_tracked'] = torch.tensor(1234)


def _branch_widths(channels: int) -> List[int]:
    """The authors' mstcn split: the first branch takes the remainder."""
    mid = channels // len(MS_CFG)
    return [channels - mid * (len(MS_CFG) - 1)] + [mid] * (len(MS_CFG) - 1)


def authors_state_dict(num_joints: int,
                       seed: int = 0) -> 'OrderedDict[str, torch.Tensor]':
    """Keys and shapes of the authors' ``Recognizer`` at :data:`BLOCKS`
    widths, in their module order, with random values."""
    gen = torch.Generator().manual_seed(seed)
    sd = OrderedDict()
    _bn(sd, gen, 'backbone.data_bn', 3 * num_joints)
    for i, (cin, cout, stride, residual) in enumerate(BLOCKS):
        p = f'backbone.gcn.{i}'
        inner = int(RATIO * cout) * SUBSETS
        # Values of O(1) through the network (float32 stays accurate).
        sd[p + '.gcn.A'] = torch.randn(
            SUBSETS, num_joints, num_joints, generator=gen) * 0.1 + 0.04
        _conv(sd, gen, p + '.gcn.pre.0', inner, cin)
        _bn(sd, gen, p + '.gcn.pre.1', inner)
        _conv(sd, gen, p + '.gcn.post', cout, inner)
        # Only alpha[0] and beta[0] are read; all are random.
        sd[p + '.gcn.alpha'] = torch.rand(SUBSETS, generator=gen) * .2 + .1
        sd[p + '.gcn.beta'] = torch.rand(SUBSETS, generator=gen) * .2 + .1
        _conv(sd, gen, p + '.gcn.conv1', inner, cin)
        _conv(sd, gen, p + '.gcn.conv2', inner, cin)
        if cin != cout:
            _conv(sd, gen, p + '.gcn.down.0', cout, cin)
            _bn(sd, gen, p + '.gcn.down.1', cout)
        _bn(sd, gen, p + '.gcn.bn', cout)
        # mstcn's add_coeff has 25 entries whatever the graph (sliced).
        sd[p + '.tcn.add_coeff'] = torch.randn(25, generator=gen) * 0.5
        for j, (cfg, width) in enumerate(zip(MS_CFG, _branch_widths(cout))):
            b = f'{p}.tcn.branches.{j}'
            if cfg == '1x1':
                _conv(sd, gen, b, width, cout)
                continue
            _conv(sd, gen, b + '.0', width, cout)
            _bn(sd, gen, b + '.1', width)
            if cfg[0] != 'max':
                _conv(sd, gen, b + '.3.conv', width, width, cfg[0])
        _bn(sd, gen, p + '.tcn.transform.0', cout)
        _conv(sd, gen, p + '.tcn.transform.2', cout, cout)
        _bn(sd, gen, p + '.tcn.bn', cout)
        if residual and (cin != cout or stride != 1):
            _conv(sd, gen, p + '.residual.conv', cout, cin)
            _bn(sd, gen, p + '.residual.bn', cout)
    _conv(sd, gen, 'backbone.post', WIDTH, WIDTH)
    sd['backbone.post.weight'] *= 3  # a graph of non-trivial magnitude
    _bn(sd, gen, 'backbone.bn', WIDTH)
    sd['backbone.prn.query_matrix.weight'] = torch.randn(
        PROTOTYPES, WIDTH, generator=gen) * 3
    sd['backbone.prn.memory_matrix.weight'] = torch.randn(
        WIDTH, PROTOTYPES, generator=gen)
    # BaseHead builds the loss before SimpleHead builds fc_cls.
    sd['cls_head.csc_loss.cl_fc.weight'] = torch.randn(
        PROJ, num_joints**2, generator=gen) / num_joints
    sd['cls_head.csc_loss.cl_fc.bias'] = torch.randn(PROJ, generator=gen)
    sd['cls_head.fc_cls.weight'] = torch.randn(
        CLASSES, WIDTH, generator=gen) * 0.5
    sd['cls_head.fc_cls.bias'] = torch.randn(CLASSES, generator=gen) * 0.1
    return sd


def save_mmcv_checkpoint(path: str, state_dict: Dict) -> str:
    """Write what mmcv 1.x's ``save_checkpoint`` writes (with a numpy
    scalar in the meta and an SGD state, as in the released files)."""
    meta = dict(
        mmcv_version='1.5.0',
        config="model = dict(type='RecognizerGCN', backbone=dict("
        "type='ProtoGCN', num_prototype=400))",
        epoch=150,
        iter=150 * 2506,
        hook_msgs=dict(best_score=np.float64(0.9154), best_ckpt='x.pth'))
    first = next(iter(state_dict.values()))
    optimizer = dict(
        state={0: dict(momentum_buffer=torch.zeros_like(first))},
        param_groups=[
            dict(lr=0., momentum=0.9, weight_decay=5e-4, params=[0])
        ])
    torch.save(
        dict(meta=meta, state_dict=state_dict, optimizer=optimizer), path)
    return path


# --------------------------------------------------------------------------
# The authors' inference, re-stated on the raw state dict
# --------------------------------------------------------------------------
def _batch_norm(x, sd, p, eps=1e-5):
    """Eval-mode BN over dim 1."""
    shape = (1, -1) + (1, ) * (x.dim() - 2)
    mean = sd[p + '.running_mean'].view(shape)
    std = torch.sqrt(sd[p + '.running_var'].view(shape) + eps)
    return ((x - mean) / std * sd[p + '.weight'].view(shape) +
            sd[p + '.bias'].view(shape))


def _conv_t(x, sd, p, stride=1, dilation=1):
    """The authors' ``(k, 1)`` conv, padded to keep T (before stride)."""
    w = sd[p + '.weight']
    k = w.shape[2]
    pad = (k + (k - 1) * (dilation - 1) - 1) // 2
    return F.conv2d(
        x,
        w,
        sd[p + '.bias'],
        stride=(stride, 1),
        padding=(pad, 0),
        dilation=(dilation, 1))


def _unit_gcn(x, sd, p):
    """``unit_gcn``: returns the output and the learned topology
    ``(n, K * c, V, V)`` (the static ``A`` left out)."""
    n, _, t, v = x.shape
    res = x
    if p + '.down.0.weight' in sd:
        res = _batch_norm(_conv_t(x, sd, p + '.down.0'), sd, p + '.down.1')
    pre = torch.relu(
        _batch_norm(_conv_t(x, sd, p + '.pre.0'), sd, p + '.pre.1'))
    pre = pre.reshape(n, SUBSETS, -1, t, v)
    mid = pre.shape[2]
    # Temporal means of the two embeddings: (n, K, c, V).
    x1 = _conv_t(x, sd, p + '.conv1').reshape(n, SUBSETS, mid, t, v).mean(3)
    x2 = _conv_t(x, sd, p + '.conv2').reshape(n, SUBSETS, mid, t, v).mean(3)
    # Channel-wise: tanh(x1_u - x2_w) * alpha[0].
    inter = torch.tanh(x1[..., :, None] - x2[..., None, :])
    inter = inter * sd[p + '.alpha'][0]
    # Channel-shared: softmax over u of sum_c x1_u x2_w, times beta[0].
    intra = (x1[..., :, None] * x2[..., None, :]).sum(2)
    intra = torch.softmax(intra, dim=2)[:, :, None] * sd[p + '.beta'][0]
    graph = inter + intra  # (n, K, c, V, V)
    adjacency = graph + sd[p + '.A'][None, :, None]
    out = torch.matmul(pre, adjacency)  # (n,K,c,T,u) @ (n,K,c,u,w)
    out = _conv_t(out.reshape(n, -1, t, v), sd, p + '.post')
    out = torch.relu(_batch_norm(out, sd, p + '.bn') + res)
    return out, graph.reshape(n, -1, v, v)


def _mstcn(x, sd, p, stride):
    """``mstcn`` with the global (joint-mean) column and ``add_coeff``."""
    v = x.shape[-1]
    x = torch.cat([x, x.mean(-1, keepdim=True)], dim=-1)
    outs = []
    for j, cfg in enumerate(MS_CFG):
        b = f'{p}.branches.{j}'
        if cfg == '1x1':
            outs.append(_conv_t(x, sd, b, stride))
            continue
        h = torch.relu(_batch_norm(_conv_t(x, sd, b + '.0'), sd, b + '.1'))
        if cfg[0] == 'max':
            outs.append(
                F.max_pool2d(h, (cfg[1], 1), (stride, 1), padding=(1, 0)))
        else:
            outs.append(_conv_t(h, sd, b + '.3.conv', stride, cfg[1]))
    out = torch.cat(outs, dim=1)
    coeff = sd[p + '.add_coeff'][:v]
    feat = out[..., :v] + out[..., v:] * coeff
    feat = torch.relu(_batch_norm(feat, sd, p + '.transform.0'))
    feat = _conv_t(feat, sd, p + '.transform.2')
    return _batch_norm(feat, sd, p + '.bn')


def authors_forward(
        sd: Dict[str, torch.Tensor],
        x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The authors' ``ProtoGCN`` + ``SimpleHead`` in eval mode.

    Args:
        sd (dict): The state dict in the authors' names.
        x (Tensor): ``(N, M, T, V, C)``.

    Returns:
        tuple: The feature map ``(N, M, C', T', V)``, the reconstructed
        graph ``(N, V * V)`` and the logits ``(N, classes)``.
    """
    n, m, t, v, c = x.shape
    h = x.permute(0, 1, 3, 4, 2).reshape(n * m, v * c, t)  # data_bn 'VC'
    h = _batch_norm(h, sd, 'backbone.data_bn')
    h = h.reshape(n, m, v, c, t).permute(0, 1, 3, 4, 2).reshape(n * m, c, t, v)
    for i, (cin, cout, stride, residual) in enumerate(BLOCKS):
        p = f'backbone.gcn.{i}'
        if not residual:
            res = 0
        elif cin == cout and stride == 1:
            res = h
        else:
            res = _batch_norm(
                _conv_t(h, sd, p + '.residual.conv', stride), sd,
                p + '.residual.bn')
        h, topology = _unit_gcn(h, sd, p + '.gcn')
        h = torch.relu(_mstcn(h, sd, p + '.tcn', stride) + res)
    feats = h.reshape((n, m) + h.shape[1:])
    width = feats.shape[2]
    graph = topology.reshape(n, m, width, v * v).mean(1)
    query = sd['backbone.prn.query_matrix.weight']
    memory = sd['backbone.prn.memory_matrix.weight']
    rebuilt = []
    for i in range(n):  # sample by sample, as the authors do
        pairs = graph[i].t()  # (V * V, C)
        weights = torch.softmax(pairs @ query.t(), dim=-1)
        rebuilt.append((weights @ memory.t()).t().reshape(width, v, v))
    rebuilt = _conv_t(torch.stack(rebuilt), sd, 'backbone.post')
    rebuilt = torch.relu(_batch_norm(rebuilt, sd, 'backbone.bn'))
    rebuilt = rebuilt.mean(1).reshape(n, -1)
    pooled = feats.mean(dim=(3, 4)).mean(1)
    weight, bias = sd['cls_head.fc_cls.weight'], sd['cls_head.fc_cls.bias']
    logits = pooled @ weight.t() + bias
    return feats, rebuilt, logits


def _project(sd, graph):
    """The authors' ``csc_loss.cl_fc`` on the reconstructed graph."""
    return (graph @ sd['cls_head.csc_loss.cl_fc.weight'].t() +
            sd['cls_head.csc_loss.cl_fc.bias'])


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------
def _write_config(tmp_path, layout, prototypes=PROTOTYPES, name='target.py'):
    path = tmp_path / name
    path.write_text(
        _CONFIG.format(
            layout=layout, num_nodes=LAYOUTS[layout], prototypes=prototypes))
    return str(path)


def _input(num_joints, dtype):
    gen = torch.Generator().manual_seed(1)
    # A pose per person (so that the temporal means, hence the learned
    # topologies, differ between samples) plus motion.
    pose = torch.randn(3, 2, 1, num_joints, 3, generator=gen, dtype=dtype)
    x = pose + 0.5 * torch.randn(
        3, 2, 16, num_joints, 3, generator=gen, dtype=dtype)
    x[2, 1] = 0  # a zero-padded second person
    return x


def _ours(model, x):
    with torch.no_grad():
        feats, graph = model.backbone(x)
        head = model.cls_head
        return feats, graph, head(feats), head.loss_proto.cl_fc(graph)


def _assert_equals_authors(model, sd, num_joints, dtype, atol):
    model = model.to(dtype).eval()
    x = _input(num_joints, dtype)
    ref_sd = {k: v.double() for k, v in sd.items()}
    feats, graph, logits = authors_forward(ref_sd, x.double())
    projected = _project(ref_sd, graph)
    got = _ours(model, x)
    close = dict(atol=atol, rtol=0)
    for ours, theirs in zip(got, (feats, graph, logits, projected)):
        torch.testing.assert_close(ours.double(), theirs, **close)
    # Not a vacuous match: the graph varies across samples and joint
    # pairs, and the logits across samples and classes, by far more than
    # the tolerance.
    assert graph.std(0).mean() > 1e-3 and graph.std(1).mean() > 1e-3
    assert logits.std(0).mean() > 1e-3 and logits.std(1).mean() > 1e-1


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_cli_converts_to_the_authors_logits(tmp_path, capsys, layout):
    v = LAYOUTS[layout]
    sd = authors_state_dict(v)
    src = save_mmcv_checkpoint(str(tmp_path / 'j.pth'), sd)
    config = _write_config(tmp_path, layout)
    dst = str(tmp_path / 'converted.pth')
    assert main([src, dst, '--config', config]) == 0
    out = capsys.readouterr().out
    assert 'format: protogcn (firework8/ProtoGCN@ddf7f27' in out
    assert 'loaded with: weights_only' in out
    # The authors never saved their prototype memory (a plain attribute).
    fresh = out.split('initialised fresh (the source never saved them):')[1]
    fresh = fresh.split('strict load')[0].split()
    assert fresh == [
        'cls_head.loss_proto.prototypes', 'cls_head.loss_proto.observed'
    ]

    # What tools/test.py does with the file: MMEngine's loader, strict.
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(config).model)
    load_checkpoint(model, dst, map_location='cpu', strict=True)
    _assert_equals_authors(model, sd, v, torch.float64, atol=1e-10)
    _assert_equals_authors(model, sd, v, torch.float32, atol=1e-5)

    ckpt = torch.load(dst, weights_only=True)
    meta = ckpt['meta']
    assert meta['converted_from']['format'] == 'protogcn'
    assert meta['source_meta']['hook_msgs']['best_score'] == 0.9154
    assert meta['source_meta']['config'] == ['RecognizerGCN', 'ProtoGCN']
    assert meta['fresh_keys'] == fresh
    converted = ckpt['state_dict']
    assert torch.equal(converted['cls_head.loss_proto.cl_fc.weight'],
                       sd['cls_head.csc_loss.cl_fc.weight'])
    assert torch.equal(converted['backbone.prn.query_matrix.weight'],
                       sd['backbone.prn.query_matrix.weight'])
    assert torch.equal(converted['cls_head.fc.bias'],
                       sd['cls_head.fc_cls.bias'])
    # Every source tensor is in the output under exactly one name.
    assert len(converted) == len(sd) + len(fresh)


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_inferred_target_gives_the_authors_logits(tmp_path, layout):
    v = LAYOUTS[layout]
    sd = authors_state_dict(v, seed=2)
    src = save_mmcv_checkpoint(str(tmp_path / 'j.pth'), sd)
    result = convert_checkpoint(src)
    assert result['format'] == 'protogcn'
    inferred = result['checkpoint']['meta']['inferred_model']
    backbone, head = inferred['backbone'], inferred['cls_head']
    assert backbone['type'] == 'ProtoGCN'
    assert backbone['num_prototype'] == PROTOTYPES
    assert (backbone['num_subsets'], backbone['gcn_ratio']) == (8, 0.125)
    assert backbone['inflate_stages'] == backbone['down_stages'] == [3]
    assert 'with_topology' not in backbone
    assert (head['type'], head['num_classes'], head['in_channels'],
            head['num_nodes']) == ('ProtoGCNHead', CLASSES, WIDTH, v)
    assert head['loss_proto']['proj_channels'] == PROJ
    _assert_equals_authors(result['model'], sd, v, torch.float64, 1e-10)


def _unmapped(sd):
    sd['backbone.prn.extra.weight'] = torch.zeros(1)
    sd['cls_head.csc_loss.avg_f'] = torch.zeros(PROJ, CLASSES)
    return ('unmapped keys', "not in ProtoGCN's ProtoGCN + SimpleHead "
            "(format 'protogcn'", '(2):\n  backbone.prn.extra.weight\n  '
            'cls_head.csc_loss.avg_f')


def _missing(sd):
    del sd['backbone.prn.memory_matrix.weight']
    del sd['cls_head.csc_loss.cl_fc.bias']
    return ('missing keys', '(2):\n  backbone.prn.memory_matrix.weight\n'
            '  cls_head.loss_proto.cl_fc.bias\n')


def _mismatch(sd):
    sd['backbone.prn.query_matrix.weight'] = torch.zeros(12, WIDTH)
    return ('shape mismatches (1):\n  backbone.prn.query_matrix.weight: '
            f'checkpoint (12, {WIDTH}), model ({PROTOTYPES}, {WIDTH})', )


@pytest.mark.parametrize('corrupt', [_unmapped, _missing, _mismatch])
def test_bad_checkpoints_are_refused(tmp_path, capsys, corrupt):
    sd = authors_state_dict(25)
    expected = corrupt(sd)
    src = save_mmcv_checkpoint(str(tmp_path / 'bad.pth'), sd)
    dst = str(tmp_path / 'out.pth')
    assert main([src, dst, '--config',
                 _write_config(tmp_path, 'nturgb+d')]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ' + expected[0])
    assert all(part in err for part in expected)
    assert not osp.exists(dst)


def test_format_detection_and_key_mapping(tmp_path):
    sd = authors_state_dict(25)
    assert detect_format(sd) == 'protogcn'
    # Either ProtoGCN part identifies the format.
    assert detect_format({
        k: v
        for k, v in sd.items() if not k.startswith('cls_head.csc_loss.')
    }) == 'protogcn'
    assert detect_format({
        k: v
        for k, v in sd.items() if not k.startswith('backbone.prn.')
    }) == 'protogcn'
    assert (map_source_key('cls_head.csc_loss.cl_fc.weight',
                           'protogcn') == 'cls_head.loss_proto.cl_fc.weight')
    assert (map_source_key('backbone.bn.running_var',
                           'protogcn') == 'backbone.bn.running_var')
    # ProtoGCN's parts are not names of the other formats' networks.
    for key in ('backbone.prn.query_matrix.weight', 'backbone.post.weight',
                'cls_head.csc_loss.cl_fc.bias'):
        with pytest.raises(KeyError):
            map_source_key(key, 'aclnet')
    with pytest.raises(KeyError):
        map_source_key('cls_head.inter_loss.cl_fc.weight', 'protogcn')

    # Without the loss projection (--drop-losses), the inferred head's
    # projection is taken fresh, like the prototype memory.
    src = save_mmcv_checkpoint(str(tmp_path / 'j.pth'), sd)
    result = convert_checkpoint(src, drop_losses=True)
    assert result['fresh_keys'] == [
        'cls_head.loss_proto.prototypes', 'cls_head.loss_proto.observed',
        'cls_head.loss_proto.cl_fc.weight', 'cls_head.loss_proto.cl_fc.bias'
    ]


def test_converted_checkpoint_exports_to_the_authors_logits(tmp_path, capsys):
    """Authors' checkpoint -> converter -> ONNX export: ONNX Runtime's class
    scores are the authors' logits."""
    ort = pytest.importorskip('onnxruntime')
    export_main = load_tool('deployment/export_onnx.py').main
    sd = authors_state_dict(25, seed=3)
    src = save_mmcv_checkpoint(str(tmp_path / 'j.pth'), sd)
    config = _write_config(tmp_path, 'nturgb+d')
    with open(config, 'a') as f:
        f.write(_TEST_PIPELINE)
    dst = str(tmp_path / 'converted.pth')
    assert main([src, dst, '--config', config]) == 0
    onnx_file = str(tmp_path / 'protogcn.onnx')
    export_main([config, dst, '--output', onnx_file, '--verify'])
    out = capsys.readouterr().out
    assert '(N, 2, 16, 25, 3)' in out
    assert float(out.split('max |onnx - torch| = ')[1].split()[0]) < 1e-5

    x = _input(25, torch.float32)
    _, _, logits = authors_forward({
        k: v.double()
        for k, v in sd.items()
    }, x.double())
    sess = ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
    scores = sess.run(None, {'keypoint': x.numpy()})[0]
    np.testing.assert_allclose(scores, logits.numpy(), atol=1e-5, rtol=0)
