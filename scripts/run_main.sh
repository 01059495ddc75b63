#!/usr/bin/env bash
# The main job on the embedded default: DuckDB warehouse, SQLite Airflow metadata, reports to a
# folder, email to an outbox folder. Safe to rerun: every step is idempotent.
set -euo pipefail
source "$(dirname "$0")/airflow_env.sh"
cd "$IPSTATS_ROOT"
FROM_YEAR=${IPSTATS_SAMPLE_FROM:-2016}
TO_YEAR=${IPSTATS_SAMPLE_TO:-2025}

echo "== warehouse schema and catalogs"
ipstats db init

echo "== synthetic sample exports ${FROM_YEAR}-${TO_YEAR} into $IPSTATS_HOME/landing"
ipstats samples generate --from "$FROM_YEAR" --to "$TO_YEAR" --out "$IPSTATS_HOME/landing"

echo "== Airflow metadata (SQLite) and pools"
airflow db migrate >/dev/null
airflow pools set duckdb_writer 1 "DuckDB allows one writer process" >/dev/null

echo "== nightly ingest DAG over the landing folder"
airflow dags test ip_ingest_nightly

echo "== report DAG (renders every plan's due reports; email goes to the outbox)"
airflow dags test ip_reports

echo "== done: reports in $IPSTATS_HOME/reports, email in $IPSTATS_HOME/outbox"
ls "$IPSTATS_HOME/outbox" | tail -5 || true
