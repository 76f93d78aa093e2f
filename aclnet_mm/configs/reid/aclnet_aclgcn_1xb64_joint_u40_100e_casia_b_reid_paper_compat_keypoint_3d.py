# Copyright (c) aclnet-mm contributors. All rights reserved.
# PAPER-COMPATIBLE CASIA-B re-ID protocol (TranSG / SPC-MGR code): trains
# on all 62 training subjects, selects the checkpoint by N-N rank-1 on the
# TEST pools, and scores with the published code's quirks (rank position 0
# skipped instead of the probe's own index, self-match kept in the mAP,
# probe 0 skipped, samples beyond the last full batch of 256 dropped).
# Comparable with the published tables, optimistic by construction; use the
# clean config for honest numbers. Inherits the clean config
# aclnet_aclgcn_1xb64_joint_u40_100e_casia_b_reid_keypoint_3d.py.
from mmengine.config import read_base

with read_base():
    from .aclnet_aclgcn_1xb64_joint_u40_100e_casia_b_reid_keypoint_3d import *  # noqa: F401,F403,E501

from aclnet_mm.evaluation import ReIDMetric

protocol = 'paper_compat'
num_classes = 62
model.cls_head.update(num_classes=num_classes)
train_dataloader.dataset.update(split='train', num_classes=num_classes)
val_dataloader.dataset.update(split='test')
val_evaluator = dict(
    type=ReIDMetric, distance='euclidean', compat=True, compat_batch_size=256)
test_evaluator = val_evaluator
default_hooks.checkpoint.update(save_best='reid/N-N_rank1')
