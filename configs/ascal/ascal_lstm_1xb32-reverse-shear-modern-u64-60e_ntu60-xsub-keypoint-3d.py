# "Modernised" AS-CAL variant (NOT the reference's input handling): MMAction2's
# PreNormalize3D (centre on the spine, align the spine with z and the
# shoulders with x, as MMAction2's NTU skeleton configs) and
# UniformSampleFrames to 64 frames instead of the first 150 frames with
# per-frame centring; the same Reverse + Shear views, encoder, queue and
# loss. Linear evaluation of this encoder needs the same feature pipeline
# (`feature_pipeline` below) in the linear config.
_base_ = [
    './ascal_lstm_1xb32-reverse-shear-u150-60e_ntu60-xsub-keypoint-3d.py'
]

clip_len = 64
view_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='SkeletonReverse', prob=0.5),
    dict(type='SkeletonShear', magnitude=1.0),
]
# PackActionInputs' default meta keys plus 'frame_dir', the sample's name in
# skeleton annotations, so errors and logs can name the sample.
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
train_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='SkeletonTwoView', transforms=view_pipeline),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=pack_meta_keys)
]
feature_pipeline = [
    dict(type='PreNormalize3D'),
    dict(
        type='UniformSampleFrames',
        clip_len=clip_len,
        num_clips=1,
        test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('knn_bank', 'frame_dir'))
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
knn_bank = dict(
    type='SkeletonPoseDataset',
    ann_file={{_base_.ann_file}},
    split={{_base_.train_split}},
    class_range=(0., 0.95),
    extra_info=dict(knn_bank=True),
    pipeline=feature_pipeline,
    test_mode=True)
val_queries = dict(
    knn_bank, class_range=(0.95, 1.), extra_info=dict(knn_bank=False))
test_queries = dict(
    knn_bank,
    split={{_base_.test_split}},
    class_range=(0., 1.),
    extra_info=dict(knn_bank=False))
val_dataloader = dict(
    dataset=dict(type='ConcatDataset', datasets=[knn_bank, val_queries]))
test_dataloader = dict(
    dataset=dict(type='ConcatDataset', datasets=[knn_bank, test_queries]))
