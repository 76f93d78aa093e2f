# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Convert pybullet's 15 DeepMimic motion clips to a 3D PoseDataset.

Needs the optional extra ``pybullet==3.2.7``. Example::

    python tools/data/embedded/prepare_pybullet_mocap.py \
        --out data/embedded/mocap_3d.pkl --window 8
"""
import argparse
import sys

from aclnet_mm.datasets.embedded.pybullet_mocap import convert_pybullet_mocap


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the DeepMimic humanoid clips bundled with '
        'pybullet as an MMAction2 PoseDataset pickle (3D, y up)')
    parser.add_argument(
        '--out',
        default='data/embedded/mocap_3d.pkl',
        help='output pickle (a <stem>_classes.txt is written beside it)')
    parser.add_argument('--window', type=int, default=8, help='clip frames')
    parser.add_argument(
        '--stride',
        type=int,
        default=None,
        help='step between clip starts (default: half the window)')
    parser.add_argument(
        '--split-ratios',
        type=float,
        nargs=3,
        default=(0.7, 0.1, 0.2),
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='time fractions of each clip')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        convert_pybullet_mocap(
            out_file=args.out,
            window=args.window,
            stride=args.stride,
            split_ratios=tuple(args.split_ratios))
    except FileNotFoundError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
