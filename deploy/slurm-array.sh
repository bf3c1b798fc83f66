#!/bin/bash
# rnnlab sweep as a Slurm job array: one array task per run of the plan, all writing to one shared folder.
#
# 1. Count the runs (and write plan.json) on the login node:
#      node bin/rnnlab.mjs sweep --grid deploy/grid-adding-vs-T.json --out /shared/$USER/sweep --plan
#    It prints "N runs"; set --array=0-(N-1) below (or override: sbatch --array=0-23 deploy/slurm-array.sh).
# 2. Submit, then merge when every task has ended:
#      jid=$(sbatch --parsable deploy/slurm-array.sh)
#      sbatch --dependency=afterany:$jid --wrap "node bin/rnnlab.mjs sweep --out /shared/$USER/sweep --collect"
#
# Each task runs the run whose index is $SLURM_ARRAY_TASK_ID (rnnlab reads it when --index is not
# given) and writes runs/<id>.json when done. Near the time limit Slurm sends SIGTERM (--signal below):
# the run writes its checkpoint and exits 130; `--requeue` (or resubmitting the same array) continues
# it from there. Finished runs are skipped, so resubmitting the whole array is always safe.
#
#SBATCH --job-name=rnnlab-sweep
#SBATCH --array=0-23%8             # edit: 0..N-1 from --plan; %8 = at most 8 tasks at once
#SBATCH --cpus-per-task=1          # a run is one thread
#SBATCH --mem=2G
#SBATCH --time=08:00:00            # edit: see the README for the time per step
#SBATCH --signal=B:TERM@120        # SIGTERM to the batch shell (node, after exec) 2 minutes before the limit
#SBATCH --requeue
#SBATCH --output=rnnlab-sweep-%A_%a.out

set -euo pipefail
RNNLAB_DIR=${RNNLAB_DIR:-$SLURM_SUBMIT_DIR}       # edit: the repository checkout (after npm ci)
GRID=${GRID:-$RNNLAB_DIR/deploy/grid-adding-vs-T.json}
OUT=${OUT:-/shared/$USER/sweep}                   # edit: a folder every node can write

cd "$RNNLAB_DIR"
# module load nodejs/20    # edit: if Node >= 20.19 is a module on your cluster
exec node bin/rnnlab.mjs sweep --grid "$GRID" --out "$OUT" --quiet
