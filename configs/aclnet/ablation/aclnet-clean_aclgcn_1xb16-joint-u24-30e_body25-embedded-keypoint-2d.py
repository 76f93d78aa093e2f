# Copyright (c) aclnet-mm contributors. All rights reserved.
# Ablation on the embedded data (tools/ablation.py, docs/ablation.md):
# ACLNet with both losses in their cleaned arithmetic (``faithful=False``,
# README "Faithful and clean modes"); everything else is the demo's ACLNet.
_base_ = '../aclnet_aclgcn_1xb16-joint-u24-30e_body25-embedded-keypoint-2d.py'

model = dict(
    cls_head=dict(
        loss_inter=dict(faithful=False), loss_intra=dict(faithful=False)))
