# Copyright (c) aclnet-mm contributors. All rights reserved.
# Ablation on the embedded data (tools/ablation.py, docs/advanced_guides/ablation.md):
# ACLNet with the continuous (piecewise-linear) temperature policy instead
# of the authors' step function; everything else is the demo's ACLNet
# config, which this file inherits (../aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d.py).
from mmengine.config import read_base

with read_base():
    from ..aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa: F401,F403,E501

from aclnet_mm.models import LinearTemperature

model.cls_head.loss_inter.update(
    temperature_policy=dict(type=LinearTemperature))
