# Copyright (c) aclnet-mm contributors. All rights reserved.
"""NTU RGB+D raw ``.skeleton`` files to a ``PoseDataset`` pickle.

Example::

    python tools/data/ntu/gen_ntu_rgbd_raw.py \\
        --data-path data/nturgbd_raw/nturgb+d_skeletons --task ntu60 \\
        --out-file data/skeleton/ntu60_3d.pkl

The official lists of samples with missing skeletons (302 for NTU RGB+D
60, 535 for 120) ship with aclnet-mm and are skipped unless
``--ignored-sample-path`` names another list. See
``docs/data_preparation.md``.
"""
import argparse
import sys
from typing import Optional, Sequence

from aclnet_mm.datasets.converters import convert_ntu_rgbd


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Convert NTU RGB+D raw skeletons to a PoseDataset pickle')
    parser.add_argument(
        '--data-path', required=True, help='folder of .skeleton files')
    parser.add_argument('--task', choices=('ntu60', 'ntu120'), default='ntu60')
    parser.add_argument(
        '--out-file',
        help='output pickle (default: data/skeleton/{task}_3d.pkl)')
    parser.add_argument(
        '--ignored-sample-path',
        help='text file of sample names to skip, one per line (default: '
        'the official missing-skeleton list of the task)')
    parser.add_argument(
        '--skip-malformed',
        action='store_true',
        help='leave malformed files out and list them at the end instead '
        'of stopping at the first one')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the conversion; return 1 when files were skipped as malformed."""
    args = parse_args(argv)
    ignored = None
    if args.ignored_sample_path:
        with open(args.ignored_sample_path, 'r') as f:
            ignored = [
                line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip()
            ]
    out_file = args.out_file or f'data/skeleton/{args.task}_3d.pkl'
    result = convert_ntu_rgbd(
        args.data_path,
        task=args.task,
        out_file=out_file,
        ignored=ignored,
        on_error='skip' if args.skip_malformed else 'raise',
        progress=not args.no_progress)
    print(result.summary())
    print(f'written to {out_file}')
    return 1 if result.errors else 0


if __name__ == '__main__':
    sys.exit(main())
