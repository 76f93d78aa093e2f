# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Fuse the dumped predictions of several streams.

Example, the classic four-stream fusion of joint, bone, joint motion and
bone motion models::

    python tools/ensemble.py --preds j.pkl b.pkl jm.pkl bm.pkl \\
        --weights 2 2 1 1

Each file is written by ``tools/test.py CONFIG CKPT --dump FILE.pkl`` on
the same test split. Run it as ``python -m aclnet_mm.tools.ensemble`` as
well.
"""
import argparse
from typing import Dict, Optional, Sequence

from aclnet_mm.evaluation.functional import fusion_report, load_stream_scores

__all__ = ['parse_args', 'format_report', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the ensemble tool."""
    parser = argparse.ArgumentParser(
        description='Fuse the class scores of several streams')
    parser.add_argument(
        '--preds',
        nargs='+',
        required=True,
        help='prediction pickles dumped by tools/test.py --dump')
    parser.add_argument(
        '--weights',
        nargs='+',
        type=float,
        default=None,
        help='one weight per file (default: equal weights)')
    parser.add_argument(
        '--apply-softmax',
        action='store_true',
        help='turn each stream into probabilities first (for dumps of '
        'logits, e.g. average_clips="score")')
    args = parser.parse_args(argv)
    if args.weights is not None and len(args.weights) != len(args.preds):
        parser.error(f'--weights has {len(args.weights)} values for '
                     f'{len(args.preds)} --preds files')
    return args


def format_report(report: Dict[str, float]) -> str:
    """Render the metrics of :func:`fusion_report`, one per line."""
    lines = []
    for key, value in report.items():
        if key.startswith('top'):
            lines.append(f'Top {key[3:]} Accuracy: {value:.4f}')
        elif key == 'mean_class':
            lines.append(f'Mean Class Accuracy: {value:.4f}')
        else:
            lines.append(f'{key}: {value:.4f}')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Entry point of ``tools/ensemble.py``.

    Returns:
        dict[str, float]: The fused metrics that were printed.
    """
    args = parse_args(argv)
    weights = args.weights or [1.] * len(args.preds)
    streams = [load_stream_scores(path) for path in args.preds]
    report = fusion_report(streams, weights, apply_softmax=args.apply_softmax)
    for stream, weight in zip(streams, weights):
        print(f'{stream.name}: weight {weight:g}, {len(stream)} samples')
    print(format_report(report))
    return report


if __name__ == '__main__':
    main()
