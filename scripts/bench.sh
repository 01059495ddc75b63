#!/usr/bin/env bash
# The benchmarks of the main paths (not tests). Each writes its figures to bench/results/*.json.
# Run on a quiet machine: they measure wall time, and record CPU time and load average beside it.
set -euo pipefail
source "$(dirname "$0")/airflow_env.sh"
cd "$IPSTATS_ROOT"
export IPSTATS_HOME=$(mktemp -d)   # never the developer's data folder
trap 'rm -rf "$IPSTATS_HOME"' EXIT
mkdir -p bench/results
python scripts/bench_ingest.py       # CLI ingest + backfill of ten years, nightly DAG over a month, DAG parse
python scripts/bench_progress.py     # refresh_marts: all plans x all as-of months
python scripts/bench_reports.py      # all plans' reports for one period
if [[ "${IPSTATS_BENCH_TOPOLOGY:-1}" == 1 ]]; then
  python scripts/bench_topology.py   # ten-year backfill through scheduler + CeleryExecutor
fi
echo "figures in bench/results/"
