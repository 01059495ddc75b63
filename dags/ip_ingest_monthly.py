"""Monthly reprocessing: a run owns one calendar month and reprocesses the ARCHIVED exports whose
period ends in it, idempotently (bytes already published are unchanged).

The data interval is a month (08:00 Asia/Shanghai on the 1st to the next 1st), so Airflow's own
backfill rebuilds years of warehouse from the raw archive:

    airflow backfill create --dag-id ip_ingest_monthly --from-date 2016-01-01 --to-date 2025-12-31

08:00 local is 00:00 UTC: ``backfill create`` reads its dates as UTC midnights, so with this hour the
run of January 2016 (logical date 2016-01-01T00:00Z) is inside ``--from-date 2016-01-01`` and the
run of December 2025 inside ``--to-date 2025-12-31``; at 03:00 local January would fall outside.

Runs go one at a time in date order (max_active_runs=1), so year-to-date checks see the months
before. A month with a quarantined export ends in failure after loading the rest.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, get_current_context, task

from etl.dag_settings import TIMEZONE, WAREHOUSE_ASSET, WRITER_POOL, default_args

WAREHOUSE = Asset(**WAREHOUSE_ASSET)


with DAG(
    dag_id="ip_ingest_monthly",
    description="Reprocess the archived exports of one month (backfill-friendly, idempotent)",
    schedule=CronDataIntervalTimetable("0 8 1 * *", timezone=TIMEZONE),
    start_date=pendulum.datetime(2016, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(retries=1),
    tags=["ipstats", "ingest", "backfill"],
) as dag:

    @task(pool=WRITER_POOL, multiple_outputs=False)
    def reprocess_month() -> dict:
        """Parse, validate and publish the month's archived exports (data interval start, local time)."""
        from datetime import date

        from etl.ingest.jobs import reprocess_month as reprocess

        context = get_current_context()
        start = pendulum.instance(context["data_interval_start"]).in_timezone(TIMEZONE)
        return reprocess(date(start.year, start.month, 1), context["run_id"])

    @task(pool=WRITER_POOL, outlets=[WAREHOUSE])
    def refresh_derived_tables(summary: dict) -> int | None:
        """Rebuild the progress marts when the month published anything."""
        from etl.ingest.jobs import refresh_derived_tables as refresh

        return refresh() if summary["published"] else None

    @task(multiple_outputs=False)
    def check_month(summary: dict) -> dict:
        """Fail the run (after everything else loaded) when an export of the month was quarantined."""
        from airflow.sdk.exceptions import AirflowFailException

        if summary["quarantined"]:
            raise AirflowFailException("quarantined: " + "; ".join(summary["quarantined"]))
        return summary

    summary = reprocess_month()
    refresh_derived_tables(summary)
    check_month(summary)
