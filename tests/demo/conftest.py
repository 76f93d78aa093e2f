# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Real footage and the pose estimator for the video demo's tests.

The tests import the demo's package ``demo/video`` as ``video``, as
``demo/demo_skeleton.py`` does: :func:`tool_scripts.add_demo_path`.
"""
import os
import os.path as osp

import pytest
from tool_scripts import REPO_ROOT as ROOT
from tool_scripts import add_demo_path

add_demo_path()
#: Where `make footage` (tools/data/footage/fetch_opencv_samples.sh) puts
#: Debian opencv-doc's sample data; an installed opencv-doc also serves.
FOOTAGE_DIRS = (
    os.environ.get('ACLNET_MM_FOOTAGE', ''),
    osp.join(ROOT, 'data', 'footage', 'opencv'),
    '/usr/share/doc/opencv-doc/examples/data',
)
FETCH_HINT = ('run `make footage` (tools/data/footage/fetch_opencv_samples.sh'
              ', which fetches the Debian package opencv-doc with apt-get)')


def find_footage(name: str) -> str:
    """Path of an opencv-doc sample, or skip the test saying why."""
    for folder in FOOTAGE_DIRS:
        path = osp.join(folder, name) if folder else ''
        if path and osp.isfile(path):
            return path
    pytest.skip(f'real footage {name} is not here: {FETCH_HINT}')


@pytest.fixture
def footage():
    """``footage(name)``: the path of a sample, or a skip saying why."""
    return find_footage


def needs_pose_stack():
    """Skip unless the demo's pose stack (mediapipe 0.10.14, OpenCV 4.x
    with HOG) is installed."""
    try:
        import cv2
        import mediapipe  # noqa: F401
    except ImportError as err:
        pytest.skip(f'the demo requirements are not installed ({err}): '
                    'make install')
    if not hasattr(cv2, 'HOGDescriptor'):
        pytest.skip(f'OpenCV {cv2.__version__} has no HOGDescriptor: '
                    'pip install -r requirements/demo.txt')


@pytest.fixture
def pose_stack():
    """Skip unless mediapipe and OpenCV 4.x are installed."""
    needs_pose_stack()


@pytest.fixture(scope='module')
def blazepose():
    """One BlazePose estimator for a test module (its graph takes ~1 s)."""
    needs_pose_stack()
    from video import BlazePoseEstimator
    with BlazePoseEstimator() as estimator:
        yield estimator
