# Copyright (c) aclnet-mm contributors. All rights reserved.
from .fusion import (StreamScores, check_streams_aligned, fuse_scores,
                     fusion_report, load_stream_scores, mean_class_accuracy,
                     softmax, top_k_accuracy)

__all__ = [
    'StreamScores', 'load_stream_scores', 'check_streams_aligned', 'softmax',
    'fuse_scores', 'top_k_accuracy', 'mean_class_accuracy', 'fusion_report'
]
