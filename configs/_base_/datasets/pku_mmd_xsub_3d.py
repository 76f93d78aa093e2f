# Copyright (c) aclnet-mm contributors. All rights reserved.
# PKU-MMD (phase 1), cross-subject, 3D skeletons (pku_mmd_3d.pkl, see
# docs/data_preparation.md): the NTU60 X-Sub recipe (see ntu60_xsub_3d.py)
# with 50-frame clips, rotation + part drop for every stream, and the
# validation split carved from 'xsub_train' by whole recordings;
# 'xsub_val' (the official test part) is only used by the test loop.
_base_ = './ntu60_xsub_3d.py'

ann_file = 'data/skeleton/pku_mmd_3d.pkl'
layout = 'nturgb+d'
num_classes = 51
clip_len = 50
train_split = 'xsub_train'
test_split = 'xsub_val'
carve_cfg = dict(
    split=train_split, val_ratio=0.05, seed=0, group_by='pku_recording')
stream = 'j'

rotate = dict(type='RandomSkeletonRotate', theta=0.2)
part_drop = dict(type='SkeletonPartDrop', layout=layout, drop_ratio=0.2)
augments = dict(
    j=[rotate, part_drop],
    b=[rotate, part_drop],
    k=[rotate, part_drop],
    jm=[rotate, part_drop],
    bm=[rotate, part_drop],
    km=[rotate, part_drop],
)

# PackActionInputs' default meta keys plus 'frame_dir', the sample's name in
# skeleton annotations, so errors and logs can name the sample.
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
train_tail = [
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=pack_meta_keys)
]
val_tail = [
    dict(
        type='UniformSampleFrames',
        clip_len=clip_len,
        num_clips=1,
        test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=pack_meta_keys)
]
test_tail = [
    dict(
        type='UniformSampleFrames',
        clip_len=clip_len,
        num_clips=10,
        test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=pack_meta_keys)
]

gen = [dict(type='GenSkeletonStreams', layout=layout, feats=(stream, ))]
train_pipeline = (
    _base_.train_head + augments[stream] + _base_.to_layout + gen + train_tail)
val_pipeline = _base_.val_head + _base_.to_layout + gen + val_tail
test_pipeline = _base_.test_head + _base_.to_layout + gen + test_tail

train_dataloader = dict(
    dataset=dict(ann_file=ann_file, pipeline=train_pipeline, **carve_cfg))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, pipeline=val_pipeline, **carve_cfg))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, pipeline=test_pipeline, split=test_split))
