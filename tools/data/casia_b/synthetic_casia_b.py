# Copyright (c) aclnet-mm contributors. All rights reserved.
"""A synthetic CASIA-B in GaitGraph's pose-CSV format, for tests and demos.

Each subject is a COCO-17 walker with its own body proportions, posture
and stride; views squeeze the walk horizontally (and mirror it past
90 degrees), bags shift the wrists and coats widen the torso. Identities
are separable, so a retrieval model trained on some subjects ranks the
others well above chance.
"""
import csv
from typing import Sequence

import numpy as np

__all__ = ['write_synthetic_gaitgraph_csv']

# A standing COCO-17 figure in pixels (x right, y down), nose at (0, -80).
_TEMPLATE = np.array(
    [[0, -80], [-4, -84], [4, -84], [-8, -82], [8, -82], [-16, -60], [16, -60],
     [-20, -35], [20, -35], [-22, -12], [22, -12], [-10, -5], [10, -5],
     [-11, 30], [11, 30], [-12, 65], [12, 65]],
    dtype=np.float64)
_CONDS = (('nm', 6), ('bg', 2), ('cl', 2))


def write_synthetic_gaitgraph_csv(path: str,
                                  num_subjects: int = 8,
                                  views: Sequence[int] = (0, 90, 180),
                                  frames: Sequence[int] = (20, 32),
                                  noise: float = 1.0,
                                  seed: int = 0) -> str:
    """Write a CASIA-B-shaped pose CSV as GaitGraph's preparation does.

    Every subject (``001``...) has the 10 CASIA-B walks (nm 1-6, bg 1-2,
    cl 1-2) at every view; each walk has a random length in ``frames``
    (inclusive), so setting the low end under the clip length exercises
    the short-sequence policy.

    Args:
        path (str): The CSV to write.
        num_subjects (int): Subjects. Defaults to 8.
        views (Sequence[int]): Views in degrees. Defaults to
            ``(0, 90, 180)``.
        frames (Sequence[int]): ``(min, max)`` walk lengths. Defaults to
            ``(20, 32)``.
        noise (float): Per-joint Gaussian noise in pixels. Defaults to 1.
        seed (int): Random seed. Defaults to 0.

    Returns:
        str: ``path``.
    """
    rng = np.random.default_rng(seed)
    subjects = [
        dict(
            shape=rng.uniform(0.75, 1.25, size=(17, 2)),
            posture=rng.normal(0, 6, size=(17, 2)),
            stride=rng.uniform(0.2, 0.5),
            swing=rng.uniform(8, 20)) for _ in range(num_subjects)
    ]
    legs = np.zeros((17, 2))
    legs[[13, 15], 0], legs[[14, 16], 0] = 1, -1
    arms = np.zeros((17, 2))
    arms[[7, 9], 0], arms[[8, 10], 0] = -0.6, 0.6
    header = ['image_name'] + [
        f'{axis}{j}' for j in range(17) for axis in ('x', 'y', 'conf')
    ]
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for sid, subject in enumerate(subjects, start=1):
            for cond, num_seqs in _CONDS:
                for seq in range(1, num_seqs + 1):
                    for view in views:
                        name = f'{sid:03d}-{cond}-{seq:02d}-{view:03d}'
                        length = int(rng.integers(frames[0], frames[1] + 1))
                        phase = rng.uniform(0, 2 * np.pi)
                        for t in range(length):
                            pose = _TEMPLATE * subject['shape'] + subject[
                                'posture']
                            swing = np.sin(phase + subject['stride'] * t)
                            pose = pose + subject['swing'] * swing * (
                                legs + arms)
                            if cond == 'bg':
                                pose[[9, 10], 1] += 8
                            elif cond == 'cl':
                                pose[[5, 6, 11, 12], 0] *= 1.2
                            angle = np.deg2rad(view)
                            pose[:, 0] *= 0.75 + 0.25 * abs(np.cos(angle))
                            if view > 90:
                                pose[:, 0] *= -1
                            pose += rng.normal(0, noise, size=pose.shape)
                            pose += (160 + 2 * t, 130)
                            conf = rng.uniform(0.6, 1.0, size=(17, 1))
                            values = np.concatenate([pose, conf], axis=1)
                            writer.writerow(
                                [f'./{name}/{t:06d}.jpg'] +
                                [f'{v:.3f}' for v in values.reshape(-1)])
    return path
