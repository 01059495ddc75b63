"""Plan-monitoring reports: every plan's due report rendered, archived and e-mailed.

One DAG on an AssetOrTimeSchedule: it runs on its calendar (the 5th of every month at 09:00
Asia/Shanghai) AND whenever the ingest DAGs update the warehouse asset. Each run works out the
periods due on its date: the previous month's brief always; the quarterly report when that month
closed a quarter (January, April, July, October runs); the annual evaluation when it closed the
year (January runs). A run after new data renders the due reports again: unchanged inputs give
the archived version (not sent again); changed inputs give a new version, sent once as a
revision. Sending is its own task with retries; whatever a failed run left pending is sent by
the next run. Trigger manually with ``{"periods": ["2024-Q2"], "plans": ["huizhou-14fyp"]}`` to
render chosen periods (and plans).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, AssetOrTimeSchedule, CronTriggerTimetable, Param, get_current_context, task

from etl.dag_settings import TIMEZONE, WAREHOUSE_ASSET, default_args

WAREHOUSE = Asset(**WAREHOUSE_ASSET)


with DAG(
    dag_id="ip_reports",
    description="Render, archive and e-mail every plan's monitoring report for the periods that are due",
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 9 5 * *", timezone=TIMEZONE), assets=WAREHOUSE),
    start_date=pendulum.datetime(2024, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(retries=3),
    tags=["ipstats", "reports", "email"],
    params={"periods": Param([], type="array", description="periods to render instead of the due ones"),
            "plans": Param([], type="array", description="plan ids to render (default: every plan)")},
) as dag:

    @task
    def due_periods() -> list[str]:
        """The periods due on this run's date (Asia/Shanghai), or the ones asked for."""
        from etl.reports.periods import due_periods as periods_due_on

        context = get_current_context()
        asked = list(context["params"].get("periods") or [])
        if asked:
            return asked
        moment = context.get("logical_date") or context["dag_run"].run_after
        day = pendulum.instance(moment).in_timezone(TIMEZONE).date()
        return [period.label for period in periods_due_on(day)]

    @task(pool="duckdb_writer", retries=1)
    def render_reports(periods: list[str]) -> list[str]:
        """Render and archive every plan's report for each period; returns the archive ids."""
        from etl.reports.jobs import render_period
        from etl.reports.recipients import load_recipients
        from etl.warehouse import get_engine, init_db

        engine = get_engine()
        init_db(engine)
        recipients = load_recipients()
        plans = list(get_current_context()["params"].get("plans") or []) or None
        return [report.archive_id for period in periods
                for report in render_period(engine, period, recipients=recipients, plans=plans)]

    @task(pool="duckdb_writer", multiple_outputs=False)
    def send_reports(archive_ids: list[str]) -> dict:
        """E-mail each report once, then anything pending from earlier runs; fails (and retries)
        while the SMTP server is unreachable, losing nothing."""
        from etl.reports.jobs import send_archived
        from etl.warehouse import get_engine

        return send_archived(get_engine(), archive_ids)

    send_reports(render_reports(due_periods()))
