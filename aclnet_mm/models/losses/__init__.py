# Copyright (c) aclnet-mm contributors. All rights reserved.
from .affinity_contrastive_loss import AffinityContrastiveLoss
from .margin_contrastive_loss import MarginContrastiveLoss

__all__ = ['AffinityContrastiveLoss', 'MarginContrastiveLoss']
