# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Convert pose-classification-kit's BODY-25 recordings to a PoseDataset.

Example::

    python tools/data/embedded/prepare_pose_classification_kit.py \
        --out data/embedded/body25_2d.pkl --window 24
"""
import argparse
import sys

import mmengine

from aclnet_mm.datasets.embedded.pose_classification_kit import (
    convert_pose_classification_kit, to_ntu_style)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the 20-class OpenPose BODY-25 set shipped in '
        'pose-classification-kit as an MMAction2 PoseDataset pickle')
    parser.add_argument(
        '--out',
        default='data/embedded/body25_2d.pkl',
        help='output pickle (a <stem>_classes.txt is written beside it)')
    parser.add_argument(
        '--root',
        default=None,
        help='pose_classification_kit package folder (found automatically)')
    parser.add_argument(
        '--window', type=int, default=24, help='frames per clip')
    parser.add_argument(
        '--stride',
        type=int,
        default=None,
        help='step between clip starts (default: the window, no overlap)')
    parser.add_argument(
        '--split-ratios',
        type=float,
        nargs=3,
        default=(0.7, 0.1, 0.2),
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='time fractions of each class recording')
    parser.add_argument(
        '--binary-score',
        action='store_true',
        help='score 1 for detected joints, 0 for missed ones, instead of '
        'the OpenPose confidence')
    parser.add_argument(
        '--ntu-style-out',
        default=None,
        help='also write the clips shaped like the NTU 3D pickle of MMAction2 '
        '(score as third coordinate, xsub_train/xsub_val splits), so NTU '
        'configs run on them with --cfg-options only')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        data = convert_pose_classification_kit(
            out_file=args.out,
            root=args.root,
            window=args.window,
            stride=args.stride,
            split_ratios=tuple(args.split_ratios),
            binary_score=args.binary_score)
    except FileNotFoundError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    if args.ntu_style_out:
        mmengine.dump(to_ntu_style(data), args.ntu_style_out)
        print(f'wrote {args.ntu_style_out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
