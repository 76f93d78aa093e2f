# Copyright (c) aclnet-mm contributors. All rights reserved.
from .margin_contrastive_loss import MarginContrastiveLoss

__all__ = ['MarginContrastiveLoss']
