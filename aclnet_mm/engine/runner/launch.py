# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Runner construction and launch set-up shared by ``tools/train.py`` and
``tools/test.py``."""
import datetime
import os
import os.path as osp
import subprocess
import warnings
from typing import Dict, Optional

import torch
import torch.distributed as torch_dist
from mmaction.registry import MODEL_WRAPPERS, RUNNERS
from mmengine.config import Config
from mmengine.runner import Runner
from torch.nn.parallel import DistributedDataParallel

from aclnet_mm.utils.config_types import resolve_type
from .safe_checkpoint_runner import SafeCheckpointRunner

__all__ = [
    'set_local_rank', 'setup_cpu_distributed', 'slurm_to_torch_env',
    'set_work_dir', 'build_runner', 'quiet_other_ranks'
]

# ``MMDistributedDataParallel`` defaults that MMEngine's Runner uses when the
# config has no ``model_wrapper_cfg``.
_DEFAULT_WRAPPER = dict(
    type='MMDistributedDataParallel', broadcast_buffers=False)


def set_local_rank(local_rank: int) -> None:
    """Export ``LOCAL_RANK`` for launchers that pass ``--local-rank``.

    ``torchrun`` sets the variable itself; the deprecated
    ``torch.distributed.launch`` passes the rank as an argument instead.
    """
    os.environ.setdefault('LOCAL_RANK', str(local_rank))


def quiet_other_ranks() -> bool:
    """Show Python warnings on rank 0 only in a distributed launch.

    Every rank runs the same code, so each warning would otherwise be
    printed once per process. The launcher's ``RANK`` decides (torchrun,
    SLURM's ``SLURM_PROCID``); a single process keeps its warnings.

    Returns:
        bool: Whether this process was silenced.
    """
    rank = os.environ.get('RANK', os.environ.get('SLURM_PROCID', '0'))
    if rank.isdigit() and int(rank) > 0:
        warnings.simplefilter('ignore')
        return True
    return False


def _first_host(node_list: str) -> str:
    """The first host of a SLURM node list (``gpu[01-04]`` -> ``gpu01``)."""
    try:
        proc = subprocess.run(['scontrol', 'show', 'hostname', node_list],
                              capture_output=True,
                              text=True)
        hosts = proc.stdout.split() if proc.returncode == 0 else []
        problem = proc.stderr.strip() or f'exit status {proc.returncode}'
    except OSError as err:
        hosts, problem = [], str(err)
    if not hosts:
        raise RuntimeError(
            f'--launcher slurm: cannot expand SLURM_NODELIST={node_list!r} '
            f'with `scontrol show hostname` ({problem}); set MASTER_ADDR to '
            'the first node of the job')
    return hosts[0]


def slurm_to_torch_env(environ: Optional[Dict[str, str]] = None) -> None:
    """Set torch's ``env://`` variables from SLURM's, as MMEngine does.

    The mapping of MMEngine 0.10.7's ``_init_dist_slurm`` (which cannot run
    without CUDA: it calls ``torch.cuda.set_device`` first):
    ``RANK = SLURM_PROCID``, ``WORLD_SIZE = SLURM_NTASKS``,
    ``LOCAL_RANK = SLURM_LOCALID``; ``MASTER_ADDR`` is kept if set, else
    the first host of ``SLURM_NODELIST`` (``scontrol show hostname``);
    ``MASTER_PORT`` is kept if set, else 29500.

    Args:
        environ (dict, optional): The environment to update; defaults to
            ``os.environ``.
    """
    env = os.environ if environ is None else environ
    missing = [
        key for key in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')
        if key not in env
    ]
    if missing:
        raise RuntimeError(
            f'--launcher slurm needs {", ".join(missing)} in the '
            'environment: start the tasks with srun (tools/slurm_train.sh)')
    rank = int(env['SLURM_PROCID'])
    if 'MASTER_ADDR' not in env:
        env['MASTER_ADDR'] = _first_host(env['SLURM_NODELIST'])
    env.setdefault('MASTER_PORT', '29500')
    env['WORLD_SIZE'] = env['SLURM_NTASKS']
    env['LOCAL_RANK'] = env.get('SLURM_LOCALID', str(rank))
    env['RANK'] = str(rank)


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Make ``--launcher pytorch`` and ``slurm`` work without CUDA.

    MMEngine 0.10.7 initialises a ``pytorch`` or ``slurm`` launch with
    ``torch.cuda.set_device(LOCAL_RANK)`` before ``init_process_group``,
    whatever the backend, and wraps the model in DDP with
    ``device_ids=[LOCAL_RANK]``. Both fail on CPU-only torch. When CUDA is
    unavailable we therefore

    * for ``slurm``, map SLURM's variables to torch's as MMEngine does
      (:func:`slurm_to_torch_env`);
    * init the default process group here with the ``gloo`` backend, from
      the ``env://`` variables that ``torchrun`` (or the mapping) sets
      (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``). The
      Runner then sees an initialised group and skips its own
      ``init_dist``;
    * record ``backend='gloo'`` in ``cfg.env_cfg.dist_cfg``, so the dumped
      config tells what actually ran;
    * build ``MMDistributedDataParallel`` with ``device_ids=None``, which
      is what DDP requires for CPU modules.

    With CUDA available, or any other launcher, nothing changes and MMEngine
    does its usual set-up.

    Args:
        cfg (Config): The config; modified in place.
        launcher (str): The ``--launcher`` value.

    Returns:
        bool: Whether the CPU set-up was applied.
    """
    if launcher not in ('pytorch', 'slurm') or torch.cuda.is_available():
        return False
    if launcher == 'slurm':
        slurm_to_torch_env()
    # Assign back: ``Config`` copies plain dicts into ``ConfigDict``s.
    env_cfg = dict(cfg.get('env_cfg') or {})
    dist_cfg = dict(env_cfg.get('dist_cfg') or {}, backend='gloo')
    env_cfg['dist_cfg'] = dist_cfg
    cfg.env_cfg = env_cfg
    if not torch_dist.is_initialized():
        kwargs = dict(backend='gloo')
        if dist_cfg.get('timeout') is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
        torch_dist.init_process_group(**kwargs)

    wrapper_cfg = cfg.get('model_wrapper_cfg')
    if wrapper_cfg is None:
        wrapper_cfg = dict(
            _DEFAULT_WRAPPER,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper = resolve_type(
        wrapper_cfg.get('type', 'MMDistributedDataParallel'), MODEL_WRAPPERS)
    if wrapper is not None and issubclass(wrapper, DistributedDataParallel):
        # The Runner only fills ``device_ids`` in when the key is missing.
        wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    return True


def set_work_dir(cfg: Config, work_dir: Optional[str],
                 config_file: str) -> None:
    """Set ``cfg.work_dir`` as MMAction2's tools do.

    The command line wins, then the config's own ``work_dir``, then
    ``./work_dirs/<config name>``.

    Args:
        cfg (Config): The config; modified in place.
        work_dir (str, optional): The ``--work-dir`` value.
        config_file (str): Path of the config file.
    """
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_file))[0])


def build_runner(cfg: Config) -> Runner:
    """Build the Runner the config asks for.

    Args:
        cfg (Config): A complete config.

    Returns:
        Runner: ``RUNNERS.build(cfg)`` when the config names a
        ``runner_type``, else our
        :class:`~aclnet_mm.engine.runner.SafeCheckpointRunner` (checked
        auto-resume, safe checkpoint loading).
    """
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return SafeCheckpointRunner.from_cfg(cfg)
