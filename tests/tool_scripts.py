# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Import the scripts under ``tools/`` by path, for tests.

``tools/`` is not a package (as in MMAction2), so tests reach its scripts'
functions through :func:`load_tool` (other scripts of the repository, such
as ``demo/``, through :func:`load_script`; the video demo's package
``demo/video`` after :func:`add_demo_path`), or run them as subprocesses
(``run_tool`` of ``tests/tools/conftest.py``). Loading the root
``conftest.py`` puts this folder on ``sys.path`` (pytest's default
``prepend`` import mode), so every test module can
``from tool_scripts import load_tool``.

The tiny text configs the tests write inherit :data:`TEXT_RUNTIME`
(:func:`write_text_runtime`).
"""
import importlib.util
import os.path as osp
import sys
from types import ModuleType

__all__ = [
    'DEMO_DIR', 'REPO_ROOT', 'TEXT_RUNTIME', 'add_demo_path', 'load_script',
    'load_tool', 'write_text_runtime'
]

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The demo scripts' folder, holding the video demo's package ``video``.
DEMO_DIR = osp.join(REPO_ROOT, 'demo')


def add_demo_path() -> None:
    """Make ``import video`` find ``demo/video``, as it does for
    ``python demo/demo_skeleton.py`` (Python puts a script's folder first
    on ``sys.path``)."""
    if DEMO_DIR not in sys.path:
        sys.path.insert(0, DEMO_DIR)


def load_tool(path: str) -> ModuleType:
    """The module of the script ``tools/<path>``, imported once.

    Args:
        path (str): Path under ``tools/``, e.g. ``'data/synthetic.py'``.

    Returns:
        ModuleType: The module; its ``if __name__ == '__main__'`` block
        does not run.
    """
    return load_script(osp.join('tools', path))


def load_script(path: str) -> ModuleType:
    """The module of a script of the repository, imported once.

    Args:
        path (str): Path from the repository root, e.g.
            ``'demo/infer_skeleton.py'``.

    Returns:
        ModuleType: The module; its ``if __name__ == '__main__'`` block
        does not run.
    """
    file = osp.join(REPO_ROOT, path)
    parts = osp.splitext(path)[0].split('/')
    if parts[0] == 'demo':
        add_demo_path()  # its scripts import the package beside them
    if parts[0] == 'tools':
        parts[0] = 'aclnet_tools'
    name = '.'.join(parts)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None:
        raise FileNotFoundError(f'no script {file}')
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs, as an import would: pickling and
    # dataclasses look the module up by name.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
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
    resume_schedule=dict(type='ResumeScheduleHook', mode='rebuild'),
    cpu_threads=dict(type='CpuThreadsHook', num_threads='auto'))
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


def write_paper_protocol_config(folder: str, benchmark: str) -> str:
    """Write the paper protocol's recipe (``_base_/paper_protocol.py``) for
    a benchmark config of ``configs/aclnet`` (its module name) into
    ``folder``, exactly as a user would; returns the file."""
    path = osp.join(folder, f'{benchmark}_paper_protocol.py')
    with open(path, 'w') as f:
        f.write(f"""from mmengine.config import read_base

with read_base():
    from aclnet_mm.configs._base_.paper_protocol import *
    from aclnet_mm.configs.aclnet.{benchmark} import *

train_dataloader.dataset.update(carve=None)
val_dataloader.dataset.update(carve=None, split=test_split)
val_dataloader.dataset.pipeline[test_sampler_index].update(
    paper_sampler, short_clips=pyskl_short_clips)
test_dataloader.dataset.pipeline[test_sampler_index].update(
    paper_sampler, short_clips=pyskl_short_clips)
custom_hooks += paper_hooks
""")
    return path
