# Copyright (c) aclnet-mm contributors. All rights reserved.
# AS-CAL pretraining on NTU RGB+D 120 X-Set (120 classes): the NTU-60 X-Sub recipe on
# another split. Inherits ascal_lstm_1xb32_reverse_shear_u150_60e_ntu60_xsub_keypoint_3d.py.
from mmengine.config import read_base

with read_base():
    from .ascal_lstm_1xb32_reverse_shear_u150_60e_ntu60_xsub_keypoint_3d import *  # noqa: F401,F403,E501

ann_file = 'data/skeleton/ntu120_3d.pkl'
train_split = 'xset_train'
test_split = 'xset_val'
expect.update(num_classes=120)

train_dataloader.dataset.update(ann_file=ann_file, split=train_split, **expect)
knn_bank.update(ann_file=ann_file, split=train_split, **expect)
val_queries = dict(
    knn_bank, class_range=val_range, extra_info=dict(knn_bank=False))
test_queries = dict(
    knn_bank,
    split=test_split,
    class_range=(0., 1.),
    extra_info=dict(knn_bank=False))
val_dataloader.dataset.datasets = [knn_bank, val_queries]
test_dataloader.dataset.datasets = [knn_bank, test_queries]
