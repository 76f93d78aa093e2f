# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Every config under ``configs/`` loads, builds, and its pieces fit.

For each config: the model, the hooks and the train / val / test pipelines
are built; the pipelines run on synthetic samples in the layout, dimension
and format the config's data set has (``make_synthetic_skeleton_dataset``);
the train batch must have the shape the model expects (clip length, joints
of the model's layout, channels = ``in_channels``) and goes through the
real ``data_preprocessor`` and ``model(..., mode='loss')`` in train mode;
the test sample (all its clips) goes through ``mode='predict'``.

To stay fast, GCN backbones are checked at full size only for their output
width (against the head's ``in_channels``, from the constructor's stage
arithmetic), then built narrow and shallow (``SHRINK``). Clip lengths,
layouts, joint counts, input channels, class counts and queue sizes are the
config's own.
"""
import glob
import inspect
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import HOOKS, MODELS
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope
from tool_scripts import load_tool

from aclnet_mm.engine.hooks import auto_settings
from aclnet_mm.models import AffinityContrastiveLoss
from aclnet_mm.structures import get_layout

make_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').make_synthetic_skeleton_dataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO, 'aclnet_mm', 'configs')
# The paper protocol's example differs from its benchmark config only in
# datasets and sampler: test_paper_protocol_configs.py checks them.
CONFIGS = sorted(
    path
    for path in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
    if not {'_base_', 'paper_protocol'}
    & set(osp.relpath(path, CONFIG_ROOT).split(osp.sep))
    and not path.endswith('__init__.py'))
SHRINK = dict(base_channels=16, num_stages=2)
SYNTHETIC_FRAMES = 30  # shorter than most clips: samplers must loop them


def _tname(kind):
    """A config's type, a class (these configs) or a registered name."""
    return kind if isinstance(kind, str) else kind.__name__


def _config_id(path):
    return osp.relpath(path, CONFIG_ROOT)


def _dataset(cfg_dataset):
    """The innermost dataset dict of a (wrapped / concatenated) dataset."""
    while 'pipeline' not in cfg_dataset:
        if 'dataset' in cfg_dataset:
            cfg_dataset = cfg_dataset['dataset']
        else:
            cfg_dataset = cfg_dataset['datasets'][-1]
    return cfg_dataset


def _find(pipeline, type_name, nested=True):
    """The first transform of a type, also inside wrapper transforms."""
    for transform in pipeline:
        if _tname(transform['type']) == type_name:
            return transform
        inner = transform.get('transforms')
        if inner and nested:
            found = _find(inner, type_name)
            if found is not None:
                return found
    return None


def _data_format(cfg, path):
    """(layout of the stored skeletons, coordinate dim, compressed?)"""
    dataset = _dataset(cfg.train_dataloader.dataset)
    pipeline = dataset['pipeline']
    ann_file = osp.basename(dataset['ann_file'])
    name = osp.basename(path)
    if name.endswith('_keypoint_3d.py') or '_3d' in ann_file:
        dim = 3
    elif name.endswith('_keypoint_2d.py') or '_2d' in ann_file:
        dim = 2
    else:
        raise AssertionError(f'{name}: 2D or 3D? neither the name nor '
                             f'{ann_file} says')
    if _find(pipeline, 'CocoToCocoNew') is not None:
        layout = 'coco'  # the 17 HRNet joints the transform extends
    elif _find(pipeline, 'GenSkeletonStreams') is not None:
        layout = _find(pipeline, 'GenSkeletonStreams')['layout']
    elif _find(pipeline, 'GenSkeFeat') is not None:
        layout = _find(pipeline, 'GenSkeFeat')['dataset']
    elif 'graph_cfg' in cfg.model.backbone:
        layout = cfg.model.backbone.graph_cfg.layout
    elif 'body25' in ann_file:
        layout = 'openpose_body25'
    else:
        layout = 'nturgb+d'
    compressed = _find(pipeline, 'DecompressPose') is not None
    return layout, dim, compressed


def _compress(sample):
    """PYSKL's Kinetics format: one (V, 3) row per detected person-frame,
    ordered by frame, with ``frame_inds``."""
    keypoint = np.concatenate(
        [sample['keypoint'], sample['keypoint_score'][..., None]], axis=-1)
    num_person, num_frames = keypoint.shape[:2]
    rows = keypoint.transpose(1, 0, 2, 3).reshape(num_person * num_frames,
                                                  *keypoint.shape[2:])
    sample = dict(sample, keypoint=rows.astype(np.float16))
    sample.pop('keypoint_score')
    sample['frame_inds'] = np.repeat(np.arange(num_frames), num_person)
    return sample


def _samples(cfg, path, num_person):
    layout, dim, compressed = _data_format(cfg, path)
    data = make_synthetic_skeleton_dataset(
        num_classes=2,
        samples_per_class=1,
        num_frames=SYNTHETIC_FRAMES,
        num_joints=get_layout(layout).num_node,
        num_persons=num_person,
        coord_dim=dim,
        layout=layout,
        seed=0)
    samples = []
    for anno in data['annotations']:
        anno = dict(anno, start_index=0, modality='Pose')
        samples.append(_compress(anno) if compressed else anno)
    return samples


def _run(pipeline_cfg, samples):
    pipeline = Compose(pipeline_cfg)
    return [pipeline(dict(sample)) for sample in samples]


def _expected_shape(cfg, pipeline_cfg):
    """Parts of the packed (clips, M, T, V, C) shape the config fixes."""
    expected = {}
    sampler = _find(pipeline_cfg, 'UniformSampleFrames')
    if sampler is not None:
        expected['frames'] = sampler['clip_len']
    # A sampler inside a wrapper (two views) does not fix the clip count.
    if _find(pipeline_cfg, 'UniformSampleFrames', nested=False) is not None:
        expected['clips'] = sampler.get('num_clips', 1)
    fmt = _find(pipeline_cfg, 'FormatGCNInput')
    if fmt is not None:
        expected['persons'] = fmt.get('num_person', 2)
    backbone = cfg.model.backbone
    if 'graph_cfg' in backbone:
        expected['joints'] = get_layout(backbone.graph_cfg.layout).num_node
    elif 'num_joints' in backbone:
        expected['joints'] = backbone.num_joints
    expected['channels'] = backbone.get('in_channels', 3)
    return expected


def _check_shape(inputs, expected, name):
    dims = dict(
        clips=inputs.shape[-5],
        persons=inputs.shape[-4],
        frames=inputs.shape[-3],
        joints=inputs.shape[-2],
        channels=inputs.shape[-1])
    for key, value in expected.items():
        assert dims[key] == value, (f'{name}: {key} is {dims[key]}, the '
                                    f'config expects {value}')


def _check_consistency(cfg):
    head = cfg.model.get('cls_head')
    batch = cfg.train_dataloader.batch_size
    if head is None:
        return
    for key in ('loss_inter', ):
        loss = head.get(key)
        if loss and 'num_classes' in loss:
            assert loss.num_classes == head.num_classes
    intra = head.get('loss_intra')
    if intra and 'queue_size' in intra:
        assert intra.queue_size >= batch, 'queue smaller than a batch'
    if head.get('feature_source', 'topology') == 'topology' and \
            _tname(head.type) == 'ACLNetHead':
        layout = get_layout(cfg.model.backbone.graph_cfg.layout)
        assert head.get('num_nodes', 25) == layout.num_node


def _shrink(model_cfg):
    """Narrow, 2-stage copy of a GCN backbone, after checking that the
    head's ``in_channels`` is the full backbone's output width."""
    backbone = model_cfg.backbone
    kind = backbone.type
    params = inspect.signature(
        MODELS.get(kind) if isinstance(kind, str) else kind).parameters
    if not all(
            key in params
            for key in ('base_channels', 'num_stages', 'inflate_stages')):
        return model_cfg

    def arg(key):
        return backbone.get(key, params[key].default)

    ch_ratio = arg('ch_ratio') if 'ch_ratio' in params else 2
    inflates = [s for s in arg('inflate_stages') if s <= arg('num_stages')]
    width = int(arg('base_channels') * ch_ratio**len(inflates) + 1e-6)
    assert model_cfg.cls_head.in_channels == width, (
        f'head in_channels {model_cfg.cls_head.in_channels}, backbone '
        f'output {width}')
    model_cfg.backbone.update(SHRINK)
    model_cfg.cls_head.in_channels = SHRINK['base_channels']
    return model_cfg


@pytest.fixture
def one_thread():
    # Tiny tensors: thread start-up would cost more than the arithmetic.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize('path', CONFIGS, ids=_config_id)
def test_config_builds_and_runs(path, one_thread):
    torch.manual_seed(0)
    np.random.seed(0)
    cfg = Config.fromfile(path)
    _check_consistency(cfg)
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmaction')):
        for hook in cfg.get('custom_hooks', []):
            HOOKS.build(dict(hook))
        model = MODELS.build(_shrink(cfg.model))
        # What ResolveAutoSettingsHook does before training ('auto').
        for module in model.modules():
            if isinstance(module, AffinityContrastiveLoss):
                settings = auto_settings(module.num_classes,
                                         cfg.train_cfg.max_epochs)
                module.resolve_settings(
                    **{k: settings[k]
                       for k in module.unresolved_settings()})
        train_cfg = _dataset(cfg.train_dataloader.dataset)['pipeline']
        val_cfg = _dataset(cfg.val_dataloader.dataset)['pipeline']
        test_cfg = _dataset(cfg.test_dataloader.dataset)['pipeline']
        fmt = _find(train_cfg, 'FormatGCNInput')
        num_person = fmt.get('num_person', 2) if fmt else 2
        samples = _samples(cfg, path, num_person)

        # Train: pipeline -> collate -> preprocessor -> loss.
        batch = pseudo_collate(_run(train_cfg, samples))
        for packed in batch['inputs']:
            _check_shape(packed, _expected_shape(cfg, train_cfg), 'train')
        model.train()
        data = model.data_preprocessor(batch, training=True)
        inputs = data['inputs']
        losses = model(inputs, data['data_samples'], mode='loss')
        assert losses and all(
            torch.isfinite(value).all()
            for key, value in losses.items() if 'loss' in key)

        # Val (1 sample) and test (every clip of 1 sample): predictions.
        val_out = _run(val_cfg, samples[:1])[0]
        _check_shape(val_out['inputs'], _expected_shape(cfg, val_cfg), 'val')
        test_out = _run(test_cfg, samples[:1])[0]
        _check_shape(test_out['inputs'], _expected_shape(cfg, test_cfg),
                     'test')
        if _tname(cfg.model.type) == 'RecognizerGCN':
            model.eval()
            data = model.data_preprocessor(
                pseudo_collate([test_out]), training=False)
            inputs = data['inputs']
            with torch.no_grad():
                preds = model(inputs, data['data_samples'], mode='predict')
            score = preds[0].pred_score
            assert score.shape == (cfg.model.cls_head.num_classes, )
            assert torch.allclose(score.sum(), torch.tensor(1.), atol=1e-4)


def test_every_aclnet_benchmark_and_stream_has_a_config():
    names = {osp.basename(path) for path in CONFIGS}
    datasets = ('ntu60_xsub_keypoint_3d', 'ntu60_xview_keypoint_3d',
                'ntu120_xsub_keypoint_3d', 'ntu120_xset_keypoint_3d',
                'pkummd_xsub_keypoint_3d', 'pkummd_xview_keypoint_3d',
                'k400_keypoint_2d', 'finegym_keypoint_2d')
    streams = ('joint', 'bone', 'kbone', 'joint_motion', 'bone_motion',
               'kbone_motion')
    for dataset in datasets:
        for stream in streams:
            found = [
                n for n in names if n.startswith('aclnet_aclgcn_')
                and f'_{stream}_u' in n and n.endswith(f'_{dataset}.py')
            ]
            assert len(found) == 1, (dataset, stream, found)


@pytest.mark.parametrize(
    'name, queue, batch, lr, clip_len, augments',
    [
        ('aclnet_aclgcn_1xb16_kbone_u100_150e_ntu60_xview_keypoint_3d.py', 512,
         16, 0.025, 100, ['RandomSkeletonRotate', 'SkeletonPartDrop']),
        ('aclnet_aclgcn_1xb16_bone_motion_u100_150e_ntu60_xsub_keypoint_3d.py',
         512, 16, 0.025, 100, ['RandomSkeletonRotate', 'SkeletonFlip']),
        ('aclnet_aclgcn_1xb16_joint_u100_150e_ntu120_xsub_keypoint_3d.py',
         1024, 16, 0.025, 100, ['RandomSkeletonRotate', 'SkeletonFlip']),
        (
            'aclnet_aclgcn_1xb16_joint_motion_u100_150e_ntu120_xset_keypoint_3d.py',  # noqa: E501
            1024,
            16,
            0.025,
            100,
            ['RandomSkeletonRotate']),
        ('aclnet_aclgcn_1xb16_bone_u50_150e_pkummd_xview_keypoint_3d.py', 512,
         16, 0.025, 50, ['RandomSkeletonRotate', 'SkeletonPartDrop']),
        ('aclnet_aclgcn_1xb64_kbone_motion_u100_150e_k400_keypoint_2d.py',
         2048, 64, 0.1, 100, ['SkeletonFlip']),
        ('aclnet_aclgcn_1xb16_joint_u100_150e_finegym_keypoint_2d.py', 1024,
         16, 0.025, 100, ['SkeletonFlip']),
    ])
def test_reference_settings(name, queue, batch, lr, clip_len, augments):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, 'aclnet', name))
    assert cfg.model.cls_head.loss_intra.queue_size == queue
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.optim_wrapper.optimizer.lr == lr
    assert cfg.train_cfg.max_epochs == 150
    assert cfg.param_scheduler[0].convert_to_iter_based
    train = cfg.train_dataloader.dataset
    types = [_tname(t['type']) for t in train.pipeline]
    assert [
        t for t in types
        if t in ('RandomSkeletonRotate', 'SkeletonFlip', 'SkeletonPartDrop')
    ] == augments
    assert _find(train.pipeline, 'UniformSampleFrames').clip_len == clip_len
    assert _find(cfg.val_dataloader.dataset.pipeline,
                 'UniformSampleFrames').num_clips == 1
    assert _find(cfg.test_dataloader.dataset.pipeline,
                 'UniformSampleFrames').num_clips == 10
    # Train on the split minus the carved part, validate on the carved part
    # of the same split, test on the official test split.
    assert (_tname(train.type), train.carve) == ('SkeletonPoseDataset',
                                                 'train')
    val = cfg.val_dataloader.dataset
    assert (val.carve, val.split, val.seed) == ('val', train.split, train.seed)
    assert cfg.test_dataloader.dataset.split != train.split
    assert cfg.default_hooks.checkpoint.save_best == 'acc/top1'
    hooks = {_tname(h.type): h for h in cfg.custom_hooks}
    assert hooks['SuperclassRefreshHook'].start_epoch == 30
    assert 'TemperatureScheduleHook' in hooks
    # The authors' values, stated in the config whatever the class count.
    inter = cfg.model.cls_head.loss_inter
    assert (inter.num_neighbors,
            inter.overlap_thr, tuple(inter.size_thresholds),
            tuple(inter.temperatures)) == (10, 5, (10, 20), (0.1, 0.5, 1.0))
    # Each data set checks its pickle against the model it feeds.
    layout = cfg.model.backbone.graph_cfg.layout
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        assert dataset.num_classes == cfg.model.cls_head.num_classes
        assert (dataset.layout, dataset.in_channels) == (layout, 3)
    assert cfg.model.cls_head.num_nodes == get_layout(layout).num_node
