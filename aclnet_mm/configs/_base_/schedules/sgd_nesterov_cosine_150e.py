# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet's reference schedule: SGD (Nesterov) lr 0.025 at batch 16 on one
# GPU, weight decay 5e-4 on every parameter, cosine annealing to 0 per
# iteration, no warm-up, 150 epochs, validation after every epoch.
# Inherits nothing.
from mmengine.optim import CosineAnnealingLR
from mmengine.runner import TestLoop, ValLoop
from torch.optim import SGD

from aclnet_mm.engine import ResumableEpochBasedTrainLoop

train_cfg = dict(
    type=ResumableEpochBasedTrainLoop,
    max_epochs=150,
    val_begin=1,
    val_interval=1)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)

param_scheduler = [
    dict(
        type=CosineAnnealingLR,
        eta_min=0,
        T_max=150,
        by_epoch=True,
        convert_to_iter_based=True)
]

optim_wrapper = dict(
    optimizer=dict(
        type=SGD, lr=0.025, momentum=0.9, weight_decay=5e-4, nesterov=True))

# The reference batch: 1 GPU x 16 samples.
auto_scale_lr = dict(enable=False, base_batch_size=16)
