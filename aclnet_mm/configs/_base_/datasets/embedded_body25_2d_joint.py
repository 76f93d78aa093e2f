# Copyright (c) aclnet-mm contributors. All rights reserved.
# The embedded real dataset: pose-classification-kit's OpenPose BODY-25
# recordings (20 classes, 25 joints, one performer), cut into 24-frame
# windows and split by time (tools/data/embedded/
# prepare_pose_classification_kit.py). Coordinates are already centred and
# scale-normalised by the recorder, so there is no PreNormalize2D (the
# datasets say dim=2: 2D data); GenSkeFeat appends the OpenPose confidence
# as the third channel. Inherits nothing.
from mmaction.datasets import (FormatGCNInput, GenSkeFeat, PackActionInputs,
                               PoseDecode, UniformSampleFrames)
from mmaction.evaluation import AccMetric
from mmengine.dataset import DefaultSampler

from aclnet_mm.datasets import ResumableSampler, SkeletonPoseDataset

dataset_type = SkeletonPoseDataset
ann_file = 'data/embedded/body25_2d.pkl'
layout = 'openpose_body25'
num_classes = 20
in_channels = 3
clip_len = 24
num_person = 1
# What every data set checks its pickle against (classes, joints,
# channels of the stream) before training starts.
expect = dict(
    num_classes=num_classes, layout=layout, in_channels=in_channels, dim=2)

# PackActionInputs' default meta keys plus 'frame_dir', the sample's name in
# skeleton annotations, so errors and logs can name the sample.
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
train_pipeline = [
    dict(type=GenSkeFeat, dataset=layout, feats=['j']),
    dict(type=UniformSampleFrames, clip_len=clip_len),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=num_person),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
val_pipeline = [
    dict(type=GenSkeFeat, dataset=layout, feats=['j']),
    dict(
        type=UniformSampleFrames,
        clip_len=clip_len,
        num_clips=1,
        test_mode=True),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=num_person),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
test_pipeline = val_pipeline

# The pipeline is a few array slices per clip: loading in the main process
# is faster than feeding worker processes on a 2-core machine.
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type=ResumableSampler, shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=train_pipeline,
        split='train',
        **expect))
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=val_pipeline,
        split='val',
        test_mode=True,
        **expect))
test_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=test_pipeline,
        split='test',
        test_mode=True,
        **expect))

val_evaluator = [dict(type=AccMetric)]
test_evaluator = val_evaluator
