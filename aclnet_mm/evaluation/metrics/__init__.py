# Copyright (c) aclnet-mm contributors. All rights reserved.
from .gait_metric import GaitRank1Metric, format_gait_table
from .knn_metric import KNNAccuracy, knn_predict
from .reid_metric import ReIDMetric

__all__ = [
    'KNNAccuracy', 'knn_predict', 'GaitRank1Metric', 'format_gait_table',
    'ReIDMetric'
]
