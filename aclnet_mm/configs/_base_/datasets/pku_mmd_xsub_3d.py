# Copyright (c) aclnet-mm contributors. All rights reserved.
# PKU-MMD (phase 1), cross-subject, 3D skeletons (pku_mmd_3d.pkl, see
# docs/user_guides/data_preparation.md): 51 classes, 25 joints. The NTU60 X-Sub recipe
# with 50-frame clips, rotation + part drop for every stream, and the
# validation split carved from 'xsub_train' by whole recordings; 'xsub_val'
# (the official test part) is only used by the test loop.
# Inherits ntu60_xsub_3d.py.
from mmengine.config import read_base

with read_base():
    from .ntu60_xsub_3d import *  # noqa: F401,F403

from mmaction.datasets import (FormatGCNInput, PackActionInputs, PoseDecode,
                               UniformSampleFrames)

ann_file = data_root + 'pku_mmd_3d.pkl'
num_classes = 51
expect.update(num_classes=num_classes)
clip_len = 50
carve_cfg = dict(
    split=train_split, val_ratio=0.05, seed=0, group_by='pku_recording')
augments = dict(
    j=[rotate, part_drop],
    b=[rotate, part_drop],
    k=[rotate, part_drop],
    jm=[rotate, part_drop],
    bm=[rotate, part_drop],
    km=[rotate, part_drop],
)
train_tail = [
    dict(type=UniformSampleFrames, clip_len=clip_len),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=2),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
val_tail = [
    dict(
        type=UniformSampleFrames,
        clip_len=clip_len,
        num_clips=1,
        test_mode=True),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=2),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
test_tail = [
    dict(
        type=UniformSampleFrames,
        clip_len=clip_len,
        num_clips=10,
        test_mode=True),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=2),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
train_pipeline = train_head + augments[stream] + to_layout + gen + train_tail
val_pipeline = val_head + to_layout + gen + val_tail
test_pipeline = test_head + to_layout + gen + test_tail

train_dataloader.dataset.update(
    ann_file=ann_file, pipeline=train_pipeline, **carve_cfg, **expect)
val_dataloader.dataset.update(
    ann_file=ann_file, pipeline=val_pipeline, **carve_cfg, **expect)
test_dataloader.dataset.update(
    ann_file=ann_file, pipeline=test_pipeline, **expect)
