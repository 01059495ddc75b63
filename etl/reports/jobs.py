"""Every plan's reports for the periods that are due: the one function the report DAG, the CLI's
``--all`` and the benchmark call."""

from __future__ import annotations

import logging
import os
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from etl.config import get_settings
from etl.reports.archive import RenderedReport, draw_prepared, finish_report, prepare_report
from etl.reports.delivery import DeliveryFailed, deliver, deliver_pending
from etl.reports.periods import ReportPeriod, due_periods, parse_period
from etl.reports.recipients import RecipientsConfig, load_recipients
from etl.warehouse import read_frame

log = logging.getLogger(__name__)


def reportable_plans(engine: Engine) -> list[tuple[str, str]]:
    """(plan_id, region_code) of every plan with at least one target."""
    with engine.connect() as conn:
        frame = read_frame(conn, "SELECT p.plan_id, p.region_code FROM plan_plans p WHERE EXISTS "
                                 "(SELECT 1 FROM plan_targets t WHERE t.plan_id = p.plan_id) ORDER BY p.plan_id")
    return [(str(a), str(b)) for a, b in frame.itertuples(index=False)]


def default_workers() -> int:
    """Drawing processes: ``IPSTATS_REPORT_WORKERS``, else one per CPU up to 4.

    Inside a daemonic process (a Celery prefork child) no child process may be started, so the
    drawing then happens in the task process itself.
    """
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return 1
    configured = os.environ.get("IPSTATS_REPORT_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(4, os.cpu_count() or 1))


def render_period(engine: Engine, period: str | ReportPeriod, out_dir: Path | str | None = None,
                  recipients: RecipientsConfig | None = None, langs: list[str] | None = None,
                  workers: int | None = None, generated_at: datetime | None = None,
                  plans: list[str] | None = None) -> list[RenderedReport]:
    """Every plan's report for ``period``: Chinese always, English too where a recipient reads it
    (or the languages given). Inputs are read and results archived here, in this process (one
    writer, as DuckDB wants); the drawing (charts, PDF) runs in ``workers`` forked processes."""
    report_period = period if isinstance(period, ReportPeriod) else parse_period(period)
    prepared = []
    known = reportable_plans(engine)
    unknown = sorted(set(plans or []) - {plan for plan, _ in known})
    if unknown:
        raise LookupError(f"no such plan(s) with targets: {', '.join(unknown)}")
    for plan_id, region in known:
        if plans and plan_id not in plans:
            continue
        wanted = langs or sorted({"zh", *(recipients.languages_for(plan_id, region) if recipients else [])},
                                 key=("zh", "en").index)
        prepared += [prepare_report(engine, plan_id, report_period, lang, generated_at) for lang in wanted]
    to_draw = [p for p in prepared if not p.reusable]
    workers = min(workers or default_workers(), len(to_draw))
    drawn: dict[str, Any] = {}
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Biggest first, so the pool's last task is a short one.
        to_draw.sort(key=lambda p: -len(p.inputs["rows"]))
        engine.dispose()  # no pooled connection may cross the fork
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {p.archive_id: pool.submit(draw_prepared, p) for p in to_draw}
            drawn = {archive_id: future.result() for archive_id, future in futures.items()}
    else:
        drawn = {p.archive_id: draw_prepared(p) for p in to_draw}
    return [finish_report(engine, p, drawn.get(p.archive_id), out_dir) for p in prepared]


def run_due_reports(engine: Engine, today: date | None = None, periods: list[str] | None = None,
                    send: bool = True, out_dir: Path | str | None = None) -> dict[str, Any]:
    """Render and send every plan's report for each due period (by default those due on ``today``,
    Asia/Shanghai), then send whatever is still pending from earlier runs. Everything is
    rendered and archived before a delivery failure is raised."""
    settings = get_settings()
    today = today or datetime.now(ZoneInfo(settings.timezone)).date()
    chosen = [parse_period(p) for p in periods] if periods else due_periods(today)
    recipients = load_recipients() if send else None
    summary: dict[str, Any] = {"periods": [p.label for p in chosen], "reports": [], "deliveries": [], "failures": []}
    started = time.perf_counter()
    for period in chosen:
        for report in render_period(engine, period, out_dir=out_dir, recipients=recipients):
            summary["reports"].append({"archive_id": report.archive_id, "reused": report.reused_archive,
                                       "fingerprint": report.fingerprint[:16]})
            if not send:
                continue
            try:
                result = deliver(engine, report, recipients=recipients)
                summary["deliveries"].append({"archive_id": report.archive_id, "delivery_id": result.delivery_id,
                                              "status": result.status})
            except DeliveryFailed as exc:
                summary["failures"].append(str(exc))
                summary["deliveries"] += [{"delivery_id": d, "status": "failed"} for d in exc.delivery_ids]
    if send:
        try:
            for result in deliver_pending(engine, recipients=recipients,
                                          skip={d.get("delivery_id") for d in summary["deliveries"]}):
                summary["deliveries"].append({"delivery_id": result.delivery_id, "status": "sent (pending)"})
        except DeliveryFailed as exc:
            summary["failures"].append(str(exc))
    summary["seconds"] = round(time.perf_counter() - started, 2)
    log.info("reports: %s", summary)
    if summary["failures"]:
        raise DeliveryFailed(f"{len(summary['failures'])} delivery failure(s); they stay pending: "
                             + " | ".join(summary["failures"]))
    return summary


def send_archived(engine: Engine, archive_ids: list[str], recipients: RecipientsConfig | None = None
                  ) -> dict[str, Any]:
    """Deliver archived reports (once per version) and then everything still pending; raises
    DeliveryFailed at the end when anything failed, so a task retries."""
    from etl.reports.archive import archived_report

    recipients = recipients or load_recipients()
    summary: dict[str, Any] = {"sent": [], "already_sent": [], "no_recipients": [], "failures": []}
    attempted: set[str] = set()
    for archive_id in archive_ids:
        try:
            result = deliver(engine, archived_report(engine, archive_id), recipients=recipients)
            summary.setdefault(result.status, []).append(result.delivery_id or archive_id)
            if result.delivery_id:
                attempted.add(result.delivery_id)
        except DeliveryFailed as exc:
            summary["failures"].append(str(exc))
            attempted.update(exc.delivery_ids)
    try:
        summary["sent"] += [result.delivery_id for result in
                            deliver_pending(engine, recipients=recipients, skip=attempted)]
    except DeliveryFailed as exc:
        summary["failures"].append(str(exc))
    log.info("report deliveries: %s", summary)
    if summary["failures"]:
        raise DeliveryFailed(f"{len(summary['failures'])} delivery failure(s), left pending for the next run: "
                             + " | ".join(summary["failures"]))
    return summary
