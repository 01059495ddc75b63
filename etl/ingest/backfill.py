"""Backfills: reprocess the archived exports of a range of months through the normal pipeline.

The raw archive (not the landing folder, not the warehouse) is the source, so a backfill also
rebuilds an empty warehouse. Reprocessing is idempotent: bytes already published are
``unchanged``; the exports of a month are loaded in the order they were first received, so a
revision still supersedes the export it revised.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from sqlalchemy import Engine

from etl.ingest import archive
from etl.ingest.pipeline import FileOutcome, ingest_paths

log = logging.getLogger(__name__)

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the first day of that month."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def archived_exports_between(start: date, end: date) -> list[archive.ArchivedExport]:
    """Archived exports whose period ends in ``[start, end)``, in the order they were received.

    An export whose period was never recorded (archived by an older version, or by hand) is
    parsed once to learn it; one that cannot be parsed has no period and is left out (it is in
    ``quarantine/`` already).
    """
    selected = []
    for export in archive.list_archive():
        period_end = export.period_end
        if period_end is None:
            period_end = _learn_period(export)
        if period_end is not None and start <= period_end < end:
            selected.append(export)
    return selected


def _learn_period(export: archive.ArchivedExport) -> date | None:
    from etl.ingest.parse import parse_file

    try:
        parsed = parse_file(export.path, original_name=export.original_name)
    except Exception as exc:  # noqa: BLE001 - unparseable: no period, nothing to backfill
        log.info("archived %s has no readable period: %s", export.original_name, exc)
        return None
    archive.record_parsed_period(export.content_hash, parsed.source_kind, parsed.period_type,
                                 parsed.period_start, parsed.period_end)
    return parsed.period_end


def backfill_range(start: date, end: date, engine: Engine | None = None, run_id: str | None = None,
                   reconcile: bool = True) -> list[FileOutcome]:
    """Reprocess the archived exports whose period ends in ``[start, end)`` (what one monthly DAG run,
    or ``ipstats backfill``, does)."""
    from etl.ingest.pipeline import ensure_warehouse

    engine = ensure_warehouse(engine)
    exports = archived_exports_between(start, end)
    log.info("backfill %s..%s: %d archived exports", start, end, len(exports))
    return ingest_paths([(export.path, export.original_name) for export in exports], engine, run_id,
                        reconcile=reconcile)


def backfill_months(first_month: str, last_month: str, engine: Engine | None = None,
                    run_id: str | None = None) -> list[FileOutcome]:
    """``ipstats backfill --from YYYY-MM --to YYYY-MM`` (both months included)."""
    start, last = parse_month(first_month), parse_month(last_month)
    if last < start:
        raise ValueError(f"--to {last_month} is before --from {first_month}")
    return backfill_range(start, next_month(last), engine, run_id)
