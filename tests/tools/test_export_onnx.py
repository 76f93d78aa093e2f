# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ONNX export of backbone + classifier, checked against PyTorch."""
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope

from aclnet_mm.tools.export_onnx import (SkeletonClassifier, build_classifier,
                                         export_onnx)

onnx = pytest.importorskip('onnx')
ort = pytest.importorskip('onnxruntime')

BACKBONES = {
    'ACLGCN':
    dict(
        type='ACLGCN',
        graph_cfg=dict(layout='coco'),
        base_channels=8,
        num_stages=2,
        inflate_stages=(2, ),
        down_stages=(2, ),
        num_person=2,
        with_topology=True),
    'CTRGCN':
    dict(
        type='CTRGCN',
        graph_cfg=dict(layout='coco', mode='spatial'),
        base_channels=8,
        num_stages=3,
        inflate_stages=(2, ),
        down_stages=(2, ),
        num_person=2),
    'STGCN':
    dict(
        type='STGCN',
        graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
        base_channels=8,
        num_stages=3,
        inflate_stages=(2, ),
        down_stages=(2, ),
        num_person=2),
}


def _recognizer(backbone: dict, topology_head: bool) -> torch.nn.Module:
    channels = 16
    if topology_head:
        head = dict(
            type='ACLNetHead',
            num_classes=5,
            in_channels=channels,
            feature_source='topology',
            num_nodes=17,
            loss_inter=dict(
                type='AffinityContrastiveLoss',
                num_classes=5,
                in_channels=17 * 17,
                proj_channels=8,
                num_neighbors=2,
                overlap_thr=1,
                size_thresholds=(1, 2)),
            loss_intra=dict(
                type='MarginContrastiveLoss',
                in_channels=17 * 17,
                proj_channels=8,
                queue_size=8))
    else:
        head = dict(type='GCNHead', num_classes=5, in_channels=channels)
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='RecognizerGCN', backbone=backbone, cls_head=head))
    model.init_weights()
    # Non-trivial BN statistics, so that folding them is checked too.
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model.extract_feat(torch.randn(3, 1, 2, 12, 17, 3))
    return model.eval()


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_export_matches_pytorch(tmp_path, name):
    model = _recognizer(BACKBONES[name], topology_head=name == 'ACLGCN')
    classifier = build_classifier(model, softmax=False)
    assert isinstance(classifier, SkeletonClassifier)
    path = export_onnx(
        classifier,
        str(tmp_path / f'{name}.onnx'),
        num_person=2,
        num_frames=12,
        num_joints=17,
        in_channels=3)
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    # Training-only parts are not in the graph: a single output, no
    # prototype / queue initialisers.
    assert [o.name for o in graph.graph.output] == ['scores']
    inits = ' '.join(i.name for i in graph.graph.initializer)
    assert 'loss_inter' not in inits and 'queue' not in inits
    dims = graph.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == 'batch' and dims[2].dim_param == 'time'

    sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    # Other batch sizes and clip lengths than the export's example input.
    for n, t in ((1, 12), (3, 20)):
        x = torch.randn(
            n, 2, t, 17, 3, generator=torch.Generator().manual_seed(n))
        with torch.no_grad():
            ref = classifier(x).numpy()
        got = sess.run(None, {'keypoint': x.numpy()})[0]
        assert got.shape == (n, 5)
        np.testing.assert_allclose(got, ref, atol=1e-4, rtol=1e-4)


def test_classifier_matches_recognizer_predict():
    """The wrapper computes what RecognizerGCN.test_step scores."""
    model = _recognizer(BACKBONES['CTRGCN'], topology_head=False)
    classifier = build_classifier(model, softmax=True)
    x = torch.randn(2, 2, 12, 17, 3)
    with torch.no_grad():
        probs = classifier(x)
        samples = model.test_step(
            dict(
                inputs=list(x[:, None]),
                data_samples=[ActionDataSample() for _ in range(2)]))
    expected = torch.stack([s.pred_score for s in samples])
    torch.testing.assert_close(probs, expected, atol=1e-5, rtol=1e-5)
