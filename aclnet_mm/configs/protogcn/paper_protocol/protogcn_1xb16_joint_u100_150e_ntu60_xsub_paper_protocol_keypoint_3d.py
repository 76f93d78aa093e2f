# Copyright (c) aclnet-mm contributors. All rights reserved.
# The authors' protocol (_base_/paper_protocol.py; the ProtoGCN authors
# train and validate as the ACLNet ones do) on NTU RGB+D 60 X-Sub, joint
# stream: train on all of 'xsub_train', validate and pick the checkpoint on
# 'xsub_val', test the last and the best checkpoint, PYSKL's test-time
# sampling. Inherits the benchmark config
# protogcn_1xb16_joint_u100_150e_ntu60_xsub_keypoint_3d.py and
# _base_/paper_protocol.py; the lines below are the same for every
# benchmark and stream (change the first import only).
from mmengine.config import read_base

with read_base():
    from ..._base_.paper_protocol import *  # noqa: F401,F403
    from ..protogcn_1xb16_joint_u100_150e_ntu60_xsub_keypoint_3d import *  # noqa: F401,F403,E501

train_dataloader.dataset.update(carve=None)
val_dataloader.dataset.update(carve=None, split=test_split)
val_dataloader.dataset.pipeline[test_sampler_index].update(
    paper_sampler, short_clips=pyskl_short_clips)
test_dataloader.dataset.pipeline[test_sampler_index].update(
    paper_sampler, short_clips=pyskl_short_clips)
custom_hooks += paper_hooks
