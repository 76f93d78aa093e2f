# AS-CAL semi-supervised fine-tuning on NTU-60 x-sub with 1 % of the labels:
# the first 1 % of each class of the training split (file order, as the
# reference), the pretrained LSTM plus a linear layer trained end to end,
# SGD lr 0.01, 35 epochs, lr x0.1 at 15 and 30. The checkpoint is chosen on
# the carved validation slice (the last 5 % of each class). Unlike the
# reference, there is no second stage that retrains the classifier on 100 %
# of the labels, so the result is a true 1 % result.
_base_ = ['./ascal-linear_lstm_1xb32-u150-90e_ntu60-xsub-keypoint-3d.py']

label_range = (0., 0.01)

model = dict(backbone=dict(frozen=False))
train_dataloader = dict(dataset=dict(class_range=label_range))
train_cfg = dict(max_epochs=35)
optim_wrapper = dict(
    optimizer=dict(lr=0.01, nesterov=False, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[15, 30], gamma=0.1, by_epoch=True)
]
