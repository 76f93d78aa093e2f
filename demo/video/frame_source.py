# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Frames from a video file, a webcam, an image or a folder of images."""
import glob
import os.path as osp
from typing import Iterator, Optional, Union

import numpy as np

__all__ = ['FrameSource', 'IMAGE_EXTENSIONS']

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


class FrameSource:
    """Iterate over the BGR frames of a source.

    Args:
        source (str | int): A video file, a webcam index (``0`` or
            ``'0'``), an image file or a folder of images (sorted by name).
        max_frames (int, optional): Stop after this many frames.
        fps (float, optional): Frames per second to report for image
            folders and webcams that do not say. Defaults to 25 for
            webcams, 10 for images.

    Attributes:
        kind (str): ``'video'``, ``'webcam'``, ``'image'`` or ``'folder'``.
        fps (float): The source's frame rate.
        num_frames (int | None): Frames to expect, None for a webcam.
        width, height (int): Frame size.
    """

    def __init__(self,
                 source: Union[str, int],
                 max_frames: Optional[int] = None,
                 fps: Optional[float] = None) -> None:
        import cv2
        self._cv2 = cv2
        self.source = source
        self.max_frames = max_frames
        self._capture = None
        self._files = None
        if isinstance(source, int) or (isinstance(source, str)
                                       and source.isdigit()):
            self.kind = 'webcam'
            self._capture = cv2.VideoCapture(int(source))
            if not self._capture.isOpened():
                raise FileNotFoundError(f'cannot open webcam {source}')
            total = None
            self.fps = fps or self._capture.get(cv2.CAP_PROP_FPS) or 25.0
        elif osp.isdir(source):
            self.kind = 'folder'
            self._files = sorted(
                f for f in glob.glob(osp.join(source, '*'))
                if osp.splitext(f)[1].lower() in IMAGE_EXTENSIONS)
            if not self._files:
                raise FileNotFoundError(
                    f'{source}: no image ({", ".join(IMAGE_EXTENSIONS)}) in '
                    'this folder')
            total = len(self._files)
            self.fps = fps or 10.0
        elif osp.isfile(source):
            if osp.splitext(source)[1].lower() in IMAGE_EXTENSIONS:
                self.kind = 'image'
                self._files = [source]
                total = 1
                self.fps = fps or 10.0
            else:
                self.kind = 'video'
                self._capture = cv2.VideoCapture(source)
                if not self._capture.isOpened():
                    raise ValueError(f'{source}: OpenCV cannot read this '
                                     'video')
                total = int(self._capture.get(
                    cv2.CAP_PROP_FRAME_COUNT)) or None
                self.fps = fps or self._capture.get(cv2.CAP_PROP_FPS) or 25.0
        else:
            raise FileNotFoundError(
                f'no such video, image or folder: {source!r} (a webcam is '
                'given by its index, e.g. 0)')
        if total is not None and max_frames is not None:
            total = min(total, max_frames)
        self.num_frames = total
        first = self._peek()
        self.height, self.width = first.shape[:2]

    def _read_file(self, path: str) -> np.ndarray:
        frame = self._cv2.imread(path, self._cv2.IMREAD_COLOR)
        if frame is None:
            raise ValueError(f'{path}: not a readable image')
        return frame

    def _peek(self) -> np.ndarray:
        if self._files is not None:
            return self._read_file(self._files[0])
        ok, frame = self._capture.read()
        if not ok:
            raise ValueError(f'{self.source}: no frame could be read')
        self._first = frame
        return frame

    def __iter__(self) -> Iterator[np.ndarray]:
        count = 0
        if self._files is not None:
            for path in self._files:
                if self.max_frames is not None and count >= self.max_frames:
                    return
                frame = self._read_file(path)
                if frame.shape[:2] != (self.height, self.width):
                    frame = self._cv2.resize(frame, (self.width, self.height))
                count += 1
                yield frame
            return
        frame, self._first = self._first, None
        while frame is not None:
            if self.max_frames is not None and count >= self.max_frames:
                return
            count += 1
            yield frame
            ok, frame = self._capture.read()
            if not ok:
                frame = None

    def close(self) -> None:
        """Release the video or webcam."""
        if self._capture is not None:
            self._capture.release()
            self._capture = None
