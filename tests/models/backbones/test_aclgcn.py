# Copyright (c) aclnet-mm contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS

import aclnet_mm  # noqa: F401
from aclnet_mm.models.backbones import ACLGCN
from aclnet_mm.models.backbones.aclgcn import (REFERENCE_KEY_MAP,
                                               map_reference_key)
from aclnet_mm.models.backbones.utils import DynamicGCNUnit, GlobalJointMSTCN
from aclnet_mm.models.utils import pool_embedding

TINY = dict(
    base_channels=12,
    num_stages=2,
    inflate_stages=(2, ),
    down_stages=(2, ),
    num_subsets=2,
    gcn_ratio=0.25)


def _randomise_bn(module, generator):
    """Give every BN non-trivial affine parameters and running stats."""
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.weight.data = torch.rand(n, generator=generator) + 0.5
            m.bias.data = torch.randn(n, generator=generator)
            m.running_mean = torch.randn(n, generator=generator)
            m.running_var = torch.rand(n, generator=generator) + 0.5


def _conv1x1(x, conv):
    """A 1x1 conv written as a channel contraction."""
    w = conv.weight[:, :, 0, 0]
    return torch.einsum('oi,nitv->notv', w, x) + conv.bias[:, None, None]


def _bn_eval(x, bn):
    shape = (1, -1) + (1, ) * (x.dim() - 2)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return ((x - bn.running_mean.view(shape)) * scale.view(shape) +
            bn.bias.view(shape))


@pytest.mark.parametrize('layout,num_joints,channels',
                         [('nturgb+d', 25, 3), ('coco', 17, 3),
                          ('openpose_body25', 25, 2),
                          ('openpose_body25', 25, 3)])
def test_output_shapes(layout, num_joints, channels):
    model = MODELS.build(
        dict(
            type='ACLGCN',
            graph_cfg=dict(layout=layout),
            in_channels=channels,
            with_topology=True,
            **TINY))
    x = torch.randn(2, 2, 8, num_joints, channels)
    feats, topology = model(x)
    assert feats.shape == (2, 2, 24, 4, num_joints)
    assert topology.shape == (2, num_joints * num_joints)
    # GCNHead takes the feature map as it is.
    head = MODELS.build(dict(type='GCNHead', num_classes=5, in_channels=24))
    assert head(feats).shape == (2, 5)

    model.with_topology = False
    assert model(x).shape == (2, 2, 24, 4, num_joints)


def test_default_network_matches_reference_layout():
    model = ACLGCN(dict(layout='nturgb+d'))
    widths = [block.gcn.out_channels for block in model.gcn]
    assert widths == [96] * 4 + [192] * 3 + [384] * 3
    strides = [block.tcn.branches[-1].stride[0] for block in model.gcn
               ]  # the '1x1' branch carries the block stride
    assert strides == [1, 1, 1, 1, 2, 1, 1, 2, 1, 1]
    assert model.gcn[0].residual is None
    assert isinstance(model.gcn[1].residual, nn.Identity)
    assert model.gcn[4].residual.conv.stride == (2, 1)
    unit = model.gcn[9].gcn
    assert unit.A.shape == (8, 25, 25)
    assert unit.mid_channels * unit.num_subsets == 384
    assert unit.alpha.shape == unit.beta.shape == (8, )
    assert model.gcn[9].tcn.add_coeff.shape == (25, )
    assert model.data_bn.num_features == 25 * 3
    # Reference total for the NTU joint config.
    assert sum(p.numel() for p in model.parameters()) == 3705696


def test_parameter_count_tiny():
    model = ACLGCN(dict(layout='coco'), **TINY)
    v = 17
    # Block 1 unit (3 -> 12, K=2, c=3): A, alpha+beta, pre conv+BN, post,
    # conv1, conv2, down conv+BN, bn.
    unit1 = 2 * v * v + 4 + (3 * 6 + 6) + 12 + (
        6 * 12 + 12) + 2 * (3 * 6 + 6) + (3 * 12 + 12) + 24 + 24
    # Block 1 TCN (12 -> 12, 6 branches of 2): add_coeff, 4 dilated
    # branches (1x1 conv, BN, 3x1 conv), max branch, 1x1 branch,
    # transform (BN, 1x1 conv), bn.
    tcn1 = 25 + 4 * ((12 * 2 + 2) + 4 + (2 * 2 * 3 + 2)) + (12 * 2 + 2 + 4) + (
        12 * 2 + 2) + (24 + 12 * 12 + 12) + 24
    # Block 2 unit (12 -> 24, c=6).
    unit2 = 2 * v * v + 4 + (12 * 12 + 12 + 24) + (
        12 * 24 + 24) + 2 * (12 * 12 + 12) + (12 * 24 + 24 + 48) + 48
    tcn2 = 25 + 4 * ((24 * 4 + 4) + 8 + (4 * 4 * 3 + 4)) + (24 * 4 + 4 + 8) + (
        24 * 4 + 4) + (48 + 24 * 24 + 24) + 48
    residual2 = 12 * 24 + 24 + 48
    data_bn = 2 * v * 3
    expected = data_bn + unit1 + tcn1 + unit2 + tcn2 + residual2
    assert expected == 5132
    assert sum(p.numel() for p in model.parameters()) == expected


def test_topology_is_zero_at_init_and_gradients_reach_alpha_beta():
    torch.manual_seed(0)
    model = ACLGCN(dict(layout='coco'), with_topology=True, **TINY)
    feats, topology = model(torch.randn(3, 2, 8, 17, 3))
    assert torch.equal(topology, torch.zeros(3, 17 * 17))

    (feats.pow(2).mean() + topology.sum()).backward()
    for block in model.gcn:
        unit = block.gcn
        assert unit.alpha.grad[0] != 0 and unit.beta.grad[0] != 0
        # Only the first entry of the K-vectors is used, as in the
        # reference.
        assert torch.all(unit.alpha.grad[1:] == 0)
        assert torch.all(unit.beta.grad[1:] == 0)
    assert model.gcn[0].tcn.add_coeff.grad.abs().sum() > 0


def test_topology_is_mean_over_persons_and_slices():
    torch.manual_seed(0)
    model = ACLGCN(dict(layout='coco'), with_topology=True, **TINY).eval()
    with torch.no_grad():
        for block in model.gcn:
            block.gcn.alpha.fill_(0.7)
            block.gcn.beta.fill_(-1.3)
    x = torch.randn(2, 2, 8, 17, 3)
    captured = {}

    def hook(module, args, output):
        captured['topology'] = output[1]

    model.gcn[-1].gcn.register_forward_hook(hook)
    with torch.no_grad():
        _, topology = model(x)
    per_sample = captured['topology'].reshape(2, 2, -1, 17, 17)
    expected = per_sample.mean(dim=(1, 2)).reshape(2, -1)
    torch.testing.assert_close(topology, expected, rtol=1e-6, atol=1e-7)
    assert topology.abs().max() > 0


def test_data_bn_normalises_joint_major_vc_channels():
    v, c = 17, 3
    model = ACLGCN(dict(layout='coco'), in_channels=c, **TINY).eval()
    assert model.data_bn.num_features == v * c
    model.data_bn.running_mean = torch.arange(v * c, dtype=torch.float32)
    captured = {}

    def hook(module, args):
        captured['x'] = args[0]

    model.gcn[0].register_forward_pre_hook(hook)
    with torch.no_grad():
        model(torch.zeros(2, 2, 4, v, c))
    x = captured['x']  # (N * M, C, T, V)
    assert x.shape == (4, c, 4, v)
    eps = model.data_bn.eps
    for ci in range(c):
        for vi in range(v):
            value = -(vi * c + ci) / math.sqrt(1 + eps)
            assert torch.allclose(x[:, ci, :, vi], torch.tensor(value))

    mvc = ACLGCN(dict(layout='coco'), data_bn_type='MVC', **TINY)
    assert mvc.data_bn.num_features == 2 * v * c
    assert mvc(torch.randn(2, 2, 4, v, c)).shape == (2, 2, 24, 2, v)


def _slow_dynamic_gcn(unit, x):
    """Loop re-statement of DynamicGCNUnit in eval mode."""
    n, _, t, v = x.shape
    k, c = unit.num_subsets, unit.mid_channels
    alpha, beta = unit.alpha[0], unit.beta[0]
    pre = torch.relu(_bn_eval(_conv1x1(x, unit.pre[0]), unit.pre[1]))
    x1 = _conv1x1(x, unit.conv1).mean(dim=2)  # (N, K * c, V)
    x2 = _conv1x1(x, unit.conv2).mean(dim=2)
    out = torch.zeros(n, k * c, t, v)
    dynamic = torch.zeros(n, k * c, v, v)
    for ni in range(n):
        for ki in range(k):
            rows = range(ki * c, (ki + 1) * c)
            # AAGCN term: softmax over the source joint u of sum_c x1 x2.
            scores = torch.zeros(v, v)
            for ui in range(v):
                for vi in range(v):
                    scores[ui, vi] = sum(x1[ni, r, ui] * x2[ni, r, vi]
                                         for r in rows)
            ada = torch.exp(scores) / torch.exp(scores).sum(0, keepdim=True)
            for r in rows:
                for ui in range(v):
                    for vi in range(v):
                        ctr = alpha * torch.tanh(x1[ni, r, ui] - x2[ni, r, vi])
                        dynamic[ni, r, ui, vi] = ctr + beta * ada[ui, vi]
                graph = unit.A[ki] + dynamic[ni, r]
                for ti in range(t):
                    for vi in range(v):
                        out[ni, r, ti,
                            vi] = (pre[ni, r, ti, :] * graph[:, vi]).sum()
    out = _bn_eval(_conv1x1(out, unit.post), unit.bn)
    res = _bn_eval(_conv1x1(x, unit.down[0]), unit.down[1])
    return torch.relu(out + res), dynamic


def test_dynamic_gcn_unit_against_loops():
    g = torch.Generator().manual_seed(3)
    A = torch.randn(2, 4, 4, generator=g)
    unit = DynamicGCNUnit(5, 8, A, ratio=0.25).eval()
    _randomise_bn(unit, g)
    with torch.no_grad():
        unit.alpha.copy_(torch.tensor([0.8, 5.0]))  # index 1 is unused
        unit.beta.copy_(torch.tensor([-1.5, 7.0]))
    x = torch.randn(2, 5, 3, 4, generator=g)
    with torch.no_grad():
        out, topology = unit(x, return_topology=True)
        expected_out, expected_topology = _slow_dynamic_gcn(unit, x)
    assert out.shape == (2, 8, 3, 4) and topology.shape == (2, 4, 4, 4)
    torch.testing.assert_close(out, expected_out, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(
        topology, expected_topology, rtol=1e-5, atol=1e-5)
    with torch.no_grad():
        assert torch.equal(unit(x), out)


def test_dynamic_gcn_unit_identity_down_and_bad_inputs():
    unit = DynamicGCNUnit(8, 8, torch.zeros(2, 5, 5), ratio=0.25)
    assert isinstance(unit.down, nn.Identity)
    assert unit(torch.randn(1, 8, 3, 5)).shape == (1, 8, 3, 5)
    with pytest.raises(ValueError):
        DynamicGCNUnit(8, 8, torch.zeros(5, 5))
    with pytest.raises(ValueError):
        DynamicGCNUnit(8, 4, torch.zeros(2, 5, 5), ratio=0.125)


def _slow_mstcn_eval(tcn, x):
    """Branches run on joints and on the joint mean, then combined."""
    v = x.shape[-1]
    joints = torch.cat([branch(x) for branch in tcn.branches], dim=1)
    mean_joint = x.mean(dim=-1, keepdim=True)
    glob = torch.cat([branch(mean_joint) for branch in tcn.branches], dim=1)
    feat = joints.clone()
    for vi in range(v):
        feat[..., vi] = joints[..., vi] + tcn.add_coeff[vi] * glob[..., 0]
    return tcn.bn(tcn.transform(feat))


def test_global_joint_branch():
    g = torch.Generator().manual_seed(5)
    tcn = GlobalJointMSTCN(12, 12, stride=2).eval()
    _randomise_bn(tcn, g)
    assert tcn.add_coeff.shape == (25, )
    x = torch.randn(2, 12, 8, 17, generator=g)
    with torch.no_grad():
        # add_coeff = 0: in eval mode the global joint has no effect.
        out0 = tcn(x)
        torch.testing.assert_close(out0, _slow_mstcn_eval(tcn, x))
        assert out0.shape == (2, 12, 4, 17)

        tcn.add_coeff.copy_(torch.randn(25, generator=g))
        out = tcn(x)
        torch.testing.assert_close(
            out, _slow_mstcn_eval(tcn, x), rtol=1e-5, atol=1e-5)
        assert not torch.allclose(out, out0)
        # Entries beyond the number of joints are never read.
        tcn.add_coeff[17:] = 100.
        assert torch.equal(tcn(x), out)

    # In training mode the global joint enters the BN statistics.
    tcn.train()
    with torch.no_grad():
        tcn.add_coeff.zero_()
    assert tcn(x).shape == (2, 12, 4, 17)


def test_init_weights_through_init_cfg():
    torch.manual_seed(0)
    model = ACLGCN(dict(layout='coco'), **TINY)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.init_weights()  # init_cfg=None keeps PyTorch's defaults
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    # The static graph: 0.04 + 0.02 * N(0, 1), the same draw in every block.
    big = ACLGCN(dict(layout='nturgb+d'), num_stages=2, base_channels=16)
    A = big.gcn[0].gcn.A.detach()
    assert torch.equal(A, big.gcn[1].gcn.A.detach())
    assert abs(A.mean().item() - 0.04) < 3e-3
    assert abs(A.std().item() - 0.02) < 3e-3

    model = ACLGCN(
        dict(layout='coco'),
        init_cfg=[
            dict(type='Constant', layer='Conv2d', val=0.5, bias=0.25),
            dict(type='Constant', layer='BatchNorm2d', val=2.)
        ],
        **TINY)
    model.init_weights()
    unit = model.gcn[1].gcn
    assert torch.all(unit.conv1.weight == 0.5)
    assert torch.all(unit.post.bias == 0.25)
    assert torch.all(unit.bn.weight == 2.)
    assert torch.all(model.gcn[1].residual.conv.weight == 0.5)
    assert torch.all(model.gcn[1].tcn.branches[0][3].conv.weight == 0.5)
    assert torch.all(unit.alpha == 0) and torch.all(unit.beta == 0)


def test_reference_key_map():
    model = ACLGCN(dict(layout='nturgb+d'), num_stages=5, base_channels=16)
    keys = list(model.state_dict())
    assert all(map_reference_key(key) == key for key in keys)
    patterns = {pattern for pattern, _ in REFERENCE_KEY_MAP}
    assert len(patterns) == len(REFERENCE_KEY_MAP)
    for key in ('gcn.0.gcn.A', 'gcn.4.tcn.branches.3.3.conv.weight',
                'gcn.4.residual.bn.running_var', 'data_bn.weight',
                'gcn.9.tcn.branches.5.bias', 'gcn.2.gcn.pre.1.weight'):
        assert map_reference_key(key) == key
    for key in ('cls_head.fc_cls.weight', 'gcn.0.gcn.A.extra',
                'gcn.0.tcn.branches.0.2.weight'):
        with pytest.raises(KeyError):
            map_reference_key(key)


def test_graph_cfg_modes():
    model = ACLGCN(dict(layout='coco', mode='spatial'), **TINY)
    A = model.gcn[0].gcn.A
    assert A.shape == (3, 17, 17)
    assert torch.all(A >= 0)
    assert model(torch.randn(1, 2, 4, 17, 3)).shape == (1, 2, 24, 2, 17)
    with pytest.raises(ValueError):
        ACLGCN(dict(layout='coco', num_filter=8), **TINY)
    with pytest.raises(ValueError):
        ACLGCN(dict(layout='coco'), data_bn_type='V', **TINY)


def test_first_block_skipped_when_input_is_base_width():
    model = ACLGCN(dict(layout='coco'), in_channels=12, **TINY)
    assert len(model.gcn) == 1
    assert model(torch.randn(1, 1, 4, 17, 12)).shape == (1, 1, 24, 2, 17)


def test_traceable_with_topology():
    torch.manual_seed(0)
    model = ACLGCN(dict(layout='coco'), with_topology=True, **TINY).eval()
    with torch.no_grad():
        model.gcn[-1].gcn.alpha.fill_(0.5)
        model.gcn[-1].gcn.beta.fill_(0.5)
    x = torch.randn(2, 2, 8, 17, 3)
    traced = torch.jit.trace(model, x, check_trace=False)
    x = torch.randn(2, 2, 8, 17, 3)
    with torch.no_grad():
        for a, b in zip(traced(x), model(x)):
            torch.testing.assert_close(a, b)
    assert pool_embedding(model(x)[0]).shape == (2, 24)
