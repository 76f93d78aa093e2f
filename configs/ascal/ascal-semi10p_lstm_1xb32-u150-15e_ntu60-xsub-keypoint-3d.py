# AS-CAL semi-supervised fine-tuning with 10 % of the labels (the first
# int(0.1 * N / C) samples of every class): 15 epochs, lr x0.5 at epoch 8
# (the reference's linEval.py); otherwise as the 1 % config, with no
# 100 %-label second stage.
_base_ = ['./ascal-semi1p_lstm_1xb32-u150-35e_ntu60-xsub-keypoint-3d.py']

train_dataloader = dict(dataset=dict(label_rate=0.1))
train_cfg = dict(max_epochs=15)
param_scheduler = [
    dict(type='MultiStepLR', milestones=[8], gamma=0.5, by_epoch=True)
]
