# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Fuse the dumped predictions of several streams.

Each file is written by ``tools/test.py CONFIG CKPT --dump FILE.pkl``; all
files of one split score the same samples in the same order.

Fixed weights, one file per stream (the classic four-stream fusion)::

    python tools/ensemble.py --preds j.pkl b.pkl jm.pkl bm.pkl \\
        --weights 2 2 1 1

The authors' presets, the same for ACLNet and ProtoGCN (``2s``: j, b 1:1;
``4s``: j, b, jm, bm 2:2:1:1; ``6s``: j, b, k, jm, bm, km 2:2:2:1:1:1), with
several seeds per stream averaged before weighting::

    python tools/ensemble.py --preset 4s \\
        --stream j j_seed0.pkl j_seed1.pkl --stream b b_seed0.pkl \\
        --stream jm jm.pkl --stream bm bm.pkl

Weights searched on validation predictions (dumps of the same checkpoints
on the carved validation split: ``tools/test.py CONFIG CKPT --dump
j_val.pkl --cfg-options test_dataloader.dataset.carve=val
test_dataloader.dataset.split=xsub_train
test_dataloader.dataset.group_by=ntu_performer``, see
docs/advanced_guides/benchmark.md),
then applied to the test predictions; the test predictions are never used
for the choice::

    python tools/ensemble.py --search coordinate \\
        --stream j j_test.pkl --val-stream j j_val.pkl \\
        --stream b b_test.pkl --val-stream b b_val.pkl
"""
import argparse
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.evaluation.functional import (FUSION_PRESETS, StreamScores,
                                             average_streams, fusion_report,
                                             load_stream_scores,
                                             search_fusion_weights, softmax)

__all__ = ['parse_args', 'format_report', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the ensemble tool."""
    parser = argparse.ArgumentParser(
        description='Fuse the class scores of several streams')
    parser.add_argument(
        '--preds',
        nargs='+',
        default=None,
        help='prediction pickles dumped by tools/test.py --dump, one per '
        'stream (with --preset: in the order of the preset streams)')
    parser.add_argument(
        '--stream',
        nargs='+',
        action='append',
        default=None,
        metavar=('NAME', 'FILE'),
        help='a stream name and its test dumps (several seeds are '
        'averaged); repeat for each stream')
    parser.add_argument(
        '--val-stream',
        nargs='+',
        action='append',
        default=None,
        metavar=('NAME', 'FILE'),
        help='a stream name and its dumps on the validation split, for '
        '--search; repeat for each stream')
    parser.add_argument(
        '--weights',
        nargs='+',
        type=float,
        default=None,
        help='one weight per stream (default: the preset weights, else 1)')
    parser.add_argument(
        '--preset',
        choices=sorted(FUSION_PRESETS),
        default=None,
        help="the authors' fusion (ACLNet and ProtoGCN alike): 2s = j,b "
        '[1,1]; 4s = j,b,jm,bm [2,2,1,1]; '
        '6s = j,b,k,jm,bm,km [2,2,2,1,1,1]')
    parser.add_argument(
        '--search',
        choices=('grid', 'coordinate'),
        default=None,
        help='choose the weights on the --val-stream dumps, then apply '
        'them to the test dumps')
    parser.add_argument(
        '--candidates',
        nargs='+',
        type=float,
        default=(0., 0.5, 1., 2., 3.),
        help='weights tried for each stream by --search')
    parser.add_argument(
        '--apply-softmax',
        action='store_true',
        help='turn each stream into probabilities first (for dumps of '
        'logits, e.g. average_clips="score")')
    args = parser.parse_args(argv)

    if (args.preds is None) == (args.stream is None):
        parser.error('give the test dumps with either --preds or --stream')
    for group in (args.stream or []) + (args.val_stream or []):
        if len(group) < 2:
            parser.error(f'--stream/--val-stream {group[0]} needs a name '
                         'and at least one file')
    if args.preds is not None:
        names = ([name
                  for name, _ in FUSION_PRESETS[args.preset]] if args.preset
                 else [f'stream{i}' for i in range(len(args.preds))])
        if len(names) != len(args.preds):
            parser.error(f'--preset {args.preset} fuses {len(names)} streams '
                         f'({", ".join(names)}), got {len(args.preds)} '
                         '--preds files')
        args.test_files = OrderedDict(
            (name, [path]) for name, path in zip(names, args.preds))
    else:
        args.test_files = _group(parser, args.stream, '--stream')
        if args.preset:
            wanted = [name for name, _ in FUSION_PRESETS[args.preset]]
            missing = [n for n in wanted if n not in args.test_files]
            if missing:
                parser.error(f'--preset {args.preset} needs --stream '
                             f'{", ".join(missing)}')
            args.test_files = OrderedDict(
                (n, args.test_files[n]) for n in wanted)
    num_streams = len(args.test_files)

    if args.weights is not None and args.search:
        parser.error('--weights and --search exclude each other')
    if args.weights is not None and len(args.weights) != num_streams:
        parser.error(f'--weights has {len(args.weights)} values for '
                     f'{num_streams} --preds files')
    if args.weights is None and args.preset and not args.search:
        args.weights = [w for _, w in FUSION_PRESETS[args.preset]]

    args.val_files = None
    if args.search:
        if not args.val_stream:
            parser.error('--search needs --val-stream dumps (predictions on '
                         'a validation split, never on the test split)')
        val_files = _group(parser, args.val_stream, '--val-stream')
        if args.preds is not None and not args.preset:
            # Unnamed --preds: the --val-stream names must follow them.
            val_files = OrderedDict(
                (name, files)
                for name, files in zip(args.test_files, val_files.values()))
        if set(val_files) != set(args.test_files):
            parser.error(f'--val-stream names {sorted(val_files)} differ '
                         f'from the test streams {sorted(args.test_files)}')
        args.val_files = OrderedDict(
            (n, val_files[n]) for n in args.test_files)
    elif args.val_stream:
        parser.error('--val-stream is only used with --search')
    return args


def _group(parser: argparse.ArgumentParser, groups: List[List[str]],
           option: str) -> 'OrderedDict[str, List[str]]':
    files = OrderedDict()
    for name, *paths in groups:
        if name in files:
            parser.error(f'{option} {name} given twice; list all its files '
                         'after one name')
        files[name] = paths
    return files


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


def _load(files: 'OrderedDict[str, List[str]]') -> List[StreamScores]:
    """One stream per name: its files loaded and averaged (named by the
    files, so that alignment errors point at them)."""
    return [
        average_streams([load_stream_scores(path) for path in paths])
        for paths in files.values()
    ]


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Entry point of ``tools/ensemble.py``.

    Returns:
        dict[str, float]: The fused metrics on the test dumps that were
        printed.
    """
    args = parse_args(argv)
    streams = _load(args.test_files)
    val_report = None
    if args.search:
        val_streams = _load(args.val_files)
        val_scores = [s.scores for s in val_streams]
        if args.apply_softmax:
            val_scores = [softmax(s) for s in val_scores]
        weights, _ = search_fusion_weights(
            val_scores,
            val_streams[0].labels,
            candidates=args.candidates,
            method=args.search)
        val_report = fusion_report(
            val_streams, weights, apply_softmax=args.apply_softmax)
    else:
        weights = args.weights or [1.] * len(streams)
    report = fusion_report(streams, weights, apply_softmax=args.apply_softmax)

    for (name, paths), stream, weight in zip(args.test_files.items(), streams,
                                             weights):
        print(f'{name}: weight {weight:g}, {len(stream)} samples, '
              f'{len(paths)} file(s): {", ".join(paths)}')
        if args.val_files:
            print(f'  validation file(s): {", ".join(args.val_files[name])}')
    if val_report is not None:
        print(f'Weights chosen by {args.search} search on the validation '
              f'dumps over {list(args.candidates)}: '
              f'{" ".join(f"{w:g}" for w in weights)}')
        print('Validation: ' + format_report(val_report).replace('\n', ', '))
        print('Test:')
    print(format_report(report))
    return report


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/ensemble.py'):
        main()
