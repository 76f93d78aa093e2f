# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The small interface every pose estimator of the video demo implements.

An estimator takes one BGR frame and returns the people it found, each as a
:class:`PersonPose` in pixel coordinates of that frame, in the estimator's
own keypoint layout (``'blazepose'``: 33 landmarks, ``'coco'``: 17); the
demo maps them to the model's layout with
:func:`~video.landmarks.map_keypoints`.
"""
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import Callable, Dict, List

import numpy as np

__all__ = [
    'PersonPose', 'BasePoseEstimator', 'register_pose_estimator',
    'build_pose_estimator', 'list_pose_estimators'
]


@dataclass
class PersonPose:
    """One person in one frame.

    Attributes:
        bbox (np.ndarray): ``(4, )`` box ``x1, y1, x2, y2`` in pixels.
        bbox_score (float): The detector's confidence.
        keypoint (np.ndarray): ``(K, 2)`` pixel coordinates.
        keypoint_score (np.ndarray): ``(K, )`` scores in ``[0, 1]``.
        source (str): The keypoint layout, ``'blazepose'`` or ``'coco'``.
    """
    bbox: np.ndarray
    bbox_score: float
    keypoint: np.ndarray
    keypoint_score: np.ndarray
    source: str = 'blazepose'


class BasePoseEstimator(metaclass=ABCMeta):
    """Frame in, people with keypoints out.

    Subclasses set :attr:`source` (their keypoint layout) and implement
    :meth:`__call__`. ``close`` frees native resources.
    """

    source: str = 'blazepose'

    @abstractmethod
    def __call__(self, frame: np.ndarray) -> List[PersonPose]:
        """Find the people in a BGR ``(H, W, 3)`` uint8 frame."""

    def close(self) -> None:
        """Release what the estimator holds (models, sessions)."""

    def __enter__(self) -> 'BasePoseEstimator':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_ESTIMATORS: Dict[str, Callable[..., BasePoseEstimator]] = {}


def register_pose_estimator(name: str):
    """Class decorator: make an estimator buildable by ``name``."""

    def wrap(cls):
        if name in _ESTIMATORS:
            raise KeyError(f'pose estimator {name!r} is already registered')
        _ESTIMATORS[name] = cls
        return cls

    return wrap


def list_pose_estimators() -> List[str]:
    """Names accepted by :func:`build_pose_estimator`."""
    return sorted(_ESTIMATORS)


def build_pose_estimator(name: str, **kwargs) -> BasePoseEstimator:
    """Build a registered pose estimator.

    Args:
        name (str): E.g. ``'blazepose'`` or ``'mmpose'``.
        **kwargs: Its constructor's arguments.

    Returns:
        BasePoseEstimator: The estimator.
    """
    if name not in _ESTIMATORS:
        raise KeyError(f'unknown pose estimator {name!r}; known: '
                       f'{", ".join(list_pose_estimators())}')
    return _ESTIMATORS[name](**kwargs)
