# Copyright (c) aclnet-mm contributors. All rights reserved.
from . import embedded, transforms  # noqa: F401
from .synthetic import (dump_synthetic_skeleton_dataset,
                        make_synthetic_skeleton_dataset)

__all__ = [
    'transforms', 'embedded', 'make_synthetic_skeleton_dataset',
    'dump_synthetic_skeleton_dataset'
]
