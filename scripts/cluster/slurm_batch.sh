#!/bin/bash
# lifecircle batch over a province's cities on a Slurm cluster: one array task per shard, no coordinator.
# Every task computes the same assignment of the cities to the 8 shards (balanced by estimated work) and
# plans only its own; --shard counts from 1, as the array does. Resumable: resubmitting a failed task
# skips the cities its folder already finished.
#
#   mkdir -p logs && jid=$(sbatch --parsable scripts/cluster/slurm_batch.sh)
#   sbatch --dependency=afterany:"$jid" scripts/cluster/slurm_merge.sh
#
# The shard count is written twice, in --array and in --shard .../8: change both together.
#SBATCH --job-name=lifecircle-batch
#SBATCH --array=1-8
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=12:00:00
#SBATCH --output=logs/lifecircle-batch-%A-%a.log
set -euo pipefail
export RAYON_NUM_THREADS="${SLURM_CPUS_PER_TASK:-8}"

lifecircle batch --inputs extracts/jiangsu-cities --shard "${SLURM_ARRAY_TASK_ID}/8" \
  --out "out/jiangsu/shard-${SLURM_ARRAY_TASK_ID}" --log-format json
