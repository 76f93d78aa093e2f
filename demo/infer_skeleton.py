# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Recognise the action in a skeleton file.

Examples::

    python demo/infer_skeleton.py CONFIG CKPT pose.json --topk 3
    # several streams, fused 2:2:1:1 (the first CONFIG CKPT is a stream too)
    python demo/infer_skeleton.py J.py j.pth pose.npy \\
        --streams B.py b.pth JM.py jm.pth BM.py bm.pth --weights 2 2 1 1

The input is a ``.npy`` (M, T, V, C) array, an ``.npz`` with ``keypoint``
(and ``keypoint_score``, ``img_shape``) or MMPose's JSON output. The top-k
classes are printed, one per line, and written as JSON with ``--out``.

Models whose pipeline normalises 2D pixels (``PreNormalize2D``) need the
frame size: ``--img-shape H W``. Without it (and without ``img_shape`` in an
``.npz``; MMPose's JSON has none) the config's size is used, with a warning.
"""
import argparse
import json
from typing import Optional, Sequence

from aclnet_mm.apis import (InferenceResult, inference_skeleton,
                            inference_skeleton_streams, init_recognizer)
from aclnet_mm.apis.cli_errors import one_line_errors

__all__ = ['parse_args', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the inference tool."""
    parser = argparse.ArgumentParser(
        description='Skeleton action recognition on a keypoint file')
    parser.add_argument('config', help='config of the (first) model')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('input', help='keypoints: .npy, .npz or MMPose .json')
    parser.add_argument(
        '--streams',
        nargs='+',
        default=(),
        metavar='CONFIG CKPT',
        help='more streams as CONFIG CKPT pairs; their scores are fused '
        "with the first model's")
    parser.add_argument(
        '--weights',
        nargs='+',
        type=float,
        help='fusion weights, one per stream (default: equal)')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument(
        '--input-dim',
        type=int,
        choices=(2, 3),
        help='coordinates of the input, without a score (default: inferred; '
        'a third channel in [0, 1] is read as a score by 2D models)')
    parser.add_argument(
        '--missing-score',
        choices=('warn', 'ones', 'error'),
        default='warn',
        help='2D input without scores: confidence 1 with a warning (warn), '
        'silently (ones), or refuse (error)')
    parser.add_argument(
        '--img-shape',
        nargs=2,
        type=int,
        metavar=('H', 'W'),
        help='height and width of the frames the 2D pixels come from, for '
        "models that normalise them (PreNormalize2D); default: the input's "
        "img_shape (.npz), else the config's, with a warning")
    parser.add_argument('--device', help='default: cuda:0 if any, else cpu')
    parser.add_argument('--out', help='write the result as JSON here')
    args = parser.parse_args(argv)
    if len(args.streams) % 2:
        parser.error('--streams takes CONFIG CKPT pairs, got '
                     f'{len(args.streams)} paths')
    return args


def format_result(result: InferenceResult) -> str:
    """One line per class: rank, label, name, score."""
    lines = []
    for rank, label in enumerate(result.labels):
        name = result.names[rank] if result.names else ''
        lines.append(f'{rank + 1}. {label:>4d} {name:<30s} '
                     f'{result.scores[rank]:.4f}')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> InferenceResult:
    """Run the tool; return the result."""
    args = parse_args(argv)
    if args.streams:
        configs = [args.config] + list(args.streams[0::2])
        ckpts = [args.checkpoint] + list(args.streams[1::2])
        models = [
            init_recognizer(c, k, device=args.device)
            for c, k in zip(configs, ckpts)
        ]
        result = inference_skeleton_streams(
            models,
            args.input,
            weights=args.weights,
            topk=args.topk,
            img_shape=args.img_shape,
            input_dim=args.input_dim,
            missing_score=args.missing_score)
    else:
        model = init_recognizer(
            args.config, args.checkpoint, device=args.device)
        result = inference_skeleton(
            model,
            args.input,
            topk=args.topk,
            img_shape=args.img_shape,
            input_dim=args.input_dim,
            missing_score=args.missing_score)
    print(format_result(result))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result.to_dict(), f, indent=1)
    return result


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('demo/infer_skeleton.py'):
        main()
