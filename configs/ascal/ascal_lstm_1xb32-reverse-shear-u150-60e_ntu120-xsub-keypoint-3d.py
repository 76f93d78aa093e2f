# AS-CAL pretraining on NTU120 xsub: the NTU-60 x-sub recipe on another
# split (see the base config).
_base_ = [
    './ascal_lstm_1xb32-reverse-shear-u150-60e_ntu60-xsub-keypoint-3d.py'
]

ann_file = 'data/skeleton/ntu120_3d.pkl'
train_split = 'xsub_train'
test_split = 'xsub_val'

train_dataloader = dict(dataset=dict(ann_file=ann_file, split=train_split))
knn_bank = dict(
    type='SkeletonPoseDataset',
    ann_file=ann_file,
    split=train_split,
    class_range=(0., 0.95),
    extra_info=dict(knn_bank=True),
    pipeline={{_base_.feature_pipeline}},
    test_mode=True)
val_queries = dict(
    knn_bank, class_range=(0.95, 1.), extra_info=dict(knn_bank=False))
test_queries = dict(
    knn_bank,
    split=test_split,
    class_range=(0., 1.),
    extra_info=dict(knn_bank=False))
val_dataloader = dict(
    dataset=dict(type='ConcatDataset', datasets=[knn_bank, val_queries]))
test_dataloader = dict(
    dataset=dict(type='ConcatDataset', datasets=[knn_bank, test_queries]))
