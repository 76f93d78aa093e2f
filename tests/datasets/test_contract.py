# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Transforms declare what they need; pipelines are read through that."""
from mmaction.datasets.transforms import (FormatGCNInput, GenSkeFeat,
                                          PreNormalize3D, UniformSampleFrames)
from mmaction.registry import TRANSFORMS
from mmengine.registry import init_default_scope

from aclnet_mm.datasets.contract import (MMACTION_CONTRACTS, get_contract,
                                         pipeline_expectations, stream_step)
from aclnet_mm.datasets.transforms import (CocoToCocoNew, FastPreNormalize3D,
                                           GenSkeletonStreams, SkeletonFlip)


def test_declared_in_code_and_in_the_table():
    assert get_contract(GenSkeletonStreams).layout_arg == 'layout'
    assert get_contract(SkeletonFlip).layout_arg == 'layout'
    assert get_contract(CocoToCocoNew).input_layout == 'coco'
    assert get_contract(FastPreNormalize3D).dim == 3
    assert get_contract(dict(type='PreNormalize3D')).dim == 3
    assert get_contract(dict(type='PreNormalize2D')).dim == 2
    assert get_contract(
        dict(type='GenSkeFeat')) is MMACTION_CONTRACTS['GenSkeFeat']
    assert get_contract(dict(type='NoSuchTransform')) is None
    # By class, never by name: a class merely named like one has none.
    fake = type('MyPreNormalize3D', (), {})
    assert get_contract(fake()) is None
    # Every MMAction2 entry names a real registered MMAction2 class.
    for name in MMACTION_CONTRACTS:
        assert TRANSFORMS.get(name).__module__.startswith('mmaction.')


def test_pipeline_expectations_configs_and_built_agree():
    init_default_scope('mmaction')
    configs = [
        dict(type='PreNormalize3D'),
        dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j', 'b']),
        dict(type='UniformSampleFrames', clip_len=64),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    built = [TRANSFORMS.build(c) for c in configs]
    assert isinstance(built[0], PreNormalize3D)
    assert isinstance(built[1], GenSkeFeat)
    assert isinstance(built[2], UniformSampleFrames)
    assert isinstance(built[4], FormatGCNInput)
    for pipeline in (configs, built):
        got = pipeline_expectations(pipeline)
        assert (got['dim'], got['num_feats'], got['ske_dataset'],
                got['num_person'], got['clip_len'],
                got['data_layout']) == (3, 2, 'nturgb+d', 2, 64, None)
        assert got['steps'][1]['bone_field'] == 'feats'
    # FormatGCNInput's own default is 2 persons.
    assert pipeline_expectations([dict(type='FormatGCNInput')
                                  ])['num_person'] == 2


def test_joint_changing_transform_names_the_data_layout():
    got = pipeline_expectations([
        dict(type='CocoToCocoNew'),
        dict(type='GenSkeletonStreams', layout='coco_new', feats=('k', ))
    ])
    assert got['data_layout'] == 'coco' and got['ske_dataset'] == 'coco_new'
    step = stream_step(
        dict(type='GenSkeletonStreams', layout='coco', bone_tree='mmaction'))
    assert step['bone_field'] == 'bone_tree' and step['feats'] == ['j']


def test_every_transform_of_ours_and_of_our_configs_has_one():
    import glob
    import inspect
    import os.path as osp
    import re

    from aclnet_mm.datasets import transforms
    for name in transforms.__all__:
        obj = getattr(transforms, name)
        if inspect.isclass(obj):
            assert get_contract(obj) is not None, name
    init_default_scope('mmaction')
    root = osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'configs')
    used = set()
    for path in glob.glob(osp.join(root, '**', '*.py'), recursive=True):
        with open(path) as f:
            # Class-typed configs: ``type=GenSkeFeat`` (an imported class).
            used.update(re.findall(r'type=(\w+)', f.read()))
    used = {name for name in used if TRANSFORMS.get(name) is not None}
    assert {'GenSkeFeat', 'FormatGCNInput', 'SkeletonTwoView'} <= used
    assert [
        name for name in sorted(used) if get_contract(dict(type=name)) is None
    ] == []
