"""``ipstats ingest`` and ``ipstats backfill``: the load pipeline outside Airflow (same code path)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser(
        "ingest", help="load export files or folders into the warehouse",
        description="Archive, parse, validate and publish each file; prints one line per file "
                    "(loaded, unchanged, revised or quarantined with the reason). Exits 1 if any "
                    "file was quarantined.")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="export files or folders of them")
    ingest.add_argument("--no-refresh", action="store_true", help="do not refresh the derived marts afterwards")
    ingest.add_argument("--json-report", metavar="FILE", help="also write every file's outcome and timings as JSON")
    ingest.set_defaults(handler=_ingest)

    backfill = subparsers.add_parser(
        "backfill", help="reprocess the archived exports of a range of months",
        description="Reprocesses archived exports whose period ends in the given months (same code "
                    "path as the ip_ingest_monthly DAG); idempotent, also rebuilds an empty warehouse.")
    backfill.add_argument("--from", dest="first_month", required=True, metavar="YYYY-MM")
    backfill.add_argument("--to", dest="last_month", required=True, metavar="YYYY-MM")
    backfill.add_argument("--no-refresh", action="store_true", help="do not refresh the derived marts afterwards")
    backfill.add_argument("--json-report", metavar="FILE", help="also write every file's outcome and timings as JSON")
    backfill.set_defaults(handler=_backfill)


def _report(outcomes: list, refresh: bool, json_report: str | None = None) -> int:
    quarantined = [o for o in outcomes if o.status == "quarantined"]
    if json_report:
        import json
        from pathlib import Path

        Path(json_report).write_text(json.dumps([o.to_dict() for o in outcomes], ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    for outcome in outcomes:
        print(outcome.line(), flush=True)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no files"
    print(f"# {len(outcomes)} files: {summary}", file=sys.stderr)
    if refresh and any(o.status in ("loaded", "revised") for o in outcomes):
        _refresh_marts()
    return 1 if quarantined else 0


def _refresh_marts() -> None:
    try:
        from etl.progress import refresh_marts
    except ImportError:
        return
    from etl.warehouse import get_engine

    rows = refresh_marts(get_engine())
    print(f"# marts refreshed: {rows} progress rows", file=sys.stderr)


def _ingest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from etl.ingest.pipeline import ingest_paths

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"ipstats ingest: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    return _report(ingest_paths(args.paths), not args.no_refresh, args.json_report)


def _backfill(args: argparse.Namespace) -> int:
    from etl.ingest.backfill import backfill_months

    try:
        outcomes = backfill_months(args.first_month, args.last_month)
    except ValueError as exc:
        print(f"ipstats backfill: {exc}", file=sys.stderr)
        return 2
    return _report(outcomes, not args.no_refresh, args.json_report)
