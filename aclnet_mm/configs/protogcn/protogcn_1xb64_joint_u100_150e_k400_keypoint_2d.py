# Copyright (c) aclnet-mm contributors. All rights reserved.
# ProtoGCN, Kinetics-400 skeletons (PYSKL HRNet 2D), joint stream; training
# augmentation: 2D flip. The recipe of every stream of this data set: the
# other streams inherit this file and change ``stream``. Reference (the
# authors' model doc, 10-clip test, checkpoint picked on the test split; not
# reproduced here): 48.02 top-1, six-stream ensemble 51.85. Inherits:
# _base_/models/protogcn.py, _base_/datasets/k400_2d.py,
# _base_/schedules/sgd_nesterov_cosine_150e.py, _base_/default_runtime.py.
# The authors' ProtoGCN configs of this data set have the data, per-stream
# augmentations, clips and schedule of their ACLNet ones (checked stream by
# stream), which these fragments state.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.k400_2d import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.protogcn import *  # noqa: F401,F403
    from .._base_.schedules.sgd_nesterov_cosine_150e import *  # noqa: F401,F403,E501

# The data set's classes, layout (20 joints) and channels; the
# authors' number of prototypes and loss weight of the stream.
model.backbone.update(
    in_channels=in_channels,
    graph_cfg=dict(layout=layout),
    num_prototype=proto_settings[stream][0])
model.cls_head.update(
    num_classes=num_classes,
    num_nodes=20,
    loss_proto_weight=proto_settings[stream][1])

# The authors' K400 recipe: batch 64 at lr 0.1 on one GPU.
optim_wrapper.optimizer.update(lr=0.1)
auto_scale_lr.update(base_batch_size=64)

# Best top-1 on the carved validation split (not on the test split).
default_hooks.checkpoint.update(
    save_best='acc/top1', rule='greater', max_keep_ckpts=1)
