#!/usr/bin/env bash
# Copyright (c) aclnet-mm contributors. All rights reserved.
# Train on a SLURM cluster, one task per GPU (MMAction2's interface):
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#   bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] \
#       [train.py options]
# Ranks come from SLURM's variables (SLURM_PROCID, SLURM_NTASKS,
# SLURM_LOCALID, SLURM_NODELIST) through `--launcher slurm`. A job told to
# stop (SIGTERM, or `SRUN_ARGS="--signal=USR1@120"`) saves an iteration
# checkpoint and exits with 75: requeue it and pass `--resume` (see
# docs/user_guides/cluster.md). Set PYTHON to choose the interpreter (default: .venv's),
# SRUN to replace `srun` (e.g. by a wrapper).

set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py options]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
# An optional WORK_DIR comes before the options (MMAction2 takes none). The
# array is expanded with ${a[@]+...}: bash < 4.4 calls an empty one unbound.
WORK_DIR_ARGS=()
if [[ $# -gt 0 && $1 != -* ]]; then
    WORK_DIR_ARGS=(--work-dir "$1")
    shift
fi
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
    "$PYTHON" -u "$TOOLS_DIR/train.py" "$CONFIG" \
    ${WORK_DIR_ARGS[@]+"${WORK_DIR_ARGS[@]}"} \
    --launcher slurm "$@"
