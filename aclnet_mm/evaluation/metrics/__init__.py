# Copyright (c) aclnet-mm contributors. All rights reserved.
from .knn_metric import KNNAccuracy, knn_predict

__all__ = ['KNNAccuracy', 'knn_predict']
