# Copyright (c) aclnet-mm contributors. All rights reserved.
import copy

import pytest
import torch
import torch.nn.functional as F
from mmaction.models.heads import GCNHead
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

import aclnet_mm  # noqa: F401
from aclnet_mm.models.heads import ACLNetHead
from aclnet_mm.models.utils.pooling import pool_embedding

NUM_CLASSES = 12
V = 17  # coco layout
LOSS_KEYS = {'loss_cls', 'loss_inter', 'loss_intra'}
LOG_KEYS = {
    'top1_acc', 'top5_acc', 'tau_mean', 'superclass_size_min',
    'superclass_size_mean', 'superclass_size_max', 'queue_fill'
}


def _head(**kwargs):
    cfg = dict(
        type='ACLNetHead',
        num_classes=NUM_CLASSES,
        in_channels=8,
        feature_source='embedding',
        loss_inter=dict(
            type='AffinityContrastiveLoss', num_neighbors=3, proj_channels=4),
        loss_intra=dict(
            type='MarginContrastiveLoss', proj_channels=4, queue_size=8))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _samples(labels):
    return [ActionDataSample().set_gt_label(int(y)) for y in labels]


def _activate_inter(head):
    """Switch the inter-class loss on with a non-trivial superclass."""
    head.loss_inter.set_phase(True, True)
    mask = torch.zeros(NUM_CLASSES, NUM_CLASSES, dtype=torch.bool)
    mask[:, :4] = True
    mask[4:, 4:8] = True
    head.loss_inter.superclass_mask.copy_(mask)
    head.loss_inter.set_class_temperatures(
        torch.linspace(0.1, 1.2, NUM_CLASSES))


def test_build_and_inferred_channels():
    head = _head()
    assert isinstance(head, ACLNetHead) and isinstance(head, GCNHead)
    assert head.loss_inter.num_classes == NUM_CLASSES
    assert head.loss_inter.proj.in_features == 8
    assert head.loss_intra.proj.in_features == 8
    head = _head(feature_source='topology')
    assert head.loss_intra.proj.in_features == 25 * 25  # default NTU
    head = _head(feature_source='topology', num_nodes=V)
    assert head.loss_inter.proj.in_features == V * V
    assert head.loss_intra.proj.in_features == V * V
    head = _head(loss_intra=dict(type='MarginContrastiveLoss', in_channels=5))
    assert head.loss_intra.proj.in_features == 5
    head = _head(loss_inter=None, loss_intra=None)
    assert head.loss_inter is None and head.loss_intra is None
    with pytest.raises(ValueError, match='feature_source'):
        _head(feature_source='pooled')


def test_init_leaves_projections_alone():
    head = _head()
    proj = copy.deepcopy(head.loss_intra.proj.state_dict())
    head.init_weights()
    torch.testing.assert_close(head.loss_intra.proj.state_dict(), proj)
    assert head.fc.bias.abs().max() == 0
    assert 0.005 < head.fc.weight.std() < 0.02


def test_loss_keys_and_weights():
    torch.manual_seed(0)
    head = _head(loss_inter_weight=0.3, loss_intra_weight=0.7)
    _activate_inter(head)
    x = torch.randn(6, 2, 8, 5, V)
    labels = torch.tensor([0, 1, 4, 4, 5, 0])
    inter = copy.deepcopy(head.loss_inter)
    intra = copy.deepcopy(head.loss_intra)
    # Fill the queue once so that the intra loss is active.
    intra(pool_embedding(torch.randn(6, 2, 8, 5, V)), labels)
    head.loss_intra.load_state_dict(intra.state_dict())

    losses = head.loss(x, _samples(labels))
    assert set(losses) == LOSS_KEYS | LOG_KEYS
    assert all(v.dim() == 0 for v in losses.values())
    assert all('loss' not in k for k in LOG_KEYS)

    scores = head(x)
    embedding = pool_embedding(x)
    torch.testing.assert_close(losses['loss_cls'],
                               F.cross_entropy(scores, labels))
    expected_inter = inter(embedding, labels, scores.detach())
    expected_intra = intra(embedding, labels)
    assert expected_inter.item() > 0 and expected_intra.item() != 0
    torch.testing.assert_close(losses['loss_inter'], 0.3 * expected_inter)
    torch.testing.assert_close(losses['loss_intra'], 0.7 * expected_intra)

    # Classes present: 0, 1, 4, 5.
    tau = head.loss_inter.class_tau
    torch.testing.assert_close(losses['tau_mean'], tau[[0, 1, 4, 5]].mean())
    sizes = head.loss_inter.superclass_mask.sum(1).float()
    assert losses['superclass_size_min'].item() == sizes.min().item() == 4
    assert losses['superclass_size_max'].item() == sizes.max().item() == 8
    torch.testing.assert_close(losses['superclass_size_mean'], sizes.mean())
    # 6 + 6 entries pushed into 8 slots.
    assert losses['queue_fill'].item() == 1.0


def test_disabled_losses():
    head = _head(loss_inter=None, loss_intra=None)
    losses = head.loss(torch.randn(2, 2, 8, 5, V), _samples([0, 1]))
    assert set(losses) == {'loss_cls', 'top1_acc', 'top5_acc'}


def test_predictions_equal_gcn_head():
    torch.manual_seed(0)
    gcn_head = GCNHead(NUM_CLASSES, 8)
    gcn_head.init_weights()
    head = _head()
    missing, unexpected = head.load_state_dict(
        gcn_head.state_dict(), strict=False)
    assert not unexpected
    assert all(k.startswith(('loss_inter.', 'loss_intra.')) for k in missing)
    buffers = copy.deepcopy(dict(head.named_buffers()))

    x = torch.randn(6, 2, 8, 5, V)
    topology = torch.randn(6, V * V)
    torch.testing.assert_close(head(x), gcn_head(x), rtol=0, atol=0)
    torch.testing.assert_close(
        head((x, topology)), gcn_head(x), rtol=0, atol=0)
    # num_clips = 3: RecognizerGCN folds the clips of 2 samples into 6.
    for average_clips in ('prob', 'score', None):
        head.average_clips = gcn_head.average_clips = average_clips
        ours = head.predict((x, topology), _samples([0, 1]))
        theirs = gcn_head.predict(x, _samples([0, 1]))
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a.pred_score, b.pred_score)
            assert torch.equal(a.pred_label, b.pred_label)
    # Prediction never touches the losses' state.
    for name, buffer in head.named_buffers():
        torch.testing.assert_close(buffer, buffers[name], rtol=0, atol=0)

    # An exported model computes the scores without reading the losses.
    exported = torch.export.export(head.eval(), (x, ))
    torch.testing.assert_close(exported.module()(x), gcn_head(x))
    users = {node.name: len(node.users) for node in exported.graph.nodes}
    loss_inputs = [
        spec.arg.name for spec in exported.graph_signature.input_specs
        if spec.target and spec.target.startswith('loss_')
    ]
    assert loss_inputs and all(users[name] == 0 for name in loss_inputs)


@pytest.fixture(autouse=True)
def mmaction_scope():
    # The recognizer builds its data preprocessor by name in this scope.
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield


def _recognizer_cfg(backbone, **head_kwargs):
    cls_head = dict(
        type='ACLNetHead',
        num_classes=NUM_CLASSES,
        in_channels=8,
        loss_inter=dict(
            type='AffinityContrastiveLoss', num_neighbors=3, proj_channels=4),
        loss_intra=dict(
            type='MarginContrastiveLoss', proj_channels=4, queue_size=8))
    cls_head.update(head_kwargs)
    return dict(type='RecognizerGCN', backbone=backbone, cls_head=cls_head)


def test_recognizer_stgcn_embedding_train_and_test_step():
    torch.manual_seed(0)
    recognizer = MODELS.build(
        _recognizer_cfg(
            dict(
                type='STGCN',
                graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
                base_channels=8,
                num_stages=2,
                inflate_stages=[],
                down_stages=[]),
            feature_source='embedding'))
    head = recognizer.cls_head
    _activate_inter(head)
    optim_wrapper = OptimWrapper(
        torch.optim.SGD(recognizer.parameters(), lr=0.1))

    labels = [0, 1, 4, 5]
    intra_weights = [head.loss_intra.proj.weight.clone()]
    inter_weights = [head.loss_inter.proj.weight.clone()]
    for step in range(3):
        data_batch = dict(
            inputs=[torch.randn(1, 2, 6, V, 3) for _ in labels],
            data_samples=_samples(labels))
        log_vars = recognizer.train_step(data_batch, optim_wrapper)
        assert set(log_vars) == {'loss'} | LOSS_KEYS | LOG_KEYS
        total = sum(log_vars[k] for k in LOSS_KEYS)
        torch.testing.assert_close(log_vars['loss'], total)
        assert log_vars['queue_fill'].item() == min((step + 1) * 4 / 8, 1)
        intra_weights.append(head.loss_intra.proj.weight.clone())
        inter_weights.append(head.loss_inter.proj.weight.clone())
    # Step 0: queue not full (0 < 8 - 4), no gradient to the projection.
    assert log_vars['loss_intra'].item() != 0
    torch.testing.assert_close(intra_weights[1], intra_weights[0])
    assert not torch.equal(intra_weights[2], intra_weights[1])
    assert not torch.equal(inter_weights[1], inter_weights[0])

    # test_step with 3 clips per sample; the losses' state is untouched.
    queue = head.loss_intra.queue_feats.clone()
    confusion = head.loss_inter.confusion.clone()
    data_batch = dict(
        inputs=[torch.randn(3, 2, 6, V, 3) for _ in range(2)],
        data_samples=_samples([0, 1]))
    with torch.no_grad():
        predictions = recognizer.test_step(data_batch)
    assert len(predictions) == 2
    for prediction in predictions:
        score = prediction.pred_score
        assert score.shape == (NUM_CLASSES, )
        torch.testing.assert_close(score.sum(), torch.tensor(1.))
    assert torch.equal(head.loss_intra.queue_feats, queue)
    assert torch.equal(head.loss_inter.confusion, confusion)


def test_topology_needs_tuple():
    head = _head(feature_source='topology', num_nodes=V)
    with pytest.raises(ValueError, match='with_topology=True'):
        head.loss(torch.randn(2, 2, 8, 5, V), _samples([0, 1]))


def test_topology_size_must_match_num_nodes():
    head = _head(feature_source='topology', num_nodes=V)
    feature_map = torch.randn(2, 2, 8, 5, V + 1)
    topology = torch.randn(2, (V + 1)**2)
    with pytest.raises(ValueError, match=f'num_nodes={V}'):
        head.loss((feature_map, topology), _samples([0, 1]))


def test_topology_gradients_reach_projections_and_backbone():
    torch.manual_seed(0)
    recognizer = MODELS.build(
        _recognizer_cfg(
            dict(
                type='ACLGCN',
                graph_cfg=dict(layout='coco', mode='random'),
                base_channels=8,
                num_stages=2,
                inflate_stages=(),
                down_stages=(),
                num_subsets=2,
                with_topology=True),
            feature_source='topology',
            num_nodes=V,
            loss_intra=dict(
                type='MarginContrastiveLoss', proj_channels=4, queue_size=4)))
    head = recognizer.cls_head
    _activate_inter(head)
    # The dynamic topology is exactly zero at initialisation (alpha = beta
    # = 0, as in the reference); move away from it.
    for name, param in recognizer.backbone.named_parameters():
        if name.endswith(('alpha', 'beta')):
            param.data.fill_(0.5)

    feats = recognizer.backbone(torch.randn(4, 2, 6, V, 3))
    assert isinstance(feats, tuple) and feats[1].shape == (4, V * V)
    losses = head.loss(feats, _samples([0, 0, 4, 5]))
    assert losses['loss_intra'].item() != 0
    assert losses['loss_inter'].item() != 0
    (losses['loss_inter'] + losses['loss_intra']).backward()
    for proj in (head.loss_inter.proj, head.loss_intra.proj):
        assert proj.weight.grad.abs().sum() > 0
    assert head.fc.weight.grad is None  # only through loss_cls
    alphas = [
        p.grad for n, p in recognizer.backbone.named_parameters()
        if n.endswith('alpha')
    ]
    assert alphas[-1].abs().sum() > 0


def test_soft_labels_rejected():
    head = _head()
    samples = [
        ActionDataSample().set_gt_label(torch.full((NUM_CLASSES, ), 1 / 12))
    ]
    with pytest.raises(ValueError, match='one class index'):
        head.loss(torch.randn(1, 2, 8, 5, V), samples)


def test_embedding_contrastive_losses_alone_reach_backbone():
    # Embedding mode: the contrastive losses alone (no loss_cls) must send
    # gradient through the pooled embedding into the backbone.
    torch.manual_seed(0)
    recognizer = MODELS.build(
        _recognizer_cfg(
            dict(
                type='STGCN',
                graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
                base_channels=8,
                num_stages=2,
                inflate_stages=[],
                down_stages=[]),
            feature_source='embedding',
            loss_intra=dict(
                type='MarginContrastiveLoss', proj_channels=4, queue_size=4)))
    head = recognizer.cls_head
    _activate_inter(head)
    samples = _samples([0, 0, 4, 5])
    # A first batch fills the intra-class queue.
    head.loss(recognizer.backbone(torch.randn(4, 2, 6, V, 3)), samples)
    feats = recognizer.backbone(torch.randn(4, 2, 6, V, 3))
    losses = head.loss(feats, samples)
    for name in ('loss_inter', 'loss_intra'):
        assert losses[name].item() != 0, name
        recognizer.zero_grad()
        losses[name].backward(retain_graph=True)
        grads = [
            p.grad for p in recognizer.backbone.parameters()
            if p.grad is not None
        ]
        assert grads and sum(g.abs().sum() for g in grads) > 0, name
        assert head.fc.weight.grad is None, name
