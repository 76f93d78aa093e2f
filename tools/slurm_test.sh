#!/usr/bin/env bash
# Copyright (c) aclnet-mm contributors. All rights reserved.
# Test a checkpoint on a SLURM cluster, one task per GPU (MMAction2's
# interface):
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#   bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT \
#       [test.py options]
# Ranks come from SLURM's variables through `--launcher slurm`. Set PYTHON
# to choose the interpreter (default: .venv's), SRUN to replace `srun`.

set -euo pipefail

if [[ $# -lt 4 ]]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
shift 4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
SRUN=${SRUN:-srun}
TOOLS_DIR=$(dirname "$0")
# shellcheck source=tools/python_env.sh
source "$TOOLS_DIR/python_env.sh"

# SRUN_ARGS is split on spaces on purpose: it holds several options.
# shellcheck disable=SC2086
$SRUN -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "$PYTHON" -u "$TOOLS_DIR/test.py" "$CONFIG" "$CHECKPOINT" \
    --launcher slurm "$@"
