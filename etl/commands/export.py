"""``ipstats export``: published observations and rejections as CSV on stdout."""

from __future__ import annotations

import argparse
import sys

QUERIES = {
    "observations": """
        SELECT o.region_code, o.measure_code AS measure, o.period_end, o.period_type, o.basis, o.value, o.unit,
               b.source_file, o.source_kind, o.batch_id, o.source_row
        FROM obs_observations o LEFT JOIN load_batches b ON b.batch_id = o.batch_id
        ORDER BY o.period_end, o.region_code, o.measure_code, o.period_type, o.basis""",
    "rejections": """
        SELECT r.source_file AS file, r.row_no AS "row", r.column_name AS "column", r.raw_value AS raw_value,
               r.reason, r.batch_id, r.rejected_at
        FROM load_rejections r
        ORDER BY r.source_file, r.row_no NULLS FIRST, r.column_name""",
    "indicator-values": """
        SELECT v.region_code, v.indicator_code, v.year, v.value, v.unit, b.source_file, v.batch_id, v.source_row
        FROM obs_indicator_values v LEFT JOIN load_batches b ON b.batch_id = v.batch_id
        ORDER BY v.year, v.region_code, v.indicator_code""",
    "batches": """
        SELECT batch_id, source_file, status, reason, source_kind, period_type, period_start, period_end,
               rows_read, rows_loaded, rows_rejected, content_hash, archive_path, received_at, finished_at, run_id
        FROM load_batches ORDER BY received_at, batch_id""",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser("export", help="export warehouse tables as CSV on stdout")
    export.add_argument("what", choices=sorted(QUERIES), help="what to export")
    export.add_argument("--format", choices=["csv"], default="csv")
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    import csv

    from sqlalchemy import text

    from etl.warehouse import get_engine

    with get_engine().connect() as conn:
        result = conn.execute(text(QUERIES[args.what]))
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(list(result.keys()))
        for row in result:
            writer.writerow(["" if value is None else value for value in row])
    return 0
