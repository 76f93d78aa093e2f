# Copyright (c) aclnet-mm contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS

import aclnet_mm  # noqa: F401
from aclnet_mm.models.backbones import CTRGCN
from aclnet_mm.models.backbones.utils import CTRGC, CTRGCUnit, MultiScaleTCN

TINY = dict(
    base_channels=8, num_stages=2, inflate_stages=(2, ), down_stages=(2, ))


def _randomise_bn(module, generator):
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.weight.data = torch.rand(n, generator=generator) + 0.5
            m.bias.data = torch.randn(n, generator=generator)
            m.running_mean = torch.randn(n, generator=generator)
            m.running_var = torch.rand(n, generator=generator) + 0.5


def _conv1x1(x, conv):
    w = conv.weight[:, :, 0, 0]
    return torch.einsum('oi,nitv->notv', w, x) + conv.bias[:, None, None]


@pytest.mark.parametrize('layout,num_joints,channels',
                         [('nturgb+d', 25, 3), ('coco', 17, 3),
                          ('openpose_body25', 25, 2)])
def test_output_shapes(layout, num_joints, channels):
    model = MODELS.build(
        dict(
            type='CTRGCN',
            graph_cfg=dict(layout=layout, mode='spatial'),
            in_channels=channels,
            with_topology=True,
            **TINY))
    x = torch.randn(2, 2, 8, num_joints, channels)
    feats, topology = model(x)
    assert feats.shape == (2, 2, 16, 4, num_joints)
    assert topology.shape == (2, num_joints * num_joints)
    head = MODELS.build(dict(type='GCNHead', num_classes=5, in_channels=16))
    assert head(feats).shape == (2, 5)
    model.with_topology = False
    assert model(x).shape == (2, 2, 16, 4, num_joints)


def test_default_network():
    model = CTRGCN(dict(layout='nturgb+d', mode='spatial'))
    assert model.out_channels == 256
    widths = [block.gcn1.out_channels for block in model.net]
    assert widths == [64] * 4 + [128] * 3 + [256] * 3
    assert model.data_bn.num_features == 2 * 25 * 3
    assert model.A.shape == (3, 25, 25)
    assert model.net[0].residual is None
    assert model.net[4].residual.conv.stride == (2, 1)
    tcn = model.net[1].tcn1
    assert tcn.num_branches == 4 and tcn.residual is None
    assert tcn.branches[0][3].conv.kernel_size == (5, 1)
    assert tcn.branches[1][3].conv.dilation == (2, 1)
    x = torch.randn(1, 2, 16, 25, 3)
    assert model(x).shape == (1, 2, 256, 4, 25)


def test_parameter_count_tiny():
    model = CTRGCN(dict(layout='coco', mode='spatial'), **TINY)
    v, k = 17, 3
    # CTRGC(3 -> 8), 8 relation channels: conv1, conv2 (3->8), conv3
    # (3->8), conv4 (8->8).
    ctrgc1 = 2 * (3 * 8 + 8) + (3 * 8 + 8) + (8 * 8 + 8)
    unit1 = k * ctrgc1 + (3 * 8 + 8 + 16) + k * v * v + 1 + 16
    # MultiScaleTCN(8 -> 8), 4 branches of 2: two dilated (1x1 conv, BN,
    # 5x1 conv, BN), max (1x1 conv, BN, BN), 1x1 (conv, BN).
    tcn1 = 2 * ((8 * 2 + 2) + 4 +
                (2 * 2 * 5 + 2) + 4) + (8 * 2 + 2 + 8) + (8 * 2 + 2 + 4)
    ctrgc2 = 2 * (8 * 8 + 8) + (8 * 16 + 16) + (8 * 16 + 16)
    unit2 = k * ctrgc2 + (8 * 16 + 16 + 32) + k * v * v + 1 + 32
    tcn2 = 2 * ((16 * 4 + 4) + 8 +
                (4 * 4 * 5 + 4) + 8) + (16 * 4 + 4 + 16) + (16 * 4 + 4 + 8)
    residual2 = 8 * 16 + 16 + 32
    data_bn = 2 * (2 * v * 3)
    expected = data_bn + unit1 + tcn1 + unit2 + tcn2 + residual2
    assert expected == 4828
    assert sum(p.numel() for p in model.parameters()) == expected


def test_topology_zero_at_init_and_gradient_to_alpha():
    torch.manual_seed(0)
    model = CTRGCN(
        dict(layout='coco', mode='spatial'), with_topology=True, **TINY)
    model.init_weights()
    feats, topology = model(torch.randn(2, 2, 8, 17, 3))
    assert torch.equal(topology, torch.zeros(2, 17 * 17))
    (feats.pow(2).mean() + topology.sum()).backward()
    for block in model.net:
        assert block.gcn1.alpha.grad.abs().item() > 0


def test_topology_is_mean_of_last_refinements():
    torch.manual_seed(0)
    model = CTRGCN(
        dict(layout='coco', mode='spatial'), with_topology=True,
        **TINY).eval()
    with torch.no_grad():
        model.net[-1].gcn1.alpha.fill_(0.9)
    captured = {}

    def hook(module, args, output):
        captured['t'] = output[1]

    model.net[-1].gcn1.register_forward_hook(hook)
    with torch.no_grad():
        _, topology = model(torch.randn(3, 2, 8, 17, 3))
    refine = captured['t']  # (N * M, K, C, V, V)
    assert refine.shape == (6, 3, 16, 17, 17)
    expected = refine.reshape(3, 2, -1, 17, 17).mean(dim=(1, 2))
    torch.testing.assert_close(topology, expected.reshape(3, -1))
    assert topology.abs().max() > 0


def test_data_bn_layout_is_person_joint_channel():
    v, c, m = 17, 3, 2
    model = CTRGCN(dict(layout='coco', mode='spatial'), **TINY).eval()
    model.data_bn.running_mean = torch.arange(m * v * c, dtype=torch.float32)
    captured = {}

    def hook(module, args):
        captured['x'] = args[0]

    model.net[0].register_forward_pre_hook(hook)
    with torch.no_grad():
        model(torch.zeros(1, m, 4, v, c))
    x = captured['x']  # (N * M, C, T, V)
    scale = math.sqrt(1 + model.data_bn.eps)
    for mi in range(m):
        for vi in range(v):
            for ci in range(c):
                value = -(mi * v * c + vi * c + ci) / scale
                assert torch.allclose(x[mi, ci, :, vi], torch.tensor(value))


def test_ctrgc_against_loops():
    g = torch.Generator().manual_seed(7)
    conv = CTRGC(4, 6)
    assert conv.rel_channels == 8
    assert CTRGC(32, 6).rel_channels == 4
    A = torch.randn(5, 5, generator=g)
    x = torch.randn(2, 4, 3, 5, generator=g)
    alpha = torch.tensor(0.6)
    with torch.no_grad():
        out, refine = conv(x, A, alpha, return_topology=True)
        x1 = _conv1x1(x, conv.conv1).mean(dim=2)  # (N, R, V)
        x2 = _conv1x1(x, conv.conv2).mean(dim=2)
        x3 = _conv1x1(x, conv.conv3)
        w4 = conv.conv4.weight[:, :, 0, 0]
        expected_refine = torch.zeros(2, 6, 5, 5)
        expected = torch.zeros(2, 6, 3, 5)
        for n in range(2):
            for u in range(5):
                for v in range(5):
                    rel = torch.tanh(x1[n, :, u] - x2[n, :, v])  # (R, )
                    expected_refine[n, :, u, v] = alpha * (
                        w4 @ rel + conv.conv4.bias)
            for ch in range(6):
                graph = expected_refine[n, ch] + A
                for t in range(3):
                    for v in range(5):
                        # Sum over the first (source) joint index.
                        expected[n, ch, t,
                                 v] = (graph[:, v] * x3[n, ch, t, :]).sum()
    torch.testing.assert_close(refine, expected_refine, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    with torch.no_grad():
        assert torch.equal(conv(x, A, alpha), out)


def test_ctrgc_unit_sums_subsets():
    g = torch.Generator().manual_seed(11)
    A = torch.rand(3, 5, 5, generator=g)
    unit = CTRGCUnit(4, 6, A).eval()
    _randomise_bn(unit, g)
    with torch.no_grad():
        unit.alpha.fill_(0.3)
    x = torch.randn(2, 4, 3, 5, generator=g)
    with torch.no_grad():
        out, refines = unit(x, return_topology=True)
        total = sum(
            conv(x, unit.A[i], unit.alpha)
            for i, conv in enumerate(unit.convs))
        expected = torch.relu(unit.bn(total) + unit.down(x))
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)
    assert refines.shape == (2, 3, 6, 5, 5)
    with pytest.raises(ValueError):
        CTRGCUnit(4, 6, torch.zeros(5, 5))


def test_multiscale_tcn():
    tcn = MultiScaleTCN(12, 12, kernel_size=5, dilations=(1, 2), stride=2)
    # Branch widths: three of 12 // 4 = 3, the 1x1 branch takes the rest.
    assert [b[0].out_channels for b in tcn.branches] == [3, 3, 3, 3]
    assert isinstance(tcn.residual, nn.Module)  # strided unit_tcn
    x = torch.randn(2, 12, 8, 5)
    out = tcn(x)
    assert out.shape == (2, 12, 4, 5)
    assert torch.all(out >= 0)  # activation after the concatenation
    tcn = MultiScaleTCN(10, 14, dilations=(1, 2, 3, 4), residual=False)
    assert [b[0].out_channels for b in tcn.branches] == [2] * 5 + [4]
    assert tcn(torch.randn(1, 10, 6, 5)).shape == (1, 14, 6, 5)
    with pytest.raises(ValueError):
        MultiScaleTCN(4, 4, kernel_size=(3, 5, 7), dilations=(1, 2))


def test_init_weights_through_init_cfg():
    torch.manual_seed(0)
    model = CTRGCN(dict(layout='coco', mode='spatial'), **TINY)
    model.init_weights()
    unit = model.net[1].gcn1
    assert torch.all(unit.bn.weight == 1e-6)
    assert torch.all(unit.down[1].weight == 1)
    assert torch.all(unit.convs[0].conv3.bias == 0)
    assert torch.all(model.net[1].tcn1.branches[0][1].weight == 1)
    assert torch.all(model.net[1].residual.conv.bias == 0)
    # Kaiming normal, fan_out: std sqrt(2 / fan_out).
    w = unit.convs[0].conv3.weight
    assert abs(w.std().item() - math.sqrt(2 / 16)) < 0.05
    assert torch.all(unit.alpha == 0)
    assert torch.equal(unit.A.detach(), model.A)


def test_traceable_with_topology():
    torch.manual_seed(0)
    model = CTRGCN(
        dict(layout='coco', mode='spatial'), with_topology=True,
        **TINY).eval()
    with torch.no_grad():
        model.net[-1].gcn1.alpha.fill_(0.5)
    x = torch.randn(2, 2, 8, 17, 3)
    traced = torch.jit.trace(model, x, check_trace=False)
    x = torch.randn(2, 2, 8, 17, 3)
    with torch.no_grad():
        for a, b in zip(traced(x), model(x)):
            torch.testing.assert_close(a, b)
