# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The skeleton action demo's loop.

:func:`run_video_demo` reads frames, runs a
:class:`~video.recognizer.SkeletonVideoRecognizer`, draws
each person (box, skeleton, id, action), writes the annotated video (or
image) and a JSON of the classified windows, optionally shows the frames
in a window, and prints progress and speed.
"""
import json
import os
import os.path as osp
import time
from typing import Callable, Dict, Optional, Union

from .drawing import draw_person, draw_status
from .frame_source import IMAGE_EXTENSIONS, FrameSource
from .recognizer import SkeletonVideoRecognizer

__all__ = ['run_video_demo']


class _Writer:
    """An annotated video (mp4v), or one image for a one-frame input."""

    def __init__(self, path: str, fps: float, width: int, height: int,
                 image: bool) -> None:
        import cv2
        self._cv2 = cv2
        self.path = path
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        self.image = image
        self._video = None
        if not image:
            self._video = cv2.VideoWriter(path,
                                          cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                          (width, height))
            if not self._video.isOpened():
                raise ValueError(f'{path}: OpenCV cannot write this video '
                                 '(use .mp4 or .avi)')

    def write(self, frame) -> None:
        if self.image:
            if not self._cv2.imwrite(self.path, frame):
                raise ValueError(f'{self.path}: OpenCV cannot write this '
                                 'image')
        else:
            self._video.write(frame)

    def close(self) -> None:
        if self._video is not None:
            self._video.release()


def run_video_demo(source: Union[str, int],
                   recognizer: SkeletonVideoRecognizer,
                   out_file: Optional[str] = None,
                   json_file: Optional[str] = None,
                   show: bool = False,
                   max_frames: Optional[int] = None,
                   log_interval: int = 10,
                   meta: Optional[Dict] = None,
                   log: Callable[[str], None] = print) -> Dict:
    """Run the demo on a source and write its outputs.

    Args:
        source (str | int): Video file, webcam index, image or image
            folder (see :class:`FrameSource`).
        recognizer (SkeletonVideoRecognizer): Does the work per frame.
        out_file (str, optional): Annotated output: a video (same frame
            count, size and rate as the input) or, for a one-image input,
            an image file. Nothing is written when None.
        json_file (str, optional): Where the JSON of windows goes; defaults
            to ``out_file`` with ``.json`` as its extension.
        show (bool): Show the annotated frames in a window (``q`` or
            ``Esc`` stops). Defaults to False.
        max_frames (int, optional): Stop after this many frames.
        log_interval (int): Print progress every this many frames.
        meta (dict, optional): Extra entries for the JSON (model, ...).
        log (Callable): Where progress goes. Defaults to ``print``.

    Returns:
        dict: What was written to the JSON.
    """
    import cv2
    frames = FrameSource(source, max_frames=max_frames)
    if json_file is None and out_file is not None:
        json_file = osp.splitext(out_file)[0] + '.json'
    writer = None
    if out_file is not None:
        is_image = osp.splitext(out_file)[1].lower() in IMAGE_EXTENSIONS
        if is_image and frames.num_frames != 1:
            raise ValueError(f'{out_file}: an image output needs a one-image '
                             f'input; {source} has {frames.num_frames} '
                             'frames (write a .mp4)')
        writer = _Writer(out_file, frames.fps, frames.width, frames.height,
                         is_image)
    windows, tracks, people_per_frame = [], {}, []
    total = frames.num_frames
    start = time.perf_counter()
    count = 0
    try:
        for index, frame in enumerate(frames):
            people, predictions = recognizer(frame)
            windows += [p.to_dict() for p in predictions]
            people_per_frame.append(len(people))
            for person in people:
                track = tracks.setdefault(
                    person.track_id,
                    dict(first_frame=index, last_frame=index, frames=0))
                track['last_frame'] = index
                track['frames'] += 1
                draw_person(frame, person.bbox, person.keypoint,
                            person.keypoint_score, recognizer.layout,
                            person.track_id, person.label, person.score)
            count = index + 1
            elapsed = time.perf_counter() - start
            draw_status(frame, [
                f'frame {index}  people {len(people)}  '
                f'{count / max(elapsed, 1e-9):.1f} fps'
            ])
            if writer is not None:
                writer.write(frame)
            if show:
                cv2.imshow('aclnet-mm skeleton demo', frame)
                if cv2.waitKey(1) & 0xFF in (ord('q'), 27):
                    break
            if log_interval and (count % log_interval == 0 or count == total):
                of = f'/{total}' if total else ''
                log(f'frame {count}{of}: {len(people)} people, '
                    f'{len(windows)} windows so far, '
                    f'{count / max(elapsed, 1e-9):.2f} fps')
    finally:
        frames.close()
        if writer is not None:
            writer.close()
        if show:
            cv2.destroyAllWindows()
    elapsed = time.perf_counter() - start
    timing = recognizer.timing_summary()
    timing['fps'] = count / max(elapsed, 1e-9)
    estimator_timings = getattr(recognizer.pose_estimator, 'timings', None)
    if estimator_timings:
        seen = max(estimator_timings['frames'], 1)
        runs = max(estimator_timings['detections'], 1)
        crops = max(estimator_timings['crops'], 1)
        timing.update(
            detect_ms_per_frame=1e3 * estimator_timings['detect'] / seen,
            detect_ms_per_run=1e3 * estimator_timings['detect'] / runs,
            blazepose_ms_per_person=1e3 * estimator_timings['pose'] / crops,
            cpu_detect_ms_per_run=1e3 * estimator_timings['detect_cpu'] / runs,
            cpu_blazepose_ms_per_person=1e3 * estimator_timings['pose_cpu'] /
            crops)
    summary = dict(
        input=str(source),
        output=out_file,
        frames=count,
        width=frames.width,
        height=frames.height,
        fps=frames.fps,
        layout=recognizer.layout,
        window=recognizer.window,
        stride=recognizer.windows.stride,
        coordinates=recognizer.coordinates,
        classes=recognizer.class_names,
        **(meta or {}),
        people_per_frame=people_per_frame,
        tracks={
            str(k): v
            for k, v in sorted(tracks.items())
        },
        windows=windows,
        timing={
            k: round(float(v), 3)
            for k, v in timing.items()
        })
    if json_file is not None:
        os.makedirs(osp.dirname(osp.abspath(json_file)), exist_ok=True)
        with open(json_file, 'w') as f:
            json.dump(summary, f, indent=1)
    log(f'{count} frames in {elapsed:.1f} s ({timing["fps"]:.2f} fps): '
        f'pose {timing["pose_ms_per_frame"]:.0f} ms/frame '
        f'({timing["people_per_frame"]:.1f} people), action model '
        f'{timing["action_ms_per_window"]:.1f} ms/window '
        f'({timing["action_ms_per_frame"]:.1f} ms/frame), '
        f'{len(windows)} windows; CPU time per frame '
        f'{timing["cpu_recognize_ms_per_frame"]:.0f} ms, of which the action '
        f'model {timing["cpu_action_ms_per_frame"]:.1f} ms')
    if out_file is not None:
        log(f'wrote {out_file}' + (f' and {json_file}' if json_file else ''))
    return summary
