"""Benchmark: every plan's report for one period, wall time (goal: under 15 s in all).

Runs on the configured warehouse when it holds mart rows for the period, else on a scratch
DuckDB warehouse with the catalog and demonstration marts (etl.reports.demo). Each plan's
report is rendered cold (no archived version, empty chart cache) into a scratch IPSTATS_HOME.
Writes bench/results/reports.json.

    .venv/bin/python scripts/bench_reports.py [--period 2024-Q2] [--lang zh] [--demo]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", default="2024-Q2")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--demo", action="store_true", help="always use a scratch warehouse with demo marts")
    parser.add_argument("--workers", type=int, default=None,
                        help="drawing processes (default: IPSTATS_REPORT_WORKERS or one per CPU, up to 4)")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "bench" / "results" / "reports.json"))
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench_reports_"))
    os.environ["IPSTATS_HOME"] = str(scratch / "home")
    from etl import warehouse
    from etl.reports.periods import parse_period

    period = parse_period(args.period)
    source = "configured warehouse"
    engine = None
    if not args.demo:
        engine = warehouse.get_engine()
        warehouse.init_db(engine)
        with engine.connect() as conn:
            rows = warehouse.read_frame(conn, "SELECT COUNT(*) AS n FROM mart_progress WHERE as_of = :a",
                                        {"a": period.as_of})["n"].iloc[0]
        if not rows:
            engine = None
    if engine is None:
        from etl.catalog import load_catalog_into_warehouse
        from etl.reports.demo import seed_demo_marts

        os.environ["IPSTATS_SAMPLE_DATA"] = "1"
        engine = warehouse.get_engine(f"duckdb:///{scratch / 'warehouse.duckdb'}")
        warehouse.init_db(engine)
        load_catalog_into_warehouse(engine)
        seed_demo_marts(engine, [period.as_of])
        source = "scratch DuckDB with demo marts (etl.reports.demo)"

    from etl.reports.jobs import default_workers, render_period

    warm = time.perf_counter()
    import matplotlib  # noqa: F401 - imports and font set-up are counted apart from rendering
    import weasyprint  # noqa: F401

    from etl.reports.charts import _matplotlib
    _matplotlib()
    warm_up = time.perf_counter() - warm

    import resource

    workers = args.workers or default_workers()
    cpu_before = time.process_time()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    reports = render_period(engine, period, out_dir=scratch / "out", langs=[args.lang], workers=workers)
    total = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (time.process_time() - cpu_before + children.ru_utime - children_before.ru_utime
           + children.ru_stime - children_before.ru_stime)
    per_plan = [{"plan_id": r.plan_id, "charts": len(r.charts), "pdf_bytes": r.pdf.stat().st_size,
                 "seconds_in_worker": {k: round(v, 2) for k, v in r.timings.items()}} for r in reports]
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    result = {
        "benchmark": "all plans' reports for one period (HTML + PDF + XLSX + archive)",
        "period": period.label, "lang": args.lang, "data": source, "plans": len(per_plan), "workers": workers,
        "total_seconds": round(total, 2), "goal_seconds": 15, "met": total < 15,
        "cpu_seconds": round(cpu, 2),
        "note": "wall time depends on the machine's load (see load_average); cpu_seconds is the work done",
        "warm_up_seconds": round(warm_up, 2), "per_plan": per_plan,
        "machine": {"cpus": os.cpu_count(), "load_average": load, "python": platform.python_version()},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    warehouse.dispose_engines()
    return 0


if __name__ == "__main__":
    sys.exit(main())
