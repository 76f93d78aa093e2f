# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Render one sample of a skeleton pickle (or a keypoint file) as a GIF.

With ``--config`` and ``--checkpoint`` the model's prediction is written
in the title.

Example::

    python tools/visualize/render_skeleton.py data/embedded/body25_2d.pkl \\
        --index 0 --layout openpose_body25 --out sample.gif --no-invert-y \\
        --config CONFIG --checkpoint CKPT
"""
import argparse

import numpy as np

from aclnet_mm.apis import load_skeleton
from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.utils.safe_pickle import load_pickle
from aclnet_mm.visualization import plot_skeleton_strip, render_skeleton_gif


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('source', help='PoseDataset .pkl, .npy/.npz/.json')
    parser.add_argument('--index', type=int, default=0, help='sample (pkl)')
    parser.add_argument('--layout', required=True, help='e.g. nturgb+d')
    parser.add_argument('--out', default='skeleton.gif', help='.gif, .png')
    parser.add_argument('--frames-dir', help='also write PNG frames here')
    parser.add_argument('--fps', type=int, default=10)
    parser.add_argument(
        '--dim',
        type=int,
        choices=(2, 3),
        help='coordinates per joint; a channel beyond is a score '
        '(default: 3 for nturgb+d, else 2)')
    parser.add_argument(
        '--no-invert-y',
        action='store_true',
        help='2D data with y pointing up')
    parser.add_argument('--config')
    parser.add_argument('--checkpoint')
    args = parser.parse_args()
    title = ''
    if args.source.endswith('.pkl'):
        # Plain data only: a hostile pickle is refused, not run.
        sample = load_pickle(args.source)['annotations'][args.index]
        title = f'{sample.get("frame_dir", args.index)} ' \
            f'(label {sample.get("label")})'
    else:
        sample = args.source
    skeleton = load_skeleton(sample)
    if args.config:
        from aclnet_mm.apis import inference_skeleton
        result = inference_skeleton(
            args.config, sample, checkpoint=args.checkpoint, topk=1)
        pred = result.names[0] if result.names else result.labels[0]
        title = f'{title}\npredicted {pred} ({result.scores[0]:.2f})'
    kp, score = skeleton.keypoint, skeleton.keypoint_score
    dim = args.dim or (3 if args.layout == 'nturgb+d' else 2)
    if kp.shape[-1] > dim:
        kp, score = kp[..., :dim], kp[..., dim]
    bad = ~np.isfinite(kp)
    if bad.any():  # matplotlib would fail on the axis limits
        raise ValueError(
            f'{args.source}: the keypoints have {int(bad.sum())} NaN/inf '
            f'value(s), the first at index '
            f'{tuple(int(i) for i in np.argwhere(bad)[0])} of shape '
            f'{kp.shape}; fill or drop missing joints (e.g. zeros with '
            'score 0)')
    invert = not args.no_invert_y
    if args.out.endswith('.gif'):
        render_skeleton_gif(
            kp,
            args.layout,
            args.out,
            score,
            title=title,
            fps=args.fps,
            frames_dir=args.frames_dir,
            invert_y=invert)
    else:
        plot_skeleton_strip(
            kp, args.layout, args.out, score, title=title, invert_y=invert)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/visualize/render_skeleton.py'):
        main()
