"""Nightly ingest: every new export in the landing folder becomes validated warehouse observations.

02:00 Asia/Shanghai every night: list the files whose bytes the warehouse has never seen, then one
mapped task per file (archive → parse → GX validation → publish), so one bad file never stops the
others. A quarantined file fails its own mapped task (no retry: the fault is in the file; the
reason and the validation page are in its log and in ``load_batches``), and the final
``check_run`` task then fails the run so the failure is reported. Reconciliation and the marts
refresh still run for what did load, and the refresh emits the ``ip_warehouse`` asset.

Tasks that write the warehouse use the pool ``duckdb_writer`` (1 slot for the embedded DuckDB
file; on PostgreSQL give it more: ``airflow pools set duckdb_writer $IPSTATS_WRITER_POOL_SLOTS ...``).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, CronTriggerTimetable, TriggerRule, get_current_context, task

from etl.dag_settings import TIMEZONE, WAREHOUSE_ASSET, WRITER_POOL, default_args

WAREHOUSE = Asset(**WAREHOUSE_ASSET)


with DAG(
    dag_id="ip_ingest_nightly",
    description="Parse, validate and load every new export in the landing folder",
    schedule=CronTriggerTimetable("0 2 * * *", timezone=TIMEZONE),
    start_date=pendulum.datetime(2024, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(retries=1),
    tags=["ipstats", "ingest"],
) as dag:

    @task(pool=WRITER_POOL)
    def list_new_files() -> list[str]:
        """Landing files whose content hash the warehouse has not seen."""
        from etl.ingest.jobs import list_new_files as new_files

        return new_files()

    @task(pool=WRITER_POOL, multiple_outputs=False, map_index_template="{{ file_name }}")
    def ingest_file(path: str) -> dict:
        """One file: archive, parse, validate, publish; fails (without retrying) if quarantined."""
        from pathlib import Path

        from airflow.sdk.exceptions import AirflowFailException

        from etl.ingest.jobs import ingest_one

        context = get_current_context()
        context["file_name"] = Path(path).name
        outcome = ingest_one(path, context["run_id"])
        if outcome["status"] == "quarantined":
            raise AirflowFailException(f"quarantined {outcome['original_name']}: {outcome['reason']}")
        return outcome

    @task(pool=WRITER_POOL, trigger_rule=TriggerRule.ALL_DONE)
    def reconcile() -> int:
        """Reconciliation warnings (city sums, stock vs flow) for what this run published."""
        from etl.ingest.jobs import reconcile_run

        return reconcile_run(get_current_context()["run_id"])

    @task(pool=WRITER_POOL, outlets=[WAREHOUSE])
    def refresh_derived_tables() -> int | None:
        """Rebuild the progress marts and tell asset-scheduled DAGs (reports) the warehouse changed."""
        from etl.ingest.jobs import refresh_derived_tables as refresh

        return refresh()

    @task(pool=WRITER_POOL, multiple_outputs=False)  # reads the DuckDB file: not beside a writer
    def check_run() -> dict:
        """Summarise the run; runs only when every file loaded (else upstream_failed fails the run)."""
        from etl.ingest.jobs import run_summary

        return run_summary(get_current_context()["run_id"])

    files = list_new_files()
    loaded = ingest_file.expand(path=files)
    reconciled = reconcile()
    loaded >> reconciled >> refresh_derived_tables()
    [loaded, reconciled] >> check_run()
