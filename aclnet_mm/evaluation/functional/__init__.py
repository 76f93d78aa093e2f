# Copyright (c) aclnet-mm contributors. All rights reserved.
from .fusion import (FUSION_PRESETS, StreamScores, average_streams,
                     check_streams_aligned, fuse_scores, fusion_report,
                     load_stream_scores, mean_class_accuracy,
                     search_fusion_weights, softmax, top_k_accuracy)
from .retrieval import (DISTANCES, average_precision, gait_rank1,
                        pairwise_distance, reid_rank_map)
from .statistics import (bootstrap_ci, bootstrap_means,
                         minimum_detectable_difference, paired_comparison)

__all__ = [
    'StreamScores', 'load_stream_scores', 'check_streams_aligned', 'softmax',
    'fuse_scores', 'top_k_accuracy', 'mean_class_accuracy', 'fusion_report',
    'FUSION_PRESETS', 'average_streams', 'search_fusion_weights', 'DISTANCES',
    'average_precision', 'gait_rank1', 'pairwise_distance', 'reid_rank_map',
    'bootstrap_means', 'bootstrap_ci', 'paired_comparison',
    'minimum_detectable_difference'
]
