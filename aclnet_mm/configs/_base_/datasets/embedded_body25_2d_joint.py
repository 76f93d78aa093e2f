# Copyright (c) aclnet-mm contributors. All rights reserved.
# The embedded real dataset: pose-classification-kit's OpenPose BODY-25
# recordings (20 classes, one performer), cut into 24-frame windows and split
# by time (tools/data/embedded/prepare_pose_classification_kit.py).
# Coordinates are already centred and scale-normalised by the recorder, so
# there is no PreNormalize2D (so the datasets say dim=2: 2D data, for the
# validator and the inference API); GenSkeFeat appends the OpenPose
# confidence as the third channel.
dataset_type = 'SkeletonPoseDataset'
ann_file = 'data/embedded/body25_2d.pkl'
layout = 'openpose_body25'
clip_len = 24
num_person = 1
# The pipeline is a few array slices per clip: loading in the main process
# is faster than feeding worker processes on a 2-core machine.

# PackActionInputs' default meta keys plus 'frame_dir', the sample's name in
# skeleton annotations, so errors and logs can name the sample.
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
train_pipeline = [
    dict(type='GenSkeFeat', dataset=layout, feats=['j']),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=num_person),
    dict(type='PackActionInputs', meta_keys=pack_meta_keys)
]
val_pipeline = [
    dict(type='GenSkeFeat', dataset=layout, feats=['j']),
    dict(
        type='UniformSampleFrames',
        clip_len=clip_len,
        num_clips=1,
        test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=num_person),
    dict(type='PackActionInputs', meta_keys=pack_meta_keys)
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=train_pipeline,
        split='train',
        dim=2))
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=val_pipeline,
        split='val',
        dim=2,
        test_mode=True))
test_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=test_pipeline,
        split='test',
        dim=2,
        test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
