# Copyright (c) aclnet-mm contributors. All rights reserved.
from .cpu_threads_hook import CpuThreadsHook, auto_cpu_threads
from .momentum_encoder_hook import MomentumEncoderHook
from .non_finite_loss_hook import NonFiniteLossHook
from .plain_message_hub_hook import PlainMessageHubHook
from .preemption_hook import REQUEUE_EXIT_CODE, PreemptionHook
from .queue_warmup_hook import QueueWarmupHook
from .resolve_auto_settings_hook import ResolveAutoSettingsHook, auto_settings
from .resume_schedule_hook import ResumeScheduleHook
from .superclass_refresh_hook import (SuperclassRefreshHook,
                                      find_affinity_losses)
from .temperature_schedule_hook import TemperatureScheduleHook
from .test_after_train_hook import TestAfterTrainHook

__all__ = [
    'SuperclassRefreshHook', 'TemperatureScheduleHook', 'find_affinity_losses',
    'MomentumEncoderHook', 'QueueWarmupHook', 'NonFiniteLossHook',
    'PlainMessageHubHook', 'PreemptionHook', 'REQUEUE_EXIT_CODE',
    'ResumeScheduleHook', 'ResolveAutoSettingsHook', 'auto_settings',
    'TestAfterTrainHook', 'CpuThreadsHook', 'auto_cpu_threads'
]
