# Copyright (c) aclnet-mm contributors. All rights reserved.
"""What ``tools/train.py`` and ``tools/test.py`` do once a config is read."""
import argparse
import os
from typing import Callable

from mmengine.config import Config

from aclnet_mm.datasets.sample_naming import naming_dead_workers
from aclnet_mm.datasets.skeleton_pose_dataset import DatasetValidationError
from aclnet_mm.engine.runner import (build_runner, quiet_other_ranks,
                                     setup_cpu_distributed)
from aclnet_mm.utils.checkpoint_loading import UNSAFE_LOAD_ENV

__all__ = ['run_config']

#: How a refusal names each mode.
_REFUSED = dict(train='training refused', test='test refused')


def run_config(args: argparse.Namespace,
               merge_args: Callable[[Config, argparse.Namespace],
                                    Config], mode: str) -> None:
    """Read ``args.config``, apply the tool's flags and run the Runner.

    Args:
        args (argparse.Namespace): The tool's parsed flags; ``config``,
            ``launcher`` and ``unsafe_load`` are read here.
        merge_args (Callable): The tool's ``merge_args(cfg, args)``, which
            applies its flags as MMAction2's tool of the same name does.
        mode (str): ``'train'`` or ``'test'``, the Runner method to call.

    Raises:
        SystemExit: The data set refused its data (a one-line report
            naming the config).
    """
    quiet_other_ranks()
    if args.unsafe_load:
        # Read by the runner's checkpoint loading, in this process only.
        os.environ[UNSAFE_LOAD_ENV] = '1'
    cfg = merge_args(Config.fromfile(args.config), args)
    setup_cpu_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    try:
        # A worker killed by a signal is re-raised naming its sample.
        with naming_dead_workers(runner):
            getattr(runner, mode)()
    except DatasetValidationError as err:
        # The validator's report says it all; no traceback needed.
        raise SystemExit(f'{args.config}: {_REFUSED[mode]}: {err}') from err
