#!/bin/bash
# Combine the 8 shard folders of scripts/cluster/slurm_batch.sh into one batch_summary.csv, one
# GeoPackage (batch.gpkg: every city's estates and bundles) and GeoParquet copies (estates.parquet,
# bundles.parquet). Submit it after the array (afterany: a shard whose areas failed still finished; the
# merge names a shard that did not):
#
#   sbatch --dependency=afterany:"$jid" scripts/cluster/slurm_merge.sh
#SBATCH --job-name=lifecircle-merge
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=01:00:00
#SBATCH --output=logs/lifecircle-merge-%j.log
set -euo pipefail

lifecircle batch --merge out/jiangsu/shard-1 out/jiangsu/shard-2 out/jiangsu/shard-3 out/jiangsu/shard-4 \
  out/jiangsu/shard-5 out/jiangsu/shard-6 out/jiangsu/shard-7 out/jiangsu/shard-8 --out out/jiangsu/merged
