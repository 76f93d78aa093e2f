# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``tools/python_env.sh``: the interpreter and PYTHONPATH every launch
script (dist_*.sh, slurm_*.sh) uses."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAUNCH_SCRIPTS = ('dist_train.sh', 'dist_test.sh', 'slurm_train.sh',
                  'slurm_test.sh')


def _source(clone: Path, **env: str) -> list:
    """Source the helper as the launch scripts do; return PYTHON and
    PYTHONPATH as it leaves them."""
    script = ('set -euo pipefail; TOOLS_DIR=tools; '
              'source "$TOOLS_DIR/python_env.sh"; '
              'printf "%s\\n%s\\n" "$PYTHON" "$PYTHONPATH"')
    full_env = {
        k: v
        for k, v in os.environ.items() if k not in ('PYTHON', 'PYTHONPATH')
    }
    full_env.update(env)
    out = subprocess.run(['bash', '-c', script],
                         cwd=clone,
                         env=full_env,
                         capture_output=True,
                         text=True,
                         check=True).stdout
    return out.splitlines()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    (tmp_path / 'tools').mkdir()
    shutil.copy(REPO / 'tools' / 'python_env.sh', tmp_path / 'tools')
    return tmp_path


def test_plain_python_without_a_venv(clone):
    assert _source(clone) == ['python', 'tools/..:']


def test_the_clones_venv_when_there_is_one(clone):
    venv_python = clone / '.venv' / 'bin' / 'python'
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text('#!/bin/sh\n')
    venv_python.chmod(0o755)
    python, pythonpath = _source(clone, PYTHONPATH='/elsewhere')
    assert python == 'tools/../.venv/bin/python'
    assert pythonpath == 'tools/..:/elsewhere'
    # An explicit PYTHON wins over the venv.
    assert _source(
        clone, PYTHON='/opt/py/bin/python3')[0] == ('/opt/py/bin/python3')


@pytest.mark.parametrize('name', LAUNCH_SCRIPTS)
def test_every_launch_script_sources_it(name):
    text = (REPO / 'tools' / name).read_text()
    assert 'source "$TOOLS_DIR/python_env.sh"' in text
    assert 'VENV_PYTHON' not in text  # one place decides, not four
