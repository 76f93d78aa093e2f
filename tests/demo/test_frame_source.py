# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Frames from a video, an image and a folder of images."""
import numpy as np
import pytest
from video.frame_source import FrameSource


def test_folder_and_image(tmp_path, pose_stack):
    import cv2
    for i in range(3):
        frame = np.full((40, 60, 3), 50 * i, np.uint8)
        cv2.imwrite(str(tmp_path / f'{i:03d}.png'), frame)
    (tmp_path / 'notes.txt').write_text('not an image')
    source = FrameSource(str(tmp_path))
    assert source.kind == 'folder' and source.num_frames == 3
    frames = list(source)
    assert [int(f[0, 0, 0]) for f in frames] == [0, 50, 100]
    assert (source.width, source.height) == (60, 40)
    assert len(list(FrameSource(str(tmp_path), max_frames=2))) == 2
    image = FrameSource(str(tmp_path / '001.png'))
    assert image.kind == 'image' and len(list(image)) == 1


def test_video(pose_stack, footage):
    source = FrameSource(footage('vtest.avi'), max_frames=5)
    assert source.kind == 'video' and source.num_frames == 5
    assert (source.width, source.height, source.fps) == (768, 576, 10)
    frames = list(source)
    assert len(frames) == 5 and frames[0].shape == (576, 768, 3)
    source.close()


def test_errors(tmp_path, pose_stack):
    with pytest.raises(FileNotFoundError, match='webcam is given by its'):
        FrameSource(str(tmp_path / 'missing.avi'))
    with pytest.raises(FileNotFoundError, match='no image'):
        FrameSource(str(tmp_path))
    bad = tmp_path / 'broken.avi'
    bad.write_bytes(b'not a video')
    with pytest.raises(ValueError, match='broken.avi'):
        FrameSource(str(bad))
