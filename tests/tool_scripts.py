# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Import the command-line scripts of ``tools/`` in tests.

The scripts are not a package (as in MMAction2); a test loads one by its
path, ``load_tool('train')`` or ``load_tool('deployment/export_onnx')``, and
calls its functions, or runs it as a subprocess (``tests/tools/conftest.py``
``run_tool``).
"""
import importlib.util
import os.path as osp
import sys
from types import ModuleType

__all__ = [
    'REPO_ROOT', 'TEXT_RUNTIME', 'load_script', 'load_tool',
    'write_text_runtime'
]

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(name: str) -> ModuleType:
    """The module of ``tools/<name>.py``, loaded once per session.

    Args:
        name (str): The script's path under ``tools/`` without ``.py``.

    Returns:
        ModuleType: The script as a module.
    """
    return load_script(f'tools/{name}.py')


def load_script(path: str) -> ModuleType:
    """A script of the repository as a module, loaded once per session.

    Args:
        path (str): Its path from the repository root.

    Returns:
        ModuleType: The script as a module (registered in ``sys.modules``
        under a name made of its path, so that what it defines pickles).
    """
    module_name = osp.splitext(path)[0].replace('/', '_')
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = osp.join(REPO_ROOT, path)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


#: The runtime of the tiny text configs the tests write, as the shipped
#: runtime fragment (``configs/_base_/default_runtime.py``) sets it, in the
#: text style: a text config cannot inherit a class-typed fragment.
TEXT_RUNTIME = """
default_scope = 'mmaction'
custom_imports = dict(imports=['aclnet_mm'], allow_failed_imports=False)
runner_type = 'SafeCheckpointRunner'
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=1, save_best='auto',
        max_keep_ckpts=3, backend_args=dict(backend='aclnet_atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'),
    preemption=dict(type='PreemptionHook'),
    non_finite_loss=dict(type='NonFiniteLossHook', mode='raise'),
    resume_schedule=dict(type='ResumeScheduleHook', mode='rebuild'))
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
"""


def write_text_runtime(folder: str) -> str:
    """Write :data:`TEXT_RUNTIME` as ``runtime.py`` in ``folder``.

    Returns:
        str: Its path, for a tiny text config's ``_base_``.
    """
    path = osp.join(str(folder), 'runtime.py')
    with open(path, 'w') as file:
        file.write(TEXT_RUNTIME)
    return path
