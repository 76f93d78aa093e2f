# ACLNet on CTR-GCN, NTU RGB+D 60 cross-subject, joint stream: the entry
# config. Reference hyper-parameters (ACLNet code): SGD Nesterov lr 0.025 at
# batch 16, weight decay 5e-4, per-iteration cosine over 150 epochs, queue
# 512, confusion statistics from epoch 30 and the inter-class loss from 31.
#
#   mim train mmaction configs/aclnet_ctrgcn_ntu60.py
#   python tools/train.py configs/aclnet_ctrgcn_ntu60.py
#   bash tools/dist_train.sh configs/aclnet_ctrgcn_ntu60.py 8
_base_ = [
    '_base_/models/aclnet_ctrgcn.py',
    '_base_/datasets/ntu60_xsub_3d_joint.py',
    '_base_/schedules/sgd_nesterov_cosine_150e.py',
    '_base_/default_runtime.py',
]

custom_hooks = [
    dict(type='SuperclassRefreshHook', start_epoch=30, interval=1),
    dict(type='TemperatureScheduleHook'),
]

# Inactive auxiliary losses return an in-graph zero, so DDP needs no
# unused-parameter search.
find_unused_parameters = False
