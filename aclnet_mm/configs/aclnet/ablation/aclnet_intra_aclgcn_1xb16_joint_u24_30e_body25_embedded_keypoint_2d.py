# Copyright (c) aclnet-mm contributors. All rights reserved.
# Ablation on the embedded data (tools/ablation.py, docs/advanced_guides/ablation.md):
# CE + the intra-class margin loss only. Without the inter-class loss there
# are no superclasses and no temperatures, so ACLNet's hooks go too.
# Everything else is the demo's ACLNet config, which this file inherits
# (../aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py).
from mmengine.config import read_base

with read_base():
    from ..aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa: F401,F403,E501

model.cls_head.loss_inter = None
custom_hooks = []
