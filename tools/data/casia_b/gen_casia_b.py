# Copyright (c) aclnet-mm contributors. All rights reserved.
"""CASIA-B skeletons to ``PoseDataset`` pickles, for gait and re-ID.

Examples::

    # gait: GaitGraph's HRNet pose CSV (COCO-17 2D, one row per frame)
    python tools/data/casia_b/gen_casia_b.py gait \\
        --src data/casia-b/casia-b_pose_coco.csv \\
        --out-file data/skeleton/casia_b_gait_2d.pkl
    # re-ID: Rao et al.'s 14-joint 3D tracklets (their CASIA_B_match folder)
    python tools/data/casia_b/gen_casia_b.py reid \\
        --src data/casia-b/CASIA_B_match --length 40 \\
        --out-file data/skeleton/casia_b_reid_3d.pkl

Splits, the short-sequence policy and the validation subjects are
described in ``docs/gait_reid.md``.
"""
import argparse
import sys
from typing import Optional, Sequence

from aclnet_mm.datasets.converters import (convert_casia_b_gait,
                                           convert_rao_casia_b)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Convert CASIA-B skeletons to a PoseDataset pickle')
    parser.add_argument('task', choices=('gait', 'reid'))
    parser.add_argument(
        '--src',
        required=True,
        help='gait: the pose CSV; reid: the CASIA_B_match folder')
    parser.add_argument('--out-file', required=True, help='output pickle')
    parser.add_argument(
        '--val-subjects',
        type=int,
        nargs='*',
        default=None,
        help='training subjects held out for model selection (gait '
        'default: 60-74; reid default: none)')
    parser.add_argument(
        '--short',
        choices=('pad', 'drop', 'keep'),
        default='pad',
        help='gait: sequences shorter than --min-frames')
    parser.add_argument('--min-frames', type=int, default=60)
    parser.add_argument(
        '--length', type=int, default=40, help='reid: tracklet length')
    parser.add_argument(
        '--skip-malformed',
        action='store_true',
        help='gait: leave malformed rows out and list them at the end')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the conversion; return 1 when input was skipped as malformed."""
    args = parse_args(argv)
    if args.task == 'gait':
        kwargs = dict(
            short=args.short,
            min_frames=args.min_frames,
            on_error='skip' if args.skip_malformed else 'raise')
        if args.val_subjects is not None:
            kwargs['val_subjects'] = tuple(args.val_subjects)
        result = convert_casia_b_gait(
            args.src, out_file=args.out_file, **kwargs)
    else:
        result = convert_rao_casia_b(
            args.src,
            length=args.length,
            out_file=args.out_file,
            val_subjects=tuple(args.val_subjects or ()))
    print(result.summary())
    print(f'written to {args.out_file}')
    return 1 if result.errors else 0


if __name__ == '__main__':
    sys.exit(main())
