# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Check a skeleton pickle, alone or against the config that will read it.

Examples::

    # every annotation file of a config, against its model
    python tools/analysis_tools/validate_dataset.py \\
        configs/aclnet_ctrgcn_ntu60.py
    # one pickle, one split, with explicit expectations
    python tools/analysis_tools/validate_dataset.py \\
        data/skeleton/ntu60_3d.pkl \\
        --split xsub_train --num-classes 60 --layout nturgb+d

Every problem is listed with the file, the sample id and the field, then a
count per kind. The exit code is 1 when any problem is found.
"""
import argparse
import sys
from typing import List, Optional, Sequence

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.datasets.validation import (ValidationReport, validate_config,
                                           validate_pickle)

__all__ = ['parse_args', 'run', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the validator."""
    parser = argparse.ArgumentParser(
        description='Validate PoseDataset skeleton annotations')
    parser.add_argument(
        'target', help='a config (.py) or an annotation pickle (.pkl)')
    parser.add_argument(
        '--split',
        help='check this split only (default: with a config, '
        'the split of each dataloader; with a pickle, every split)')
    parser.add_argument(
        '--num-classes',
        type=int,
        help='labels must lie in [0, N) (default: the head of the config)')
    parser.add_argument(
        '--layout',
        help='graph layout whose joint count the data must have, e.g. '
        'nturgb+d, coco (default: graph_cfg.layout of the config)')
    parser.add_argument(
        '--in-channels',
        type=int,
        help='channels per joint of one feature stream (pickle only; a '
        'config gives it)')
    parser.add_argument(
        '--dim',
        type=int,
        choices=(2, 3),
        help='expected coordinates, 2D or 3D (pickle only)')
    parser.add_argument(
        '--skeleton-prefix',
        help='folder of per-sample skeleton files (data_prefix=dict('
        'skeleton=...)), pickle only')
    parser.add_argument(
        '--load-skeletons',
        action='store_true',
        help='load and check every per-sample skeleton file, not only '
        'their presence')
    parser.add_argument(
        '--max-per-kind',
        type=int,
        default=20,
        help='print at most this many problems of each kind (all are '
        'counted); 0 prints all')
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> List[ValidationReport]:
    """Validate what the parsed arguments name."""
    if args.target.endswith('.py'):
        return validate_config(
            args.target,
            split=args.split,
            num_classes=args.num_classes,
            layout=args.layout,
            load_skeletons=args.load_skeletons,
            progress=True)
    return [
        validate_pickle(
            args.target,
            split=args.split,
            num_classes=args.num_classes,
            layout=args.layout,
            in_channels=args.in_channels,
            dim=args.dim,
            skeleton_prefix=args.skeleton_prefix,
            load_skeletons=args.load_skeletons,
            progress=True)
    ]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Print the reports; return 1 when a problem was found, else 0."""
    args = parse_args(argv)
    reports = run(args)
    for report in reports:
        print(report.format(max_per_kind=args.max_per_kind or None))
    return 0 if all(report.ok for report in reports) else 1


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/analysis_tools/validate_dataset.py'):
        sys.exit(main())
