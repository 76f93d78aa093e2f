# AS-CAL 10 % semi-supervised fine-tuning on NTU120 xset (see the base config).
_base_ = ['./ascal-semi10p_lstm_1xb32-u150-15e_ntu60-xsub-keypoint-3d.py']

ann_file = 'data/skeleton/ntu120_3d.pkl'
train_split = 'xset_train'
test_split = 'xset_val'
pretrained = 'work_dirs/ascal_lstm_1xb32-reverse-shear-u150-60e_ntu120-xset-keypoint-3d/epoch_60.pth'  # noqa: E501

model = dict(
    backbone=dict(init_cfg=dict(checkpoint=pretrained)),
    cls_head=dict(num_classes=120))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split=train_split, num_classes=120))
val_dataloader = dict(dataset=dict(ann_file=ann_file, split=train_split))
test_dataloader = dict(dataset=dict(ann_file=ann_file, split=test_split))
