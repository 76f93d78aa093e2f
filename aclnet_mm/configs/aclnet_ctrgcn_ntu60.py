# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet on CTR-GCN, NTU RGB+D 60 cross-subject, joint stream: the entry
# config. The authors' hyper-parameters: SGD Nesterov lr 0.025 at batch 16,
# weight decay 5e-4, per-iteration cosine over 150 epochs, 10 neighbours,
# overlap above 4, temperature buckets 10 / 20, queue 512, confusion
# statistics from epoch 30 and the inter-class loss from 31.
# Inherits: _base_/models/aclnet_ctrgcn.py, _base_/datasets/ntu60_xsub_3d.py,
# _base_/schedules/sgd_nesterov_cosine_150e.py, _base_/default_runtime.py,
# _base_/aclnet_hooks.py.
#
#   mim train mmaction configs/aclnet_ctrgcn_ntu60.py
#   python tools/train.py configs/aclnet_ctrgcn_ntu60.py
#   bash tools/dist_train.sh configs/aclnet_ctrgcn_ntu60.py 8
from mmengine.config import read_base

with read_base():
    from ._base_.aclnet_hooks import *  # noqa: F401,F403
    from ._base_.datasets.ntu60_xsub_3d import *  # noqa: F401,F403
    from ._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.models.aclnet_ctrgcn import *  # noqa: F401,F403
    from ._base_.schedules.sgd_nesterov_cosine_150e import *  # noqa: F401,F403

model.cls_head.update(num_classes=num_classes, num_nodes=25)
model.cls_head.loss_intra.update(queue_size=512)
custom_hooks[1].update(start_epoch=30)  # SuperclassRefreshHook
