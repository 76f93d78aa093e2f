# AS-CAL linear evaluation on the embedded data set: the pretrained query
# LSTM frozen (eval mode, no gradient) and Linear(256, 20) on its CAE
# (GCNHead, N(0, 0.01) init, no dropout), SGD lr 1.0 with Nesterov momentum
# 0.9, no weight decay, 90 epochs, lr x0.5 at epochs 15, 35, 60, 75; inputs
# only cut and centred. The kept checkpoint is the best on the 'val' split;
# the 'test' split is evaluated once, with it. Set the pretrained weights
# with `--cfg-options model.backbone.init_cfg.checkpoint=PATH`; with
# `model.backbone.init_cfg=None` this is the random-encoder baseline.
_base_ = ['../_base_/default_runtime.py']

ann_file = 'data/embedded/body25_2d.pkl'
clip_len = 24
num_person = 1
num_classes = 20

# PackActionInputs' default meta keys plus 'frame_dir', the sample's name in
# skeleton annotations, so errors and logs can name the sample.
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
pipeline = [
    dict(type='SkeletonFirstFrames', clip_len=clip_len),
    dict(type='SkeletonCentre', joint=1),
    dict(type='FormatGCNInput', num_person=num_person),
    dict(type='PackActionInputs', meta_keys=pack_meta_keys)
]

model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='SkeletonRNN',
        in_channels=3,
        num_joints=25,
        num_person=num_person,
        hidden_channels=256,
        frozen=True,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.')),
    cls_head=dict(
        type='GCNHead', num_classes=num_classes, in_channels=256, dropout=0.))

dataset_type = 'SkeletonPoseDataset'
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, ann_file=ann_file, split='train',
        pipeline=pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='val',
        pipeline=pipeline,
        test_mode=True))
test_dataloader = dict(
    val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=90, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=1.0, momentum=0.9, nesterov=True, weight_decay=0.))
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[15, 35, 60, 75],
        gamma=0.5,
        by_epoch=True)
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(
        interval=1, save_best='acc/top1', rule='greater', max_keep_ckpts=1))
randomness = dict(seed=1)
