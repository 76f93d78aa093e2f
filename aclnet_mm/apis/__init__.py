# Copyright (c) aclnet-mm contributors. All rights reserved.
from .inference import (InferenceResult, SkeletonInput, inference_skeleton,
                        inference_skeleton_streams, init_recognizer,
                        load_skeleton, model_expectations, prepare_skeleton)
from .tracker import PoseTracker

__all__ = [
    'InferenceResult', 'SkeletonInput', 'inference_skeleton',
    'inference_skeleton_streams', 'init_recognizer', 'load_skeleton',
    'model_expectations', 'prepare_skeleton', 'PoseTracker'
]
