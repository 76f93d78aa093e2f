# Copyright (c) aclnet-mm contributors. All rights reserved.
from .ascal_augment import (SkeletonAxisMask, SkeletonAxisRotate,
                            SkeletonCentre, SkeletonFirstFrames,
                            SkeletonGaussianNoise, SkeletonJointMask,
                            SkeletonReverse, SkeletonShear,
                            SkeletonTemporalBlur, axis_rotation, shear_matrix)
from .coco_new import CocoToCocoNew
from .pre_normalize import FastPreNormalize3D
from .pyskl_sampling import PysklUniformSample
from .skeleton_flip import SkeletonFlip
from .skeleton_part_drop import BODY_PARTS, SkeletonPartDrop
from .skeleton_rotate import RandomSkeletonRotate, euler_rotation
from .skeleton_scale import RandomSkeletonScale
from .skeleton_streams import GenSkeletonStreams
from .two_view import SkeletonTwoView

__all__ = [
    'BODY_PARTS', 'CocoToCocoNew', 'GenSkeletonStreams',
    'RandomSkeletonRotate', 'RandomSkeletonScale', 'SkeletonFlip',
    'SkeletonPartDrop', 'euler_rotation', 'SkeletonAxisMask',
    'SkeletonAxisRotate', 'SkeletonCentre', 'SkeletonFirstFrames',
    'SkeletonGaussianNoise', 'SkeletonJointMask', 'SkeletonReverse',
    'SkeletonShear', 'SkeletonTemporalBlur', 'SkeletonTwoView',
    'axis_rotation', 'shear_matrix', 'FastPreNormalize3D', 'PysklUniformSample'
]
