# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Input checks shared by the skeleton transforms."""
from typing import Dict


def check_score_shape(results: Dict, transform: str) -> None:
    """Refuse a ``keypoint_score`` that does not match ``keypoint``.

    ``keypoint_score`` holds one value per person, frame and joint, so its
    shape must be ``keypoint.shape[:-1]``. A transform that indexes both
    arrays alike would otherwise fail with an obscure ``IndexError`` or,
    worse, silently pair scores with the wrong joints.

    Args:
        results (dict): The result dict; nothing is checked without a
            ``keypoint_score``.
        transform (str): The transform's name, for the message.

    Raises:
        ValueError: The shapes do not match; the message names both.
    """
    score = results.get('keypoint_score')
    if score is None:
        return
    keypoint = results['keypoint']
    if score.shape != keypoint.shape[:-1]:
        raise ValueError(f'{transform}: keypoint_score has shape '
                         f'{score.shape}, keypoint {keypoint.shape}: '
                         f'expected {keypoint.shape[:-1]}')
