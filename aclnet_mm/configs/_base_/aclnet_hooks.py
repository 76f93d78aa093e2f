# Copyright (c) aclnet-mm contributors. All rights reserved.
# ACLNet's hooks, the authors' schedule: confusion statistics from epoch 30,
# the inter-class loss from epoch 31, superclasses rebuilt at each epoch
# start, the temperature policy told the training progress. A config may set
# `start_epoch='auto'` (or 'auto' settings on AffinityContrastiveLoss):
# ResolveAutoSettingsHook resolves them from the training set and
# `max_epochs` before training and logs what it chose (a no-op when nothing
# is 'auto'). Inherits nothing.
from aclnet_mm.engine import (ResolveAutoSettingsHook, SuperclassRefreshHook,
                              TemperatureScheduleHook)

custom_hooks = [
    dict(type=ResolveAutoSettingsHook),
    dict(type=SuperclassRefreshHook, start_epoch=30, interval=1),
    dict(type=TemperatureScheduleHook),
]

# Inactive auxiliary losses return an in-graph zero, so DDP needs no
# unused-parameter search.
find_unused_parameters = False
