# Copyright (c) aclnet-mm contributors. All rights reserved.
"""External configs inherit ours in an editable and in a regular install.

Each install goes into a fresh virtual environment whose other packages
(torch, MMEngine, MMAction2, openmim) are those of the running interpreter,
reached through a ``.pth`` file; this project's own installation there is
left out, so ``aclnet_mm`` comes from the install under test only. An
external config in another folder inherits the embedded ACLNet config with
``from aclnet_mm.configs... import *`` and trains one epoch through
``mim train mmaction`` (MMAction2's tools/train.py).
"""
import os
import os.path as osp
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA = osp.join(ROOT, 'data', 'embedded', 'body25_2d.pkl')
SITE = next(
    p for p in sys.path
    if p.endswith('site-packages') and osp.isdir(osp.join(p, 'mim')))

EXTERNAL = textwrap.dedent("""\
    # An external config: ACLNet on the embedded data, one short epoch.
    from mmengine.config import read_base

    with read_base():
        from aclnet_mm.configs.aclnet.aclnet_aclgcn_1xb16_joint_u24_30e_body25_embedded_keypoint_2d import *  # noqa: F401,F403,E501

    train_cfg.update(max_epochs=1, val_interval=1)
    train_dataloader.update(batch_size=32)
    default_hooks.checkpoint.update(interval=1)
    """)


def _shared_site(tmp_path) -> str:
    """The running interpreter's packages without this project's install
    (a folder of links: its dist-info would name the wrong location)."""
    # Named site-packages: MMEngine's lazy configs import packages found
    # outside such folders for real instead of lazily.
    shared = tmp_path / 'shared' / 'site-packages'
    shared.mkdir(parents=True)
    for name in os.listdir(SITE):
        low = name.lower()
        if 'aclnet' in low or low.endswith('.pth'):
            continue
        os.symlink(osp.join(SITE, name), shared / name)
    return str(shared)


def _copy(tmp_path) -> str:
    source = tmp_path / 'source'
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns('.git', '.venv', 'data', 'work_dirs',
                                      'build', '*.egg-info', '__pycache__'))
    return str(source)


def _venv(tmp_path, name: str, shared: str) -> str:
    env_dir = tmp_path / name
    subprocess.run([
        getattr(sys, '_base_executable', sys.executable), '-m', 'venv',
        '--without-pip',
        str(env_dir)
    ],
                   check=True)
    python = str(env_dir / 'bin' / 'python')
    site = subprocess.run([
        python, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'
    ],
                          check=True,
                          capture_output=True,
                          text=True).stdout.strip()
    with open(osp.join(site, 'shared_packages.pth'), 'w') as f:
        f.write(shared + '\n')
    return python


def _run(cmd, cwd, env=None):
    done = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, env=env)
    assert done.returncode == 0, (
        f'{cmd} failed ({done.returncode}):\n{done.stdout[-3000:]}\n'
        f'{done.stderr[-5000:]}')
    return done


@pytest.mark.skipif(not osp.isfile(DATA), reason='run `make data` first')
def test_external_config_trains_in_editable_and_regular_install(tmp_path):
    shared = _shared_site(tmp_path)
    project = tmp_path / 'project'
    project.mkdir()
    os.symlink(osp.join(ROOT, 'data'), project / 'data')
    (project / 'my_aclnet.py').write_text(EXTERNAL)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('PYTHONPATH', None)
    for mode in ('editable', 'regular'):
        python = _venv(tmp_path, mode, shared)
        install = [
            python, '-m', 'pip', 'install', '--no-deps',
            '--no-build-isolation', '--no-index', '-q'
        ]
        # A regular install builds in the source folder (build/): from a
        # copy, so the work tree stays clean.
        install += ['-e', ROOT] if mode == 'editable' else [_copy(tmp_path)]
        _run(install, cwd=str(tmp_path), env=env)
        where = _run([
            python, '-c', 'import aclnet_mm, mmengine.utils as u; '
            'print(aclnet_mm.__file__); '
            "print(u.get_installed_path('aclnet_mm'))"
        ],
                     cwd=str(project),
                     env=env).stdout.split()
        package = osp.dirname(where[0])
        assert where[1] == package
        if mode == 'editable':
            assert package == osp.join(ROOT, 'aclnet_mm')
        else:
            assert package.startswith(str(tmp_path / mode))
        work_dir = tmp_path / f'work_{mode}'
        _run([
            python, '-c', 'import sys; from mim.cli import cli; '
            'sys.exit(cli())', 'train', 'mmaction', 'my_aclnet.py', '--gpus',
            '0', '--work-dir',
            str(work_dir)
        ],
             cwd=str(project),
             env=env)
        assert (work_dir / 'epoch_1.pth').is_file(), os.listdir(work_dir)
