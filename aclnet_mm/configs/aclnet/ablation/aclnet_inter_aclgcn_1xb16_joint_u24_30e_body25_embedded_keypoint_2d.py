# Copyright (c) aclnet-mm contributors. All rights reserved.
# Ablation on the embedded data (tools/ablation.py, docs/advanced_guides/ablation.md):
# CE + the inter-class affinity loss only; everything else is the demo's
# ACLNet config, which this file inherits (../aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py).
from mmengine.config import read_base

with read_base():
    from ..aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa: F401,F403,E501

model.cls_head.loss_intra = None
