# Copyright (c) aclnet-mm contributors. All rights reserved.
# FineGYM (HRNet 2D), 2D skeletons (gym_2d.pkl): 99 classes, 20 joints
# ('coco_new'), 3 channels per stream. Prepared as ACLNet does: raw pixel
# coordinates with the detector score as third channel (no normalisation,
# so the datasets say dim=2), temporal sampling first, then the 2D flip on
# the 17 COCO joints, then the 3 synthetic joints of 'coco_new'
# (CocoToCocoNew), then the stream (motions between sampled frames);
# 100-frame clips, 1 clip for validation and 10 for testing.
# Inherits nothing.
#
# Checkpoint selection differs from the authors', who validate on the test
# split: validation runs on 5 % of 'train' carved out by SkeletonPoseDataset
# (carve=, seeded, stratified by class, whole YouTube videos), training on
# the rest; 'val' (the official test part) is only used by the test loop.
#
# Stream configs pick `stream` and rebuild the pipelines from the pieces:
#   train:    train_head + augments[stream] + to_layout + gen + train_tail
#   val/test: val_head / test_head + to_layout + gen + val_tail / test_tail
# with gen = [dict(type=GenSkeletonStreams, layout=layout, feats=(stream,))]
from mmaction.datasets import (FormatGCNInput, PackActionInputs, PoseDecode,
                               UniformSampleFrames)
from mmaction.evaluation import AccMetric
from mmengine.dataset import DefaultSampler

from aclnet_mm.datasets import (CocoToCocoNew, GenSkeletonStreams,
                                ResumableSampler, SkeletonFlip,
                                SkeletonPoseDataset)

dataset_type = SkeletonPoseDataset
data_root = 'data/skeleton/'
ann_file = data_root + 'gym_2d.pkl'
layout = 'coco_new'
num_classes = 99
in_channels = 3
clip_len = 100
batch_size = 16
train_split = 'train'
test_split = 'val'
carve_cfg = dict(
    split=train_split, val_ratio=0.05, seed=0, group_by='youtube_id')
# What every data set checks its pickle against before training starts.
expect = dict(
    num_classes=num_classes, layout=layout, in_channels=in_channels, dim=2)
# The paper protocol's test-time sampling (PYSKL's, see
# _base_/paper_protocol.py): its place in val / test pipelines and the
# authors' short-clip rule for this data set.
test_sampler_index = 0
pyskl_short_clips = 'spaced'

# Every stream trains with the 2D flip (x -> W - x, COCO left/right swap).
flip = dict(type=SkeletonFlip, layout='coco', flip_ratio=0.5, reflect='image')
augments = dict(
    j=[flip],
    b=[flip],
    k=[flip],
    jm=[flip],
    bm=[flip],
    km=[flip],
)

train_head = [
    dict(type=UniformSampleFrames, clip_len=clip_len),
    dict(type=PoseDecode)
]
val_head = [
    dict(
        type=UniformSampleFrames,
        clip_len=clip_len,
        num_clips=1,
        test_mode=True),
    dict(type=PoseDecode)
]
test_head = [
    dict(
        type=UniformSampleFrames,
        clip_len=clip_len,
        num_clips=10,
        test_mode=True),
    dict(type=PoseDecode)
]
to_layout = [dict(type=CocoToCocoNew)]
# PackActionInputs' default meta keys plus 'frame_dir', the sample's name in
# skeleton annotations, so errors and logs can name the sample.
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
train_tail = [
    dict(type=FormatGCNInput, num_person=2),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
val_tail = train_tail
test_tail = train_tail

stream = 'j'
gen = [dict(type=GenSkeletonStreams, layout=layout, feats=(stream, ))]
train_pipeline = train_head + augments[stream] + to_layout + gen + train_tail
val_pipeline = val_head + to_layout + gen + val_tail
test_pipeline = test_head + to_layout + gen + test_tail

train_dataloader = dict(
    batch_size=batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=ResumableSampler, shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=train_pipeline,
        carve='train',
        **carve_cfg,
        **expect))
val_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=val_pipeline,
        carve='val',
        test_mode=True,
        **carve_cfg,
        **expect))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        pipeline=test_pipeline,
        split=test_split,
        test_mode=True,
        **expect))

val_evaluator = [dict(type=AccMetric)]
test_evaluator = val_evaluator
