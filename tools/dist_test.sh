#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
# The interpreter tools/train.py would use: `python` on PATH, i.e. the
# project's .venv once it is activated ($PYTHON to choose another).
PYTHON=${PYTHON:-python}
if ! "$PYTHON" -c 'import torch, mmseg' >/dev/null 2>&1; then
    echo "$(basename "$0"): '$PYTHON' ($(command -v "$PYTHON" || echo 'not found')) cannot import torch and mmseg;" \
        "activate the project's environment first: source .venv/bin/activate (created by make setup)" >&2
    exit 1
fi

CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/test.py" \
    "$CONFIG" \
    "$CHECKPOINT" \
    --launcher pytorch "${@:4}"
