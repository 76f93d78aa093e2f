# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Every shipped config names its samples: its data sets' loading errors
name the sample (``SampleNamingMixin``) and ``PackActionInputs`` packs
``frame_dir``, so that logs and errors (e.g. ``NonFiniteLossHook``) can
name the sample of a batch."""
import glob
import os.path as osp

import numpy as np
import pytest
from mmaction.registry import DATASETS, TRANSFORMS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from aclnet_mm.datasets import SampleNamingMixin

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO, 'aclnet_mm', 'configs')
# The paper protocol's example keeps its benchmark config's packing
# (test_paper_protocol_configs.py compares the pipelines).
CONFIGS = sorted(
    path
    for path in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
    if not {'_base_', 'paper_protocol'}
    & set(osp.relpath(path, CONFIG_ROOT).split(osp.sep))
    and not path.endswith('__init__.py'))
# PackActionInputs' defaults in MMAction2 1.2.0.
DEFAULT_KEYS = ('img_shape', 'img_key', 'video_id', 'timestamp')


def _datasets(dataset):
    """Every leaf dataset dict (all members of a ConcatDataset)."""
    if 'pipeline' in dataset:
        return [dataset]
    if 'dataset' in dataset:
        return _datasets(dataset['dataset'])
    return [leaf for inner in dataset['datasets'] for leaf in _datasets(inner)]


def _packers(pipeline):
    found = []
    for transform in pipeline:
        kind = transform['type']
        if getattr(kind, '__name__', kind) == 'PackActionInputs':
            found.append(transform)
        found.extend(_packers(transform.get('transforms') or []))
    return found


def test_configs_found():
    assert len(CONFIGS) >= 70
    assert osp.realpath(
        osp.join(REPO, 'aclnet_mm', '.mim', 'configs')) == osp.realpath(
            CONFIG_ROOT)  # the installed copy is these very files


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, CONFIG_ROOT) for p in CONFIGS])
def test_pack_inputs_carry_frame_dir(path):
    cfg = Config.fromfile(path)
    checked = 0
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader is None:
            continue
        for dataset in _datasets(loader['dataset']):
            kind = dataset['type']
            kind = DATASETS.get(kind) if isinstance(kind, str) else kind
            assert issubclass(kind, SampleNamingMixin), (split, kind)
            packers = _packers(dataset['pipeline'])
            assert len(packers) == 1, (split, dataset['pipeline'])
            keys = packers[0].get('meta_keys', DEFAULT_KEYS)
            assert 'frame_dir' in keys, (split, keys)
            custom = set(keys) - set(DEFAULT_KEYS) - {'frame_dir'}
            if not custom:  # the defaults are kept unless keys are chosen
                assert set(DEFAULT_KEYS) <= set(keys), (split, keys)
            checked += 1
    assert checked >= 2  # at least a train and a test pipeline


def test_packed_sample_is_named():
    init_default_scope('mmaction')
    cfg = Config.fromfile(
        osp.join(
            CONFIG_ROOT, 'aclnet',
            'aclnet_aclgcn_1xb16_joint_u100_150e_ntu60_xsub_keypoint_3d.py'))
    pack = TRANSFORMS.build(_packers(cfg.test_dataloader.dataset.pipeline)[0])
    packed = pack.transform(
        dict(
            keypoint=np.zeros((1, 2, 4, 25, 3), np.float32),
            label=3,
            frame_dir='S001C001P001R001A001'))
    assert packed['data_samples'].frame_dir == 'S001C001P001R001A001'
    assert packed['data_samples'].metainfo.keys() == {'frame_dir'}
