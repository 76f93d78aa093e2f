# Copyright (c) aclnet-mm contributors. All rights reserved.
# Ablation on the embedded data (tools/ablation.py, docs/ablation.md):
# CE + the inter-class affinity loss only; everything else is the demo's
# ACLNet config.
_base_ = '../aclnet_aclgcn_1xb16-joint-u24-30e_body25-embedded-keypoint-2d.py'

model = dict(cls_head=dict(loss_intra=None))
