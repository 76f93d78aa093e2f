#!/usr/bin/env bash
# Copyright (c) aclnet-mm contributors. All rights reserved.
# Distributed training on one or more nodes:
#   bash tools/dist_train.sh CONFIG GPUS [train.py options]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node.
# Without CUDA the processes run on the CPU with the gloo backend.
# `python -m torch.distributed.run` is the `torchrun` command; calling it
# through the interpreter keeps the launcher and the workers in the same
# environment. Set PYTHON to choose the interpreter (default: .venv's).

set -euo pipefail

CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
TOOLS_DIR=$(dirname "$0")
# shellcheck source=tools/python_env.sh
source "$TOOLS_DIR/python_env.sh"

"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$TOOLS_DIR/train.py" "$CONFIG" --launcher pytorch "${@:3}"
