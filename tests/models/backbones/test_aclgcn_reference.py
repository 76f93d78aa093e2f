# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ACLGCN against the reference network's own numbers.

The fixture ``tests/data/aclnet_reference/`` was made by running the
reference code of firework8/ACLNet at commit 0fab868 once, outside this
repository (see ``tests/tools/test_convert_checkpoint.py`` for how). Here
our :class:`ACLGCN` loads the reference backbone weights under the same
names (no converter involved) and must give the reference's topology
feature and, with the reference classifier, its logits; and a freshly built
default-width ACLGCN must have the reference's parameter shapes and
initialisation statistics (``init_stats``: shape, mean, std, min, max of
every state-dict entry of a fresh default ``GCN_Module`` on the NTU layout).
"""
import math
import os.path as osp

import torch
from tool_scripts import load_tool

from aclnet_mm.models.backbones import ACLGCN

load_source_checkpoint = load_tool(
    'convert_checkpoint.py').load_source_checkpoint

DATA = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'data',
    'aclnet_reference')


def test_forward_equals_reference():
    state_dict, _, _ = load_source_checkpoint(
        osp.join(DATA, 'tiny_aclnet.pth'))
    io = torch.load(osp.join(DATA, 'tiny_io.pt'), weights_only=True)
    model = ACLGCN(
        dict(layout='nturgb+d'),
        base_channels=12,
        num_stages=4,
        inflate_stages=(3, ),
        down_stages=(3, ),
        num_subsets=4,
        gcn_ratio=0.25,
        with_topology=True)
    backbone = {
        k[len('backbone.'):]: v
        for k, v in state_dict.items() if k.startswith('backbone.')
    }
    model.load_state_dict(backbone, strict=True)
    model.eval()
    with torch.no_grad():
        feats, topology = model(io['input'])
    torch.testing.assert_close(topology, io['topology'], atol=1e-5, rtol=0)
    # The reference head: pool over (T, V), mean over persons, fc_cls.
    embedding = feats.mean(dim=(3, 4)).mean(dim=1)
    logits = (
        embedding @ state_dict['cls_head.fc_cls.weight'].T +
        state_dict['cls_head.fc_cls.bias'])
    torch.testing.assert_close(logits, io['logits'], atol=1e-5, rtol=0)


def test_initialisation_matches_reference_statistics():
    stats = torch.load(
        osp.join(DATA, 'tiny_io.pt'), weights_only=True)['init_stats']
    torch.manual_seed(0)
    model = ACLGCN(dict(layout='nturgb+d'))
    ours = model.state_dict()
    assert set(ours) == set(stats)
    for key, ref in stats.items():
        value = ours[key].double()
        assert tuple(value.shape) == tuple(ref['shape']), key
        if ref['std'] == 0:
            # Constants (BN weights 1, biases 0, zero alpha/beta/add_coeff,
            # running statistics): exactly the reference's.
            assert value.min().item() == ref['min'], key
            assert value.max().item() == ref['max'], key
            continue
        if value.numel() < 256:
            # Small tensors (biases): only a gross change of scale shows.
            ratio = value.std().item() / ref['std']
            assert 0.5 < ratio < 2, (key, ratio)
            continue
        # Sampling noise shrinks as 1 / sqrt(n); a different init scheme
        # (e.g. Kaiming normal, fan_out) is off by a factor of two or more.
        n = value.numel()
        std = value.std().item()
        assert abs(std / ref['std'] - 1) < 4 / math.sqrt(n), key
        assert abs(value.mean().item() - ref['mean']) < \
            5 * ref['std'] * math.sqrt(2 / n), key
        if key.endswith('.A'):
            continue  # Gaussian: extremes are too noisy to compare
        # PyTorch's default uniform init: the same bound is nearly reached.
        assert abs(value.max().item() / ref['max'] - 1) < 0.15, key
        assert abs(value.min().item() / ref['min'] - 1) < 0.15, key
    # The random graph: N(0.04, 0.02) in every block.
    graph = ours['gcn.0.gcn.A']
    assert abs(graph.mean().item() - 0.04) < 2e-3
    assert abs(graph.std().item() - 0.02) < 2e-3
