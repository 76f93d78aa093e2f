# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The paper protocol (``_base_/paper_protocol.py`` and its recipe) turns
every ACLNet and ProtoGCN benchmark config into the authors' protocol and
changes nothing else: the whole training split, validation on the test
split, PYSKL's test-time frames, the last and the best checkpoint tested."""
import glob
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.utils import get_installed_path

from aclnet_mm.datasets import PysklUniformSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'aclnet_mm', 'configs')
# Per method: its benchmark configs' prefix and the NTU60 X-Sub joint
# benchmark its paper-protocol example imports.
METHODS = {
    'aclnet':
    ('aclnet_aclgcn_', 'aclnet_aclgcn_1xb16_joint_u100_150e_ntu60_xsub'),
    'protogcn': ('protogcn_', 'protogcn_1xb16_joint_u100_150e_ntu60_xsub'),
}
BENCHMARKS = sorted(
    (method, osp.basename(path)[:-3])
    for method, (prefix, _) in METHODS.items()
    for path in glob.glob(osp.join(CONFIGS, method, f'{prefix}*.py'))
    if 'embedded' not in path)
SAMPLERS = ('mmaction.datasets.UniformSampleFrames',
            'aclnet_mm.datasets.PysklUniformSample')


def _example(method: str) -> str:
    return osp.join(CONFIGS, method, 'paper_protocol',
                    f'{METHODS[method][1]}_paper_protocol_keypoint_3d.py')


def _recipe(method: str, benchmark: str) -> str:
    """The method's example's lines, with its benchmark import swapped."""
    with open(_example(method)) as f:
        text = f.read()
    text = text.replace('from ..._base_.paper_protocol import',
                        'from aclnet_mm.configs._base_.paper_protocol import')
    return text.replace(f'from ..{METHODS[method][1]}_keypoint_3d import',
                        f'from aclnet_mm.configs.{method}.{benchmark} import')


def _samplers(pipeline, kind):
    return [t for t in pipeline if t['type'] == kind]


def _without_samplers(pipeline):
    return [t for t in pipeline if t['type'] not in SAMPLERS]


def test_every_benchmark_and_stream():
    methods = [method for method, _ in BENCHMARKS]
    assert (methods.count('aclnet'), methods.count('protogcn')) == (48, 36)


def test_examples_are_one_recipe():
    """Both examples are the same lines but for comments and imports."""

    def code(method):
        with open(_example(method)) as f:
            return [
                line for line in f
                if not line.startswith('#') and 'import' not in line
            ]

    assert code('protogcn') == code('aclnet')


@pytest.mark.skipif(
    get_installed_path('aclnet_mm') != osp.join(REPO, 'aclnet_mm'),
    reason='aclnet_mm.configs resolves to another install: pip install -e .')
@pytest.mark.parametrize('method, name', BENCHMARKS)
def test_paper_protocol_resolved(method, name, tmp_path):
    child = tmp_path / 'paper.py'
    child.write_text(_recipe(method, name))
    ours = Config.fromfile(osp.join(CONFIGS, method, f'{name}.py')).to_dict()
    paper = Config.fromfile(str(child)).to_dict()
    train_split = ours['train_dataloader']['dataset']['split']
    test_split = ours['test_dataloader']['dataset']['split']
    # Ours: carve 5 % of the training split for validation.
    assert ours['train_dataloader']['dataset']['carve'] == 'train'
    assert ours['val_dataloader']['dataset']['carve'] == 'val'

    # Paper: the whole training split ...
    train = paper['train_dataloader']['dataset']
    assert (train['carve'], train['split']) == (None, train_split)
    assert dict(train, carve='train') == ours['train_dataloader']['dataset']
    # ... validation on the test split, best and last both tested.
    val = paper['val_dataloader']['dataset']
    assert (val['carve'], val['split'], val['test_mode']) == (None, test_split,
                                                              True)
    assert paper['default_hooks']['checkpoint']['save_best'] == 'acc/top1'
    *kept, test_hook = paper['custom_hooks']
    assert kept == ours['custom_hooks']
    assert test_hook == dict(
        type='aclnet_mm.engine.TestAfterTrainHook', which=('last', 'best'))

    # PYSKL's frames at validation and test time, nothing else changed.
    short = 'spaced' if ('k400' in name or 'finegym' in name) else 'random'
    for loader in ('val_dataloader', 'test_dataloader'):
        before = ours[loader]['dataset']['pipeline']
        after = paper[loader]['dataset']['pipeline']
        assert not _samplers(after, SAMPLERS[0])
        (old, ) = _samplers(before, SAMPLERS[0])
        (new, ) = _samplers(after, SAMPLERS[1])
        assert new['short_clips'] == short
        assert new['test_mode'] is True
        assert (new['clip_len'], new['num_clips']) == (old['clip_len'],
                                                       old['num_clips'])
        assert after.index(new) == before.index(old)
        assert _without_samplers(after) == _without_samplers(before)

    # Model, optimiser, schedule and test split are the benchmark's.
    for key in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                'test_cfg'):
        assert paper[key] == ours[key], key
    test = dict(paper['test_dataloader']['dataset'], pipeline=None)
    assert test == dict(ours['test_dataloader']['dataset'], pipeline=None)


@pytest.mark.parametrize('method', sorted(METHODS))
def test_example_val_pipeline_runs(method):
    cfg = Config.fromfile(_example(method))
    transforms = Compose(cfg.val_dataloader.dataset.pipeline).transforms
    rng = np.random.default_rng(0)
    out = dict(
        keypoint=rng.normal(size=(2, 37, 25, 3)).astype(np.float32),
        total_frames=37,
        frame_dir='S001C001P001R001A001',
        label=0,
        start_index=0,
        modality='Pose')
    samplers = 0
    for transform in transforms:
        out = transform(out)
        if isinstance(transform, PysklUniformSample):
            samplers += 1
            # 37 frames, clip 100: a random start (UniformSampleDecode).
            expected = PysklUniformSample(
                clip_len=100, short_clips='random',
                test_mode=True)(dict(total_frames=37))['frame_inds']
            np.testing.assert_array_equal(out['frame_inds'], expected)
    assert samplers == 1
    assert out['inputs'].shape == (1, 2, 100, 25, 3)
