# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

The flags and the way the config is completed are MMAction2's (its
``tools/train.py``, 1.2.0), so commands written for MMAction2,
``tools/dist_train.sh`` and ``mim train`` work unchanged and train the same
experiment: the config is the whole experiment. Added conveniences that
change no result: ``--unsafe-load``, a ``gloo`` process group on CPU-only
machines with ``--launcher pytorch`` or ``slurm``, a checked auto-resume
runner, warnings on rank 0 only, and a one-line error when the data fail
validation. To test the last and best weights after training, put
``TestAfterTrainHook`` in the config's ``custom_hooks``.
"""
import argparse
from typing import Optional, Sequence

from mmaction.registry import OPTIM_WRAPPERS
from mmengine.config import Config, DictAction
from mmengine.optim import AmpOptimWrapper, OptimWrapper

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.apis.run_config import run_config
from aclnet_mm.engine.runner import set_local_rank, set_work_dir
from aclnet_mm.utils.config_types import resolve_type

__all__ = ['parse_args', 'merge_args', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the training tool."""
    parser = argparse.ArgumentParser(description='Train a recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, resume from the '
        'latest checkpoint in the work directory')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic mixed-precision training')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual total batch size over '
        '`auto_scale_lr.base_batch_size`')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='use a different seed on each rank')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='use deterministic algorithms (cuDNN included)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries with key=value pairs, e.g. '
        'train_cfg.max_epochs=2 or key="[a,b]" for lists (no spaces)')
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
    # ``torch.distributed.launch`` passes ``--local-rank``; torchrun does not.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    set_local_rank(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config, as MMAction2 does.

    Only what the flags ask for changes; the rest of the experiment is the
    config's.

    Args:
        cfg (Config): The loaded config; modified in place.
        args (argparse.Namespace): Output of :func:`parse_args`.

    Returns:
        Config: ``cfg``.
    """
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher

    set_work_dir(cfg, args.work_dir, args.config)

    if args.amp:
        # A registered name (text config) or the class (lazy-import config).
        given = cfg.optim_wrapper.get('type', 'OptimWrapper')
        wrapper_type = resolve_type(given, OPTIM_WRAPPERS)
        if wrapper_type not in (OptimWrapper, AmpOptimWrapper):
            raise ValueError('--amp only works with OptimWrapper, not '
                             f'{given}')
        # In the config's own style: a text config dumps names only.
        cfg.optim_wrapper.type = 'AmpOptimWrapper' if isinstance(
            given, str) else AmpOptimWrapper
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    # A bare --resume lets the Runner find ``last_checkpoint`` in work_dir.
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise ValueError('--auto-scale-lr needs `auto_scale_lr = dict('
                             'base_batch_size=...)` in the config')
        cfg.auto_scale_lr.enable = True

    # Randomness given in the config wins over the flags, as in MMAction2.
    if cfg.get('randomness') is None:
        cfg.randomness = dict(
            seed=args.seed,
            diff_rank_seed=args.diff_rank_seed,
            deterministic=args.deterministic)

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    return cfg


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Entry point of ``tools/train.py``."""
    run_config(parse_args(argv), merge_args, 'train')


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/train.py'):
        main()
