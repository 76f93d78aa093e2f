# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

The flags are MMAction2's (``tools/train.py`` of mmaction2 1.2.0), so
commands written for MMAction2, ``tools/dist_train.sh`` and ``mim train``
work unchanged. Run it as ``python -m aclnet_mm.tools.train`` as well.
"""
import argparse
import os
from typing import Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger

# Importing this module imports ``aclnet_mm`` first (registration).
from aclnet_mm.datasets.sample_naming import naming_dead_workers
from aclnet_mm.datasets.skeleton_pose_dataset import DatasetValidationError
from aclnet_mm.utils.checkpoint_loading import UNSAFE_LOAD_ENV
from aclnet_mm.utils.config_scope import load_config
from .config_defaults import (add_non_finite_loss_hook, fill_aclnet_settings,
                              fill_dataset_expectations, fill_head_num_nodes)
from .launch import (build_runner, quiet_other_ranks, set_local_rank,
                     set_work_dir, setup_cpu_distributed)

__all__ = ['parse_args', 'merge_args', 'run_tests_after_train', 'main']

_TEST_AFTER_TRAIN = ('last', 'best')


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
        '--test-last',
        action='store_true',
        help='after training, test the last checkpoint on the test split '
        "(as ACLNet's tools/train.py; also `test_after_train` in the config)")
    parser.add_argument(
        '--test-best',
        action='store_true',
        help='after training, test the best checkpoint on the test split')
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
    # ``torch.distributed.launch`` passes ``--local-rank``; torchrun does not.
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


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config.

    Args:
        cfg (Config): The loaded config; modified in place.
        args (argparse.Namespace): Output of :func:`parse_args`.

    Returns:
        Config: ``cfg``.
    """
    cfg.setdefault('default_scope', 'mmaction')
    cfg.launcher = args.launcher
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    set_work_dir(cfg, args.work_dir, args.config)

    if args.amp:
        wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper_type not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError('--amp only works with OptimWrapper, not '
                             f'{wrapper_type}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
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

    tests = list(cfg.get('test_after_train') or ())
    tests += [
        name
        for name, flag in (('last', args.test_last), ('best', args.test_best))
        if flag and name not in tests
    ]
    unknown = set(tests) - set(_TEST_AFTER_TRAIN)
    if unknown:
        raise ValueError(f'test_after_train takes {_TEST_AFTER_TRAIN}, got '
                         f'{sorted(unknown)}')
    if tests:
        cfg.test_after_train = tuple(tests)

    # What the config leaves out: datasets check their pickle against the
    # model, a non-finite loss stops, a resumed run keeps its LR schedule
    # consistent, ACLNet settings follow from the data.
    fill_dataset_expectations(cfg)
    fill_head_num_nodes(cfg)
    add_non_finite_loss_hook(cfg)
    if cfg.get('resume'):
        hooks = list(cfg.get('custom_hooks') or [])
        if not any(
                isinstance(h, dict) and h.get('type') == 'ResumeScheduleHook'
                for h in hooks):
            hooks.append(dict(type='ResumeScheduleHook'))
        cfg.custom_hooks = hooks
    fill_aclnet_settings(cfg, MMLogger.get_current_instance())
    return cfg


def run_tests_after_train(runner, which: Sequence[str]) -> dict:
    """Test the last and / or the best checkpoint of a finished training.

    The paper protocol of ACLNet (``--test-last --test-best``): both are
    reported, since the best one is selected on the test split itself.

    Args:
        runner (Runner): The runner that has just trained.
        which (Sequence[str]): ``'last'`` and / or ``'best'``.

    Returns:
        dict: The test metrics of each, by name.
    """
    from mmengine.logging import print_log
    results = {}
    for name in which:
        if name == 'best':
            best = runner.message_hub.get_info('best_ckpt')
            if best is None:
                raise RuntimeError(
                    'test_after_train asks for the best checkpoint, but '
                    'none was saved: set default_hooks.checkpoint.save_best '
                    'and validate during training')
            runner.load_checkpoint(best)
            label = f'best checkpoint {best}'
        else:
            label = f'last checkpoint (epoch {runner.epoch})'
        metrics = runner.test()
        results[name] = metrics
        print_log(
            f'test of the {label}: ' +
            '  '.join(f'{key}: {value:.4f}'
                      if isinstance(value, float) else f'{key}: {value}'
                      for key, value in metrics.items()),
            logger='current')
    return results


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Entry point of ``tools/train.py``."""
    args = parse_args(argv)
    quiet_other_ranks()
    if args.unsafe_load:
        # Read by the runner's checkpoint loading, in this process only.
        os.environ[UNSAFE_LOAD_ENV] = '1'
    cfg = merge_args(load_config(args.config), args)
    setup_cpu_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    try:
        # A worker killed by a signal is re-raised naming its sample.
        with naming_dead_workers(runner):
            runner.train()
            # The last weights first: the best checkpoint replaces them.
            which = sorted(
                cfg.get('test_after_train', ()), key=_TEST_AFTER_TRAIN.index)
            if which:
                run_tests_after_train(runner, which)
    except DatasetValidationError as err:
        # The validator's report says it all; no traceback needed.
        raise SystemExit(f'{args.config}: training refused: {err}') from err


if __name__ == '__main__':
    main()
