# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Skeleton sequences drawn with their layout's bones: GIF, frames, strips.

Every frame is drawn on an Agg canvas and read back as RGB; the GIF is
written with Pillow (a matplotlib dependency), so no video codec is needed.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np

from aclnet_mm.structures import SkeletonLayout, get_layout
from .figure import new_figure, save_figure

__all__ = [
    'render_skeleton_frames', 'render_skeleton_gif', 'plot_skeleton_strip'
]

_COLORS = ('tab:blue', 'tab:red', 'tab:green', 'tab:purple')


def _prepare(keypoint: np.ndarray,
             keypoint_score: Optional[np.ndarray]) -> np.ndarray:
    """(M, T, V, C) coordinates with missing joints set to NaN."""
    kp = np.asarray(keypoint, dtype=np.float64)
    if kp.ndim == 3:
        kp = kp[None]
    if kp.ndim != 4 or kp.shape[-1] not in (2, 3):
        raise ValueError('expected keypoints (M, T, V, 2|3) or (T, V, 2|3), '
                         f'got {np.shape(keypoint)}')
    kp = kp.copy()
    missing = np.all(kp == 0, axis=-1)  # OpenPose writes (0, 0) if unseen
    if keypoint_score is not None:
        score = np.asarray(keypoint_score).reshape(kp.shape[:3])
        missing |= score <= 0
    kp[missing] = np.nan
    return kp


def _limits(kp: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(kp, axis=(0, 1, 2)), np.nanmax(kp, axis=(0, 1, 2))
    centre, half = (lo + hi) / 2, max(np.max(hi - lo) / 2, 1e-6) * 1.1
    return np.stack([centre - half, centre + half], axis=1)


def _draw(ax, kp_t: np.ndarray, layout: SkeletonLayout, limits: np.ndarray,
          invert_y: bool) -> None:
    """One frame of every person: bones, then joints."""
    is_3d = kp_t.shape[-1] == 3
    for m, person in enumerate(kp_t):
        color = _COLORS[m % len(_COLORS)]
        for child, parent in layout.inward:
            seg = person[[child, parent]]
            if np.isnan(seg).any():
                continue
            ax.plot(*seg.T, color=color, linewidth=2)
        ax.scatter(*person.T, s=10, color='black', zorder=3)
    ax.set_xlim(*limits[0])
    if is_3d:
        # Camera coordinates (NTU / Kinect): y is height, z is depth.
        ax.set_ylim(*limits[1])
        ax.set_zlim(*limits[2])
        ax.view_init(elev=15, azim=-75, vertical_axis='y')
    else:
        ax.set_ylim(*(limits[1][::-1] if invert_y else limits[1]))
        ax.set_aspect('equal')
    ax.set_xticks([])
    ax.set_yticks([])
    if is_3d:
        ax.set_zticks([])


def _axes(fig, is_3d: bool, *args):
    return fig.add_subplot(*args, projection='3d' if is_3d else None)


def render_skeleton_frames(keypoint: np.ndarray,
                           layout: Union[str, dict, SkeletonLayout],
                           keypoint_score: Optional[np.ndarray] = None,
                           title: str = '',
                           size: float = 3.2,
                           dpi: int = 80,
                           invert_y: bool = True,
                           step: int = 1) -> List[np.ndarray]:
    """Draw each frame of a sequence.

    Args:
        keypoint (np.ndarray): ``(M, T, V, C)`` with C = 2 or 3 (a trailing
            score channel must be passed as ``keypoint_score`` instead).
        layout (str | dict | SkeletonLayout): Gives the bones.
        keypoint_score (np.ndarray, optional): ``(M, T, V)``; joints with
            score <= 0 are not drawn.
        title (str): Drawn above every frame (e.g. the prediction).
        size (float): Figure side in inches. Defaults to 3.2.
        dpi (int): Defaults to 80.
        invert_y (bool): Image coordinates (y down) for 2D. Defaults to
            True.
        step (int): Draw every ``step``-th frame. Defaults to 1.

    Returns:
        list[np.ndarray]: ``(H, W, 3)`` uint8 images.
    """
    layout = get_layout(layout)
    kp = _prepare(keypoint, keypoint_score)
    if kp.shape[2] != layout.num_node:
        raise ValueError(f'the keypoints have {kp.shape[2]} joints, layout '
                         f'{layout.name!r} has {layout.num_node}')
    limits = _limits(kp)
    is_3d = kp.shape[-1] == 3
    images = []
    for t in range(0, kp.shape[1], max(step, 1)):
        fig = new_figure((size, size), dpi=dpi)
        ax = _axes(fig, is_3d)
        _draw(ax, kp[:, t], layout, limits, invert_y)
        ax.set_title(
            f'{title}\nframe {t + 1}/{kp.shape[1]}'.strip(), fontsize=8)
        fig.canvas.draw()
        images.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    return images


def render_skeleton_gif(keypoint: np.ndarray,
                        layout: Union[str, dict, SkeletonLayout],
                        out_file: str,
                        keypoint_score: Optional[np.ndarray] = None,
                        title: str = '',
                        fps: int = 10,
                        frames_dir: Optional[str] = None,
                        **kwargs) -> List[np.ndarray]:
    """Write a sequence as an animated GIF (and optionally PNG frames).

    Args:
        keypoint, layout, keypoint_score, title: As in
            :func:`render_skeleton_frames`.
        out_file (str): The ``.gif``.
        fps (int): Frames per second. Defaults to 10.
        frames_dir (str, optional): Also write ``frame_{t:04d}.png`` here
            (e.g. to encode an MP4 with ffmpeg).
        **kwargs: Passed to :func:`render_skeleton_frames`.

    Returns:
        list[np.ndarray]: The frames.
    """
    from PIL import Image
    if not out_file.lower().endswith('.gif'):
        raise ValueError(f'{out_file}: expected a .gif path')
    images = render_skeleton_frames(keypoint, layout, keypoint_score, title,
                                    **kwargs)
    folder = osp.dirname(out_file)
    if folder:
        os.makedirs(folder, exist_ok=True)
    pil = [Image.fromarray(img) for img in images]
    pil[0].save(
        out_file,
        save_all=True,
        append_images=pil[1:],
        duration=int(1000 / max(fps, 1)),
        loop=0)
    if frames_dir:
        os.makedirs(frames_dir, exist_ok=True)
        for t, img in enumerate(pil):
            img.save(osp.join(frames_dir, f'frame_{t:04d}.png'))
    return images


def plot_skeleton_strip(keypoint: np.ndarray,
                        layout: Union[str, dict, SkeletonLayout],
                        out_file: str,
                        keypoint_score: Optional[np.ndarray] = None,
                        title: str = '',
                        num_frames: int = 6,
                        frames: Optional[Sequence[int]] = None,
                        invert_y: bool = True) -> List[int]:
    """A still: a few frames of a sequence side by side (PNG / SVG).

    Args:
        keypoint, layout, keypoint_score, invert_y: As in
            :func:`render_skeleton_frames`.
        out_file (str): The figure.
        title (str): Figure title (e.g. label and prediction).
        num_frames (int): Evenly spaced frames to show. Defaults to 6.
        frames (Sequence[int], optional): Explicit frame indices.

    Returns:
        list[int]: The frames shown.
    """
    layout = get_layout(layout)
    kp = _prepare(keypoint, keypoint_score)
    if kp.shape[2] != layout.num_node:
        raise ValueError(f'the keypoints have {kp.shape[2]} joints, layout '
                         f'{layout.name!r} has {layout.num_node}')
    total = kp.shape[1]
    if frames is None:
        frames = np.unique(
            np.linspace(0, total - 1,
                        min(num_frames, total)).round().astype(int)).tolist()
    limits = _limits(kp)
    is_3d = kp.shape[-1] == 3
    fig = new_figure((2.2 * len(frames), 2.8))
    for i, t in enumerate(frames):
        ax = _axes(fig, is_3d, 1, len(frames), i + 1)
        _draw(ax, kp[:, t], layout, limits, invert_y)
        ax.set_title(f'frame {t + 1}', fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    save_figure(fig, out_file)
    return list(frames)
