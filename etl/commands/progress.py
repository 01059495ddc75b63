"""``ipstats progress``: where a plan stands against its targets as of a month, or rebuild the marts.

    ipstats progress --plan guangdong-14fyp --as-of 2024-06 [--format table|json|csv]
    ipstats progress --refresh [--as-of YYYY-MM]
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date


def _year_month(text: str) -> date:
    """'2024-06' -> 2024-06-30 (the month end the figures are as of)."""
    from calendar import monthrange

    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    return date(year, month, monthrange(year, month)[1])


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "progress", help="progress against a plan's targets as of a month (or rebuild the marts)",
        description="Status of every target of a plan as of a month end: completion, elapsed share, "
                    "ratio, status (achieved/on_track/behind/off_track/no_data), projection, verdict.",
    )
    parser.add_argument("--plan", help="plan id, e.g. guangdong-14fyp (see etl/catalog/plans/)")
    parser.add_argument("--as-of", type=_year_month, help="YYYY-MM: figures as of that month end")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
    parser.add_argument("--refresh", action="store_true",
                        help="rebuild mart_indicator_values and mart_progress (all plans; every month "
                             "unless --as-of)")
    parser.add_argument("--url", help="SQLAlchemy URL (default: IPSTATS_WAREHOUSE_URL or embedded DuckDB)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from etl.warehouse import get_engine

    engine = get_engine(args.url)
    try:
        if args.refresh:
            from etl.progress import refresh_marts

            written = refresh_marts(engine, args.as_of)
            print(f"mart_progress: {written} row(s) written")
            return 0
        if not args.plan or not args.as_of:
            print("ipstats progress: --plan and --as-of are required (or --refresh)", file=sys.stderr)
            return 2
        from etl.progress import evaluate_plan
        from etl.progress.formatting import render_csv, render_json, render_table

        try:
            frame = evaluate_plan(engine, args.plan, args.as_of)
        except KeyError as exc:
            print(f"ipstats progress: {exc.args[0]} (ipstats db init loads the plan catalog)", file=sys.stderr)
            return 2
    except SQLAlchemyError as exc:
        print(f"ipstats progress: cannot read the warehouse ({type(exc).__name__}: "
              f"{str(exc).splitlines()[0]}); run `ipstats db init` first", file=sys.stderr)
        return 1
    render = {"table": render_table, "json": render_json, "csv": render_csv}[args.format]
    sys.stdout.write(render(frame))
    return 0
