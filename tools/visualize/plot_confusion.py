# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Confusion matrix of a ``tools/test.py --dump`` pickle, or the confusion
statistics kept by ``AffinityContrastiveLoss`` in a checkpoint.

Example::

    python tools/test.py CONFIG CKPT --dump preds.pkl
    python tools/visualize/plot_confusion.py preds.pkl --out confusion.png \\
        --class-names data/embedded/body25_2d_classes.txt
    python tools/visualize/plot_confusion.py epoch_30.pth --out stats.png
"""
import argparse

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.visualization import (plot_confusion_from_dump,
                                     plot_confusion_statistics)


def read_names(path):
    """One class name a line, or None."""
    if not path:
        return None
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('source', help='a dump (.pkl) or checkpoint (.pth)')
    parser.add_argument('--out', default='confusion.png', help='.png/.svg')
    parser.add_argument('--class-names', help='text file, one name a line')
    parser.add_argument(
        '--counts', action='store_true', help='raw counts, not row-normalised')
    args = parser.parse_args()
    names = read_names(args.class_names)
    if args.source.endswith(('.pth', '.pt')):
        plot_confusion_statistics(args.source, args.out, names)
    else:
        plot_confusion_from_dump(
            args.source, args.out, names, normalize=not args.counts)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/visualize/plot_confusion.py'):
        main()
