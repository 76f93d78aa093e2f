# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ONNX export of backbone + classifier, checked against PyTorch."""
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope
from tool_scripts import load_tool

_tool = load_tool('deployment/export_onnx.py')
SkeletonClassifier, build_classifier = (_tool.SkeletonClassifier,
                                        _tool.build_classifier)
export_onnx, export_shape = _tool.export_onnx, _tool.export_shape
verify_onnx, main = _tool.verify_onnx, _tool.main

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
    # The backbone returns (feature_map, graph); only the first is used.
    'ProtoGCN':
    dict(
        type='ProtoGCN',
        graph_cfg=dict(layout='coco'),
        base_channels=8,
        num_stages=2,
        inflate_stages=(2, ),
        down_stages=(2, ),
        num_person=2,
        num_prototype=6),
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
    if backbone['type'] == 'ProtoGCN':
        head = dict(
            type='ProtoGCNHead',
            num_classes=5,
            in_channels=channels,
            num_nodes=17,
            loss_proto=dict(
                type='ClassPrototypeContrastiveLoss', proj_channels=8))
    elif topology_head:
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
    # Nor what only feeds ProtoGCN's graph (the prototype loss's input).
    assert 'prn' not in inits and 'loss_proto' not in inits
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


def _shipped_configs():
    import glob
    import os.path as osp
    root = osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'configs')
    return sorted(
        p for p in glob.glob(osp.join(root, '**', '*.py'), recursive=True)
        if '_base_' not in osp.relpath(p, root).split(osp.sep)
        and osp.basename(p) != '__init__.py')


def _small(cfg):
    """The config's model, narrowed and shallowed (as in tests/configs)."""
    backbone = cfg.model.backbone
    if 'base_channels' in backbone or backbone.type in BACKBONES:
        backbone.update(base_channels=8, num_stages=2)
        cfg.model.cls_head.in_channels = 8
    elif 'hidden_channels' in backbone:
        backbone.hidden_channels = 8
        cfg.model.cls_head.in_channels = 8
    if cfg.model.cls_head.get('loss_intra'):
        cfg.model.cls_head.loss_intra.queue_size = 8
    backbone.pop('init_cfg', None)
    return cfg.model


def test_every_shipped_config_exports_and_verifies(tmp_path):
    """Every shipped config: persons, clip length, joints and channels come
    from its own test pipeline and backbone, the ONNX graph runs in ONNX
    Runtime and agrees with PyTorch. The backbone is narrowed for speed;
    configs with the same (narrowed) model and input shape, e.g. the
    streams of one benchmark, share one export."""
    from mmengine.config import Config

    groups = {}
    for path in _shipped_configs():
        cfg = Config.fromfile(path)
        if cfg.model.get('cls_head') is None:
            # Self-supervised pretraining: nothing to classify with.
            with pytest.raises(ValueError, match='no classification head'):
                export_shape(cfg)
            continue
        shape = export_shape(cfg)
        fmt = [
            t for t in cfg.test_dataloader.dataset.get(
                'pipeline', cfg.get('test_pipeline')) or []
            if getattr(t['type'], '__name__', t['type']) == 'FormatGCNInput'
        ]
        assert shape['num_person'] == fmt[0].get('num_person', 2), path
        assert shape['in_channels'] == cfg.model.backbone.get(
            'in_channels', 3), path
        model = _small(cfg)
        key = (repr(model.to_dict()), tuple(sorted(shape.items())))
        groups.setdefault(key, (model, shape, []))[2].append(path)
    assert len(groups) >= 10
    init_default_scope('mmaction')
    for k, (model_cfg, shape, paths) in enumerate(groups.values()):
        torch.manual_seed(0)
        classifier = build_classifier(MODELS.build(model_cfg))
        out = str(tmp_path / f'model_{k}.onnx')
        export_onnx(classifier, out, **shape)
        error = verify_onnx(classifier, out, shape)
        assert error < 1e-4, f'{paths}: max |onnx - torch| = {error}'


def test_export_tool_takes_shape_from_pipeline(tmp_path, capsys):
    """The entry config asks for 2 persons (FormatGCNInput), which the
    export used to miss (one person: a BatchNorm size error)."""
    import os.path as osp

    from mmengine.config import Config

    path = [p for p in _shipped_configs() if p.endswith('ntu60.py')][0]
    cfg = Config.fromfile(path)
    cfg.model.backbone.update(base_channels=8, num_stages=2)
    cfg.model.cls_head.in_channels = 8
    small = str(tmp_path / osp.basename(path))
    cfg.dump(small)
    main([small, '--output', str(tmp_path / 'm.onnx'), '--verify'])
    out = capsys.readouterr().out
    assert '(N, 2, 100, 25, 3)' in out
    error = float(out.split('max |onnx - torch| = ')[1].split()[0])
    assert error < 1e-4
