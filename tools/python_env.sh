# Copyright (c) aclnet-mm contributors. All rights reserved.
# Sourced by the launch scripts (dist_*.sh, slurm_*.sh), not run: picks the
# interpreter and puts the clone on PYTHONPATH.
#   PYTHON   the interpreter; default: the project's .venv when there is one
#            (as after `make demo`), else the `python` on PATH.
# Expects TOOLS_DIR (the folder of the calling script) to be set.

VENV_PYTHON="$TOOLS_DIR/../.venv/bin/python"
if [ -x "$VENV_PYTHON" ]; then DEFAULT_PYTHON=$VENV_PYTHON; else DEFAULT_PYTHON=python; fi
PYTHON=${PYTHON:-$DEFAULT_PYTHON}
# The clone's package first, also for an editable install made elsewhere.
export PYTHONPATH="$TOOLS_DIR/..":${PYTHONPATH:-}
