# Copyright (c) aclnet-mm contributors. All rights reserved.
"""PKU-MMD (v1) skeletons and labels to a ``PoseDataset`` pickle of clips.

Example, with the folders of the official download::

    python tools/data/pku_mmd/gen_pku_mmd.py \\
        --skeleton-dir data/pku_mmd/Skeleton --label-dir data/pku_mmd/Label \\
        --xsub-split data/pku_mmd/Split/cross-subject.txt \\
        --xview-split data/pku_mmd/Split/cross-view.txt \\
        --out-file data/skeleton/pku_mmd_3d.pkl

The split files come with the data set (``Split/``); they are not
redistributed with aclnet-mm. See ``docs/data_preparation.md``.
"""
import argparse
import sys
from typing import Optional, Sequence

from aclnet_mm.datasets.converters import convert_pku_mmd


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Cut PKU-MMD recordings into a PoseDataset pickle')
    parser.add_argument(
        '--skeleton-dir', required=True, help='folder of skeleton .txt')
    parser.add_argument(
        '--label-dir', required=True, help='folder of label .txt')
    parser.add_argument(
        '--xsub-split', help='official cross-subject.txt (xsub_* splits)')
    parser.add_argument(
        '--xview-split', help='official cross-view.txt (xview_* splits)')
    parser.add_argument(
        '--out-file',
        default='data/skeleton/pku_mmd_3d.pkl',
        help='output pickle')
    parser.add_argument(
        '--skip-malformed',
        action='store_true',
        help='leave malformed recordings out and list them at the end '
        'instead of stopping at the first one')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the conversion; return 1 when inputs were skipped as malformed."""
    args = parse_args(argv)
    split_files = {}
    if args.xsub_split:
        split_files['xsub'] = args.xsub_split
    if args.xview_split:
        split_files['xview'] = args.xview_split
    if not split_files:
        print('warning: no split file given; the pickle has no split and '
              'needs split=None in the dataset config')
    result = convert_pku_mmd(
        args.skeleton_dir,
        args.label_dir,
        split_files=split_files,
        out_file=args.out_file,
        on_error='skip' if args.skip_malformed else 'raise',
        progress=not args.no_progress)
    print(result.summary())
    print(f'written to {args.out_file}')
    return 1 if result.errors else 0


if __name__ == '__main__':
    sys.exit(main())
