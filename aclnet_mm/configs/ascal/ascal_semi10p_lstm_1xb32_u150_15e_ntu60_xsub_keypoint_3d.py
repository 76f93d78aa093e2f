# Copyright (c) aclnet-mm contributors. All rights reserved.
# AS-CAL semi-supervised fine-tuning on NTU-60 X-Sub with 10 % of the labels
# (the first int(0.1 * N / C) samples of every class): 15 epochs, lr x0.5 at
# epoch 8 (the authors' linEval.py); otherwise as the 1 % config it
# inherits (ascal_semi1p_lstm_1xb32_u150_35e_ntu60_xsub_keypoint_3d.py), with no 100 %-label second stage.
from mmengine.config import read_base

with read_base():
    from .ascal_semi1p_lstm_1xb32_u150_35e_ntu60_xsub_keypoint_3d import *  # noqa: F401,F403,E501

from mmengine.optim import MultiStepLR

label_rate = 0.1
train_dataloader.dataset.update(label_rate=label_rate)
train_cfg.update(max_epochs=15)
param_scheduler = [
    dict(type=MultiStepLR, milestones=[8], gamma=0.5, by_epoch=True)
]
