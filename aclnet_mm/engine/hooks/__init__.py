# Copyright (c) aclnet-mm contributors. All rights reserved.
from .superclass_refresh_hook import (SuperclassRefreshHook,
                                      find_affinity_losses)
from .temperature_schedule_hook import TemperatureScheduleHook

__all__ = [
    'SuperclassRefreshHook', 'TemperatureScheduleHook', 'find_affinity_losses'
]
