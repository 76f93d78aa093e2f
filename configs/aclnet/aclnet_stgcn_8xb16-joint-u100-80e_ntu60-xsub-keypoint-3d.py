# ACLNet's losses on MMAction2's own ST-GCN recipe, inherited through the
# ``mmaction::`` scope: the backbone, data pipeline and 80-epoch schedule
# (16 epochs x RepeatDataset 5) are MMAction2's; only the head changes. ST-GCN
# exposes no learned topology, so both losses take the pooled embedding.
# Statistics start at epoch 4 of 16 (= pass 16-20 of 80, ACLNet's 30 of 150
# scaled).
_base_ = ('mmaction::skeleton/stgcn/'
          'stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py')

custom_imports = dict(imports=['aclnet_mm'], allow_failed_imports=False)

model = dict(
    cls_head=dict(
        _delete_=True,
        type='ACLNetHead',
        num_classes=60,
        in_channels=256,
        feature_source='embedding',
        loss_inter=dict(type='AffinityContrastiveLoss'),
        loss_intra=dict(type='MarginContrastiveLoss', queue_size=512),
        loss_inter_weight=0.1,
        loss_intra_weight=0.1))

custom_hooks = [
    dict(type='SuperclassRefreshHook', start_epoch=4, interval=1),
    dict(type='TemperatureScheduleHook'),
]

# MMAction2's data sets and pipelines, named: SkeletonPoseDataset is
# PoseDataset whose loading errors name the sample, and 'frame_dir' is
# packed too (PackActionInputs' default meta keys plus the sample's name).
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp', 'frame_dir')
pack = [dict(type='PackActionInputs', meta_keys=pack_meta_keys)]
train_pipeline = _base_.train_pipeline[:-1] + pack
val_pipeline = _base_.val_pipeline[:-1] + pack
test_pipeline = _base_.test_pipeline[:-1] + pack
named = 'SkeletonPoseDataset'
train_dataloader = dict(
    dataset=dict(dataset=dict(type=named, pipeline=train_pipeline)))
val_dataloader = dict(dataset=dict(type=named, pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(type=named, pipeline=test_pipeline))
