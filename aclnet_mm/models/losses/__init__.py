# Copyright (c) aclnet-mm contributors. All rights reserved.
from .affinity_contrastive_loss import AffinityContrastiveLoss
from .class_prototype_contrastive_loss import ClassPrototypeContrastiveLoss
from .info_nce_loss import InfoNCELoss, info_nce_logits
from .margin_contrastive_loss import MarginContrastiveLoss
from .temperature_policy import LinearTemperature, StepTemperature

__all__ = [
    'AffinityContrastiveLoss', 'ClassPrototypeContrastiveLoss',
    'MarginContrastiveLoss', 'InfoNCELoss', 'info_nce_logits',
    'StepTemperature', 'LinearTemperature'
]
