# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Training curves from MMEngine's ``vis_data/scalars.json``.

Example::

    python tools/visualize/plot_curves.py \\
        work_dirs/x/20261124_144656/vis_data/scalars.json --out curves.png
"""
import argparse

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.visualization import DEFAULT_CURVES, plot_training_curves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('scalars', help='vis_data/scalars.json')
    parser.add_argument('--out', default='curves.png', help='.png/.svg')
    parser.add_argument('--keys', nargs='+', default=DEFAULT_CURVES)
    parser.add_argument('--title', default='')
    args = parser.parse_args()
    keys = plot_training_curves(args.scalars, args.out, args.keys, args.title)
    print(f'wrote {args.out}: {", ".join(keys)}')


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/visualize/plot_curves.py'):
        main()
