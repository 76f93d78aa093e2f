# Copyright (c) aclnet-mm contributors. All rights reserved.
# Ablation on the embedded data (tools/ablation.py, docs/ablation.md):
# CE + the intra-class margin loss only. Without the inter-class loss there
# are no superclasses and no temperatures, so their hooks go too.
_base_ = '../aclnet_aclgcn_1xb16-joint-u24-30e_body25-embedded-keypoint-2d.py'

model = dict(cls_head=dict(loss_inter=None))
custom_hooks = []
