# Copyright (c) aclnet-mm contributors. All rights reserved.
# "Modernised" AS-CAL variant (NOT the authors' input handling): MMAction2's
# PreNormalize3D (centre on the spine, align the spine with z and the
# shoulders with x, as MMAction2's NTU skeleton configs) and
# UniformSampleFrames to 64 frames instead of the first 150 frames with
# per-frame centring; the same Reverse + Shear views, encoder, queue and
# loss. Linear evaluation of this encoder needs the same feature pipeline
# (`feature_pipeline` below) in the linear config.
# Inherits ascal_lstm_1xb32_reverse_shear_u150_60e_ntu60_xsub_keypoint_3d.py.
from mmengine.config import read_base

with read_base():
    from .ascal_lstm_1xb32_reverse_shear_u150_60e_ntu60_xsub_keypoint_3d import *  # noqa: F401,F403,E501

from mmaction.datasets import (FormatGCNInput, PackActionInputs, PoseDecode,
                               PreNormalize3D, UniformSampleFrames)

from aclnet_mm.datasets import SkeletonReverse, SkeletonShear, SkeletonTwoView

clip_len = 64
view_pipeline = [
    dict(type=UniformSampleFrames, clip_len=clip_len),
    dict(type=PoseDecode),
    dict(type=SkeletonReverse, prob=0.5),
    dict(type=SkeletonShear, magnitude=1.0),
]
train_pipeline = [
    dict(type=PreNormalize3D),
    dict(type=SkeletonTwoView, transforms=view_pipeline),
    dict(type=FormatGCNInput, num_person=2),
    dict(type=PackActionInputs, meta_keys=pack_meta_keys)
]
feature_pipeline = [
    dict(type=PreNormalize3D),
    dict(
        type=UniformSampleFrames,
        clip_len=clip_len,
        num_clips=1,
        test_mode=True),
    dict(type=PoseDecode),
    dict(type=FormatGCNInput, num_person=2),
    dict(type=PackActionInputs, meta_keys=('knn_bank', 'frame_dir'))
]
train_dataloader.dataset.update(pipeline=train_pipeline)
knn_bank.update(pipeline=feature_pipeline)
val_queries = dict(
    knn_bank, class_range=val_range, extra_info=dict(knn_bank=False))
test_queries = dict(
    knn_bank,
    split=test_split,
    class_range=(0., 1.),
    extra_info=dict(knn_bank=False))
val_dataloader.dataset.datasets = [knn_bank, val_queries]
test_dataloader.dataset.datasets = [knn_bank, test_queries]
