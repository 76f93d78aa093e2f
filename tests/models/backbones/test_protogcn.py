# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ProtoGCN backbone and head against loop re-statements of the reference's
formulas, and a bit-exact resume of the whole recognizer."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope

from aclnet_mm.models import ACLGCN, ProtoGCN, ProtoGCNHead

SMALL = dict(
    graph_cfg=dict(layout='nturgb+d'),
    base_channels=16,
    num_stages=3,
    inflate_stages=(3, ),
    down_stages=(3, ))


def build_backbone(faithful=True, seed=0, **kwargs):
    torch.manual_seed(seed)
    cfg = dict(SMALL, num_prototype=6, faithful=faithful)
    cfg.update(kwargs)
    return ProtoGCN(**cfg).double()


def reference_graph(model, x, train):
    """The reconstructed graph, sample by sample and joint pair by joint
    pair: person mean of the last topology; per pair, ``M softmax(Q g)``;
    1x1 conv; BN (batch statistics over samples and pairs in training,
    running ones otherwise); ReLU; mean over channels. The trunk is
    ACLGCN's, whose own tests re-state it."""
    n, m = x.shape[:2]
    h = model.normalize_input(x)
    for block in model.gcn[:-1]:
        h = block(h)
    _, topology = model.gcn[-1](h, return_topology=True)
    channels, v = topology.shape[1], topology.shape[-1]
    query = model.prn.query_matrix.weight
    memory = model.prn.memory_matrix.weight
    conv_w = model.post.weight[:, :, 0, 0]
    conv_b = model.post.bias
    convolved = []
    for i in range(n):
        graph = sum(topology[i * m + p] for p in range(m)) / m
        pairs = []
        for u in range(v):
            for w in range(v):
                scores = query @ graph[:, u, w]
                weights = torch.exp(scores) / torch.exp(scores).sum()
                pairs.append(memory @ weights)
        rec = torch.stack(pairs, dim=1)  # (C, V * V)
        convolved.append(conv_w @ rec + conv_b[:, None])
    bn = model.bn
    outputs = []
    for i in range(n):
        rows = []
        for c in range(channels):
            if train:
                values = torch.stack([convolved[j][c] for j in range(n)])
                mean = values.mean()
                var = ((values - mean)**2).mean()
            else:
                mean, var = bn.running_mean[c], bn.running_var[c]
            y = (convolved[i][c] - mean) / torch.sqrt(var + bn.eps)
            rows.append(torch.relu(y * bn.weight[c] + bn.bias[c]))
        outputs.append(sum(rows) / channels)
    return torch.stack(outputs)


@pytest.mark.parametrize('train', [False, True])
@pytest.mark.parametrize('faithful', [True, False])
def test_graph_matches_loop_reference(train, faithful):
    model = build_backbone(faithful, prn_dropout=0.)
    # Non-trivial topology, BN statistics and affine parameters.
    with torch.no_grad():
        for block in model.gcn:
            block.gcn.alpha.fill_(0.7)
            block.gcn.beta.fill_(0.4)
        model.bn.running_mean.uniform_(-0.1, 0.1)
        model.bn.running_var.uniform_(0.5, 2.)
        model.bn.weight.uniform_(0.5, 1.5)
        model.bn.bias.uniform_(-0.2, 0.2)
    model.train(train)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 2, 8, 25, 3, generator=gen, dtype=torch.float64)
    x[2, 1] = 0  # a zero-padded person, averaged in as in the reference
    weight = torch.randn(3, 625, generator=gen, dtype=torch.float64)

    feats, graph = model(x)
    assert feats.shape == (3, 2, 32, 4, 25) and graph.shape == (3, 625)
    params = [
        model.prn.query_matrix.weight, model.prn.memory_matrix.weight,
        model.post.weight, model.bn.weight, model.gcn[-1].gcn.alpha
    ]
    grads = torch.autograd.grad((graph * weight).sum(), params)
    expected = reference_graph(model, x, train)
    expected_grads = torch.autograd.grad((expected * weight).sum(), params)
    close = dict(rtol=0, atol=1e-6)
    torch.testing.assert_close(graph, expected, **close)
    for got, want in zip(grads, expected_grads):
        torch.testing.assert_close(got, want, **close)


def test_trunk_is_aclgcn_and_eval_dropout_is_off():
    model = build_backbone(num_prototype=5).eval()
    trunk = ACLGCN(**SMALL).double().eval()
    missing, unexpected = trunk.load_state_dict(
        model.state_dict(), strict=False)
    assert not missing
    assert sorted({k.split('.')[0]
                   for k in unexpected}) == ['bn', 'post', 'prn']
    x = torch.randn(2, 2, 8, 25, 3, dtype=torch.float64)
    feats, graph = model(x)
    assert torch.equal(feats, trunk(x))
    assert torch.equal(graph, model(x)[1])


def test_widths_rule_and_registry():
    # 8 subsets x int(0.3 * 32) = 72 topology channels for 32 features.
    with pytest.raises(ValueError, match='faithful=False'):
        ProtoGCN(**SMALL, gcn_ratio=0.3)
    model = ProtoGCN(**SMALL, gcn_ratio=0.3, faithful=False)
    assert model.prn.query_matrix.in_features == 72
    _, graph = model.eval()(torch.randn(1, 1, 8, 25, 3))
    assert graph.shape == (1, 625)
    with pytest.raises(TypeError, match='with_topology'):
        ProtoGCN(**SMALL, with_topology=True)
    built = MODELS.build(dict(type='ProtoGCN', **SMALL, num_prototype=400))
    assert built.prn.memory_matrix.weight.shape == (32, 400)


def _samples(labels):
    return [ActionDataSample().set_gt_label(int(y)) for y in labels]


@pytest.mark.parametrize('faithful', [True, False])
def test_head_loss_is_ce_plus_weighted_proto(faithful):
    torch.manual_seed(0)
    head = ProtoGCNHead(4, 32, faithful=faithful).double()
    head.init_weights()
    assert head.loss_proto.faithful is faithful
    feats = torch.randn(6, 2, 32, 4, 25, dtype=torch.float64)
    graph = torch.randn(6, 625, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2, 3, 1, 2])
    proto = copy.deepcopy(head.loss_proto)
    losses = head.loss((feats, graph), _samples(labels))
    scores = head.fc(feats.mean(dim=(3, 4)).mean(1))
    # loss_cls comes from float32 scores (the head casts for the top-k).
    torch.testing.assert_close(
        losses['loss_cls'].double(),
        F.cross_entropy(scores, labels),
        rtol=0,
        atol=1e-6)
    torch.testing.assert_close(losses['loss_proto'],
                               0.2 * proto(graph, labels, scores))
    torch.testing.assert_close(head.loss_proto.prototypes, proto.prototypes)
    assert torch.equal(head((feats, graph)), head(feats))
    with pytest.raises(ValueError, match='in_channels'):
        ProtoGCNHead(
            4,
            32,
            loss_proto=dict(
                type='ClassPrototypeContrastiveLoss', in_channels=400))
    with pytest.raises(ValueError, match='num_nodes'):
        head.loss((feats, graph[:, :400]), _samples(labels))


def build_recognizer(faithful, seed):
    init_default_scope('mmaction')
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(
            type='RecognizerGCN',
            backbone=dict(
                type='ProtoGCN', **SMALL, num_prototype=6, faithful=faithful),
            cls_head=dict(
                type='ProtoGCNHead',
                num_classes=4,
                in_channels=32,
                faithful=faithful,
                loss_proto=dict(
                    type='ClassPrototypeContrastiveLoss', proj_channels=8))))
    model.init_weights()
    return model, torch.optim.SGD(
        model.parameters(), lr=0.1, momentum=0.9, nesterov=True)


def _train(model, optimizer, batches):
    losses = []
    for inputs, labels in batches:
        parts = model(inputs, _samples(labels), mode='loss')
        loss = sum(v for k, v in parts.items() if 'loss' in k)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return losses


@pytest.mark.parametrize('faithful', [True, False])
def test_resume_is_bit_exact(faithful):
    gen = torch.Generator().manual_seed(5)
    batches = [(torch.randn(4, 1, 2, 8, 25, 3, generator=gen),
                torch.randint(4, (4, ), generator=gen)) for _ in range(5)]
    model, optimizer = build_recognizer(faithful, seed=0)
    _train(model, optimizer, batches[:2])
    state = copy.deepcopy(model.state_dict())
    optim_state = copy.deepcopy(optimizer.state_dict())
    rng = torch.get_rng_state()
    assert 'cls_head.loss_proto.prototypes' in state
    continued = _train(model, optimizer, batches[2:])

    resumed, resumed_optim = build_recognizer(faithful, seed=1)
    resumed.load_state_dict(state)
    resumed_optim.load_state_dict(optim_state)
    torch.set_rng_state(rng)
    again = _train(resumed, resumed_optim, batches[2:])
    assert all(torch.equal(a, b) for a, b in zip(continued, again))
    for name, value in model.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[name]), name

    # The reference keeps the memory outside the state dict: a resumed run
    # restarts it (fresh noise) and its losses differ.
    lost, lost_optim = build_recognizer(faithful, seed=1)
    fresh = lost.cls_head.loss_proto.prototypes.clone()
    lost.load_state_dict(
        {
            k: v
            for k, v in state.items() if not k.endswith('prototypes')
        },
        strict=False)
    lost.cls_head.loss_proto.prototypes.copy_(fresh)
    lost_optim.load_state_dict(optim_state)
    torch.set_rng_state(rng)
    assert not torch.equal(
        _train(lost, lost_optim, batches[2:])[0], continued[0])


def test_default_widths_have_the_reference_shapes():
    # The authors' ProtoGCN at their configs' settings: ACLGCN's keys plus
    # post / bn (384 channels) and the reconstruction's two matrices; the
    # head's classifier and the loss projection (625 -> 256).
    model = ProtoGCN(graph_cfg=dict(layout='nturgb+d'), num_prototype=400)
    trunk = ACLGCN(graph_cfg=dict(layout='nturgb+d'))
    extra = {
        k: tuple(v.shape)
        for k, v in model.state_dict().items() if k not in trunk.state_dict()
    }
    assert extra == {
        'post.weight': (384, 384, 1, 1),
        'post.bias': (384, ),
        'bn.weight': (384, ),
        'bn.bias': (384, ),
        'bn.running_mean': (384, ),
        'bn.running_var': (384, ),
        'bn.num_batches_tracked': (),
        'prn.query_matrix.weight': (400, 384),
        'prn.memory_matrix.weight': (384, 400),
    }
    head = ProtoGCNHead(60, 384)
    shapes = {k: tuple(v.shape) for k, v in head.state_dict().items()}
    assert shapes == {
        'fc.weight': (60, 384),
        'fc.bias': (60, ),
        'loss_proto.prototypes': (256, 60),
        'loss_proto.observed': (60, ),
        'loss_proto.cl_fc.weight': (256, 625),
        'loss_proto.cl_fc.bias': (256, ),
    }
