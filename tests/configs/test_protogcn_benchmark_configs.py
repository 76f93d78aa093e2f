# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The 36 ProtoGCN benchmark configs state the authors' recipe.

The expected values are written here from the authors' configs (one per
benchmark and stream in their repository), as an independent statement:
per stream the number of prototypes and the loss weight, per benchmark and
stream the training augmentations, and the data, model and schedule every
config shares. Each stream config differs from its benchmark's joint
config only in what the stream decides.
"""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PROTOGCN = osp.join(REPO, 'aclnet_mm', 'configs', 'protogcn')

# Config name part -> the authors' stream name (their ``modality``).
STREAMS = dict(
    joint='j',
    bone='b',
    kbone='k',
    joint_motion='jm',
    bone_motion='bm',
    kbone_motion='km')
# The authors' backbone ``num_prototype`` and head ``weight`` per stream.
AUTHORS_PROTO = dict(
    j=(400, 0.2),
    b=(100, 0.3),
    k=(100, 0.1),
    jm=(400, 0.2),
    bm=(100, 0.3),
    km=(100, 0.1))

# The authors' training augmentations, in their names: RandomRot(theta=0.2),
# Spatial_Flip(dataset='nturgb+d', p=0.5), Part_Drop() (p=0.2) on NTU;
# Flip(flip_ratio=0.5, COCO left/right keypoints) before Kinetics_Transform
# on the 2D data sets.
ROT, SFLIP, PDROP, FLIP = 'RandomRot', 'Spatial_Flip', 'Part_Drop', 'Flip'
AUTHORS_AUGMENTS = {
    'ntu60_xsub':
    dict(
        j=[ROT],
        b=[ROT, SFLIP],
        k=[ROT, SFLIP],
        jm=[ROT],
        bm=[ROT, SFLIP],
        km=[ROT, SFLIP]),
    'ntu60_xview':
    dict(
        j=[ROT], b=[ROT], k=[ROT, PDROP], jm=[ROT], bm=[ROT], km=[ROT, PDROP]),
    'ntu120_xsub':
    dict(
        j=[ROT, SFLIP],
        b=[ROT, SFLIP],
        k=[ROT, PDROP],
        jm=[ROT, SFLIP],
        bm=[ROT, SFLIP],
        km=[ROT, PDROP]),
    'ntu120_xset':
    dict(
        j=[ROT],
        b=[ROT, SFLIP],
        k=[ROT, SFLIP],
        jm=[ROT],
        bm=[ROT, SFLIP],
        km=[ROT, SFLIP]),
    'k400': {
        s: [FLIP]
        for s in AUTHORS_PROTO
    },
    'finegym': {
        s: [FLIP]
        for s in AUTHORS_PROTO
    },
}
# Ours, with the arguments that make them the authors' transform.
OURS = {
    ROT: ('RandomSkeletonRotate', dict(theta=0.2)),
    SFLIP: ('SkeletonFlip', dict(layout='nturgb+d', flip_ratio=0.5)),
    PDROP: ('SkeletonPartDrop', dict(layout='nturgb+d', drop_ratio=0.2)),
    FLIP:
    ('SkeletonFlip', dict(layout='coco', flip_ratio=0.5, reflect='image')),
}
# Per benchmark: classes, layout, joints, videos per GPU, lr, test split.
AUTHORS_DATA = {
    'ntu60_xsub': (60, 'nturgb+d', 25, 16, 0.025, 'xsub_val'),
    'ntu60_xview': (60, 'nturgb+d', 25, 16, 0.025, 'xview_val'),
    'ntu120_xsub': (120, 'nturgb+d', 25, 16, 0.025, 'xsub_val'),
    'ntu120_xset': (120, 'nturgb+d', 25, 16, 0.025, 'xset_val'),
    'k400': (400, 'coco_new', 20, 64, 0.1, 'val'),
    'finegym': (99, 'coco_new', 20, 16, 0.025, 'val'),
}

CONFIGS = sorted(
    osp.basename(p) for p in glob.glob(osp.join(PROTOGCN, 'protogcn_*.py'))
    if 'embedded' not in p)


def _parse(name):
    """(benchmark, stream) of a config name."""
    benchmark = next(b for b in AUTHORS_DATA if f'_150e_{b}_keypoint' in name)
    part = name.split('_', 2)[2].split('_u100_')[0]
    return benchmark, STREAMS[part]


def _tname(kind):
    return kind if isinstance(kind, str) else kind.__name__


def test_every_benchmark_and_stream_has_one_config():
    found = sorted(_parse(name) for name in CONFIGS)
    assert found == sorted((b, s) for b in AUTHORS_DATA for s in AUTHORS_PROTO)


@pytest.mark.parametrize('name', CONFIGS)
def test_authors_recipe(name):
    benchmark, stream = _parse(name)
    classes, layout, joints, batch, lr, test_split = AUTHORS_DATA[benchmark]
    cfg = Config.fromfile(osp.join(PROTOGCN, name))
    assert cfg.stream == stream

    backbone, head = cfg.model.backbone, cfg.model.cls_head
    assert (backbone.num_prototype,
            head.loss_proto_weight) == AUTHORS_PROTO[stream]
    # The authors' model at its defaults, on this data set.
    assert _tname(backbone.type) == 'ProtoGCN'
    assert (backbone.in_channels, backbone.graph_cfg.layout) == (3, layout)
    assert (backbone.base_channels, backbone.num_stages, backbone.num_subsets,
            backbone.gcn_ratio, backbone.prn_dropout) == (96, 10, 8, 0.125,
                                                          0.1)
    assert backbone.faithful and head.faithful
    assert (_tname(head.type), head.num_classes, head.in_channels,
            head.num_nodes) == ('ProtoGCNHead', classes, 384, joints)
    loss = head.loss_proto
    assert (_tname(loss.type), loss.proj_channels, loss.temperature,
            loss.momentum,
            loss.pred_threshold) == ('ClassPrototypeContrastiveLoss', 256,
                                     0.125, 0.9, 0.)

    # Training augmentations, in order, with the authors' arguments.
    train = cfg.train_dataloader.dataset.pipeline
    augments = [(_tname(t['type']), {
        k: v
        for k, v in t.items() if k != 'type'
    }) for t in train
                if _tname(t['type']) in ('RandomSkeletonRotate',
                                         'SkeletonFlip', 'SkeletonPartDrop')]
    assert augments == [
        OURS[kind] for kind in AUTHORS_AUGMENTS[benchmark][stream]
    ]

    # Data, clips and schedule.
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        assert (dataset.num_classes, dataset.layout) == (classes, layout)
        # The stream at train, val and test time.
        feats = [
            tuple(t['feats']) for t in dataset.pipeline
            if _tname(t['type']) == 'GenSkeletonStreams'
        ]
        assert feats == [(stream, )], loader
    assert cfg.test_dataloader.dataset.split == test_split
    assert cfg.train_dataloader.batch_size == batch
    clips = [
        next(t for t in cfg[loader].dataset.pipeline
             if _tname(t['type']) == 'UniformSampleFrames')
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    assert [c.clip_len for c in clips] == [100] * 3
    assert [c.get('num_clips', 1) for c in clips] == [1, 1, 10]
    optimizer = cfg.optim_wrapper.optimizer
    assert (_tname(optimizer.type), optimizer.lr, optimizer.momentum,
            optimizer.weight_decay, optimizer.nesterov) == ('SGD', lr, 0.9,
                                                            5e-4, True)
    assert 'clip_grad' not in cfg.optim_wrapper  # grad_clip=None
    assert cfg.auto_scale_lr.base_batch_size == batch
    assert cfg.train_cfg.max_epochs == 150
    (cosine, ) = cfg.param_scheduler
    assert (_tname(cosine.type), cosine.eta_min,
            cosine.convert_to_iter_based) == ('CosineAnnealingLR', 0, True)
    assert cfg.custom_hooks == []  # no superclass statistics to refresh


@pytest.mark.parametrize('name', [n for n in CONFIGS if _parse(n)[1] != 'j'])
def test_streams_differ_from_joint_only_in_the_stream(name):
    benchmark, stream = _parse(name)
    joint = next(n for n in CONFIGS if _parse(n) == (benchmark, 'j'))
    ours = Config.fromfile(osp.join(PROTOGCN, name)).to_dict()
    base = Config.fromfile(osp.join(PROTOGCN, joint)).to_dict()
    # What the stream decides: its name, its pipelines (the feature and
    # the augmentations) and its two ProtoGCN values.
    for key in ('stream', 'gen', 'train_pipeline', 'val_pipeline',
                'test_pipeline'):
        ours.pop(key), base.pop(key)
    for cfg in (ours, base):
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            cfg[loader]['dataset'].pop('pipeline')
        cfg['model']['backbone'].pop('num_prototype')
        cfg['model']['cls_head'].pop('loss_proto_weight')
    assert ours == base
