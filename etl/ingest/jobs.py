"""What the ingest DAGs' tasks do, kept here so the DAG files stay thin and this stays testable.

Every function opens the configured warehouse (``IPSTATS_WAREHOUSE_URL`` / the ``ip_warehouse``
connection) itself and returns JSON-serialisable values (they travel as XComs).
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from etl.config import get_settings

log = logging.getLogger(__name__)


def list_new_files(landing_dir: str | None = None, limit: int | None = None) -> list[str]:
    """Files in the landing folder whose bytes the warehouse has never seen (any status).

    At most ``limit`` (``IPSTATS_NIGHTLY_MAX_FILES``, default 1000: Airflow refuses to map more than
    ``max_map_length`` = 1024 tasks) in arrival (mtime) order; the rest wait for the next run. A first load
    of years of files is quicker through ``ipstats ingest`` (one process, grouped validation).
    """
    import os

    from etl.ingest.pipeline import ensure_warehouse, new_files

    folder = Path(landing_dir) if landing_dir else get_settings().landing_dir
    folder.mkdir(parents=True, exist_ok=True)
    # arrival order: a revision lands after the export it revises
    files = sorted(new_files(ensure_warehouse(), folder), key=lambda f: (Path(f).stat().st_mtime_ns, f))
    limit = limit or int(os.environ.get("IPSTATS_NIGHTLY_MAX_FILES", "1000"))
    if len(files) > limit:
        log.warning("%d new files in %s: taking the first %d, the rest wait for the next run",
                    len(files), folder, limit)
        files = files[:limit]
    log.info("%d new files in %s", len(files), folder)
    return files


def ingest_one(path: str, run_id: str) -> dict[str, Any]:
    """Archive, parse, validate and publish one file (no reconciliation: the run does it once)."""
    from etl.ingest.pipeline import ingest_paths

    [outcome] = ingest_paths([path], run_id=run_id, reconcile=False)
    log.info("%s", outcome.line())
    if outcome.docs_path:
        log.warning("validation result page: %s", outcome.docs_path)
    return outcome.to_dict()


def reconcile_run(run_id: str) -> int:
    """Reconciliation warnings for every batch the run published; returns how many were written."""
    from etl.ingest.pipeline import batches_of_run
    from etl.ingest.reconcile import reconcile_batches
    from etl.warehouse import get_engine

    engine = get_engine()
    batches = batches_of_run(engine, run_id)
    published = batches[batches["status"].isin(["loaded", "revised"])]["batch_id"].tolist()
    return reconcile_batches(engine, published) if published else 0


def refresh_derived_tables() -> int | None:
    """Rebuild the progress marts when that part of the project is installed."""
    try:
        from etl.progress import refresh_marts
    except ImportError:
        log.info("etl.progress not available: no marts to refresh")
        return None
    from etl.warehouse import get_engine

    return int(refresh_marts(get_engine()) or 0)


def run_summary(run_id: str) -> dict[str, Any]:
    """Counts per status and the quarantined files (with reasons) of one run."""
    from etl.ingest.pipeline import batches_of_run
    from etl.warehouse import get_engine

    batches = batches_of_run(get_engine(), run_id)
    quarantined = batches[batches["status"] == "quarantined"]
    return {
        "run_id": run_id,
        "counts": {str(k): int(v) for k, v in batches["status"].value_counts().items()},
        "quarantined": [f"{row.source_file}: {row.reason}" for row in quarantined.itertuples()],
    }


def reprocess_month(month_start: date, run_id: str) -> dict[str, Any]:
    """Reprocess the archived exports whose period ends in the month starting ``month_start``."""
    from etl.ingest.backfill import backfill_range, next_month

    outcomes = backfill_range(month_start, next_month(month_start), run_id=run_id)
    for outcome in outcomes:
        log.info("%s", outcome.line())
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return {
        "month": month_start.isoformat()[:7],
        "counts": counts,
        "quarantined": [f"{o.original_name}: {o.reason}" for o in outcomes if o.status == "quarantined"],
        "published": sum(1 for o in outcomes if o.status in ("loaded", "revised")),
    }
