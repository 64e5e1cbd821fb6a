#!/usr/bin/env bash
# Train under slurm; on preemption or near the time limit, checkpoint,
# requeue and resume where the run stopped (docs/cluster.md).
#
#   sbatch --nodes=1 --ntasks-per-node=4 --gres=gpu:4 --cpus-per-task=5 \
#       [--partition=P] [--time=24:00:00] \
#       tools/slurm_train.sh CONFIG WORK_DIR [train.py args...]
#
# One task per GPU (mmengine's slurm launcher reads SLURM_PROCID etc.).
# 90 s before the time limit slurm sends SIGUSR1 to the tasks; on preemption
# it sends SIGTERM. PreemptionHook (in every shipped config) then finishes
# the iteration, writes a checkpoint, and the tasks exit with 75, on which
# this script requeues the job. Every start passes --resume, so the
# requeued job continues from WORK_DIR/last_checkpoint.
#SBATCH --job-name=cwbass
#SBATCH --signal=USR1@90
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=slurm-%x-%j.out

PREEMPTED=75
if [ $# -lt 2 ]; then
    echo "usage: sbatch [slurm options] $0 CONFIG WORK_DIR [train.py args]" >&2
    exit 2
fi
CONFIG=$1
WORK_DIR=$2
shift 2
# sbatch runs a copy of this file: find the repository from where sbatch was
# called (or set MMSEG_CWBASS_ROOT).
ROOT=${MMSEG_CWBASS_ROOT:-${SLURM_SUBMIT_DIR:-$(pwd)}}
# One port per job, so two jobs sharing a node do not collide.
export MASTER_PORT=${MASTER_PORT:-$((20000 + ${SLURM_JOB_ID:-0} % 10000))}

# The batch shell gets the preemption SIGTERM too: note it and carry on
# waiting for the tasks (they are checkpointing).
trap 'echo "slurm_train.sh: SIGTERM, waiting for the checkpoint"' TERM

echo "slurm_train.sh: job ${SLURM_JOB_ID:-?} restart ${SLURM_RESTART_COUNT:-0}"
# --kill-on-bad-exit=0: after a preemption every task exits with 75 on its
# own (they pass a barrier once the checkpoint is complete); killing the
# others when the first one exits would turn srun's status into 128+9. A
# crashed rank still ends the others within seconds (the collective fails
# with "Connection closed by peer"), or at the collective timeout.
PYTHONPATH="$ROOT":$PYTHONPATH \
srun --kill-on-bad-exit=0 \
    python -u "$ROOT/tools/train.py" "$CONFIG" --work-dir "$WORK_DIR" \
    --launcher slurm --resume "$@"
status=$?

if [ "$status" -eq "$PREEMPTED" ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    echo "slurm_train.sh: checkpoint written; requeueing job $SLURM_JOB_ID"
    # With PreemptMode=REQUEUE slurm requeues by itself and this may fail.
    scontrol requeue "$SLURM_JOB_ID" || true
fi
exit "$status"
