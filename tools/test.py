# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

Flags follow MMAction2's ``tools/test.py``. ``--dump preds.pkl`` saves the
per-sample predictions (MMEngine's ``DumpResults``: a list of dicts with
``pred_score`` and ``gt_label``) for ``tools/ensemble.py``. Conveniences as
in ``tools/train.py``: ``--unsafe-load``, ``gloo`` on CPU-only machines,
a one-line error when the data fail validation.
"""
import argparse
from typing import Optional, Sequence

from mmengine.config import Config, ConfigDict, DictAction

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.apis.run_config import run_config
from aclnet_mm.engine.runner import set_local_rank, set_work_dir

__all__ = ['parse_args', 'merge_args', 'add_dump_metric', 'main']

_DUMP_SUFFIXES = ('.pkl', '.pickle')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the test tool."""
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save logs and evaluation results')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump the predictions to this pickle file for offline '
        'evaluation and score fusion')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries with key=value pairs, e.g. '
        'test_dataloader.batch_size=4 (no spaces)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--unsafe-load',
        action='store_true',
        help='load a checkpoint that only full unpickling '
        '(weights_only=False) can read; this runs any code stored in it, '
        'so only for files you trust')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    set_local_rank(args.local_rank)
    return args


def add_dump_metric(cfg: Config, out_file: str) -> None:
    """Append MMEngine's ``DumpResults`` to ``cfg.test_evaluator``.

    Args:
        cfg (Config): The config; modified in place.
        out_file (str): The pickle to write; must end in ``.pkl`` or
            ``.pickle``.
    """
    if not out_file.endswith(_DUMP_SUFFIXES):
        raise ValueError(f'--dump must name a .pkl file, got {out_file!r}')
    dump = ConfigDict(type='DumpResults', out_file_path=out_file)
    evaluator = cfg.get('test_evaluator')
    if evaluator is None:
        cfg.test_evaluator = [dump]
    elif isinstance(evaluator, (list, tuple)):
        cfg.test_evaluator = [*evaluator, dump]
    elif 'metrics' in evaluator:
        # An ``Evaluator`` config: ``dict(type=..., metrics=[...])``.
        metrics = evaluator.metrics
        if not isinstance(metrics, (list, tuple)):
            metrics = [metrics]
        evaluator.metrics = [*metrics, dump]
    else:
        cfg.test_evaluator = [evaluator, dump]


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config.

    Args:
        cfg (Config): The loaded config; modified in place.
        args (argparse.Namespace): Output of :func:`parse_args`.

    Returns:
        Config: ``cfg``.
    """
    cfg.launcher = args.launcher
    if args.dump is not None:
        add_dump_metric(cfg, args.dump)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    set_work_dir(cfg, args.work_dir, args.config)
    cfg.load_from = args.checkpoint
    # Testing loads weights only; never resume optimiser or loop state.
    cfg.resume = False
    # Nor build the training parts: a test config may hold some of them
    # (a dataset fragment's train_dataloader without a schedule), which
    # MMEngine's Runner refuses unless all or none are given.
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):
        cfg[key] = None
    return cfg


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Entry point of ``tools/test.py``."""
    run_config(parse_args(argv), merge_args, 'test')


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/test.py'):
        main()
