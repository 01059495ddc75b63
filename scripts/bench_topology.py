"""Benchmark: a ten-year backfill of ip_ingest_monthly through the scheduler and CeleryExecutor.

Starts the production topology on this machine (tests/topology_harness.py: api-server, scheduler,
dag-processor, Celery worker; metadata and warehouse on the local PostgreSQL, Redis broker), puts
ten years of synthetic exports in the raw archive (as after a restore), runs
``airflow backfill create`` over 2016-01..2025-12 (120 monthly runs) and records wall time,
per-run wall time, task time and the orchestration overhead per run to
``bench/results/topology.json``. Everything started is stopped and dropped at the end.

    .venv/bin/python scripts/bench_topology.py                 # the ten-year run (goal < 600 s)
    .venv/bin/python scripts/bench_topology.py --empty         # orchestration only, no exports
    .venv/bin/python scripts/bench_topology.py --from-year 2024 --to-year 2025 --max-active-runs 4
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.topology_harness import AirflowTopology, create_database, drop_database  # noqa: E402

RESULTS = PROJECT_ROOT / "bench" / "results" / "topology.json"
GOAL_SECONDS = 600


def prepare_archive(ipstats_home: Path, first_year: int, last_year: int, work_dir: Path) -> dict:
    """Generate the years' sample exports and put them in the raw archive with their periods."""
    started = time.monotonic()
    exports = work_dir / "exports"
    env = {**os.environ, "IPSTATS_HOME": str(ipstats_home)}
    subprocess.run([str(Path(sys.executable).parent / "ipstats"), "samples", "generate", "--from", str(first_year),
                    "--to", str(last_year), "--out", str(exports)], env=env, check=True, capture_output=True)
    os.environ["IPSTATS_HOME"] = str(ipstats_home)
    from etl.ingest import archive
    from etl.ingest.parse import parse_file

    files = sorted(path for path in exports.iterdir() if path.is_file())
    for path in files:
        content_hash = archive.file_sha256(path)
        archive.archive_file(path, content_hash, path.name)
        try:
            parsed = parse_file(path, original_name=path.name)
        except Exception:  # noqa: BLE001 - a faulty export stays archived without a period
            continue
        archive.record_parsed_period(content_hash, parsed.source_kind, parsed.period_type,
                                     parsed.period_start, parsed.period_end)
    return {"exports": len(files), "prepare_s": round(time.monotonic() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-year", type=int, default=2016)
    parser.add_argument("--to-year", type=int, default=2025)
    parser.add_argument("--max-active-runs", type=int, default=4)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--empty", action="store_true", help="no exports: measure orchestration alone")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from etl import warehouse
    from etl.catalog import load_catalog_into_warehouse

    work_dir = Path(tempfile.mkdtemp(prefix="ipstats_bench_topology_"))
    warehouse_url = create_database("ipstats_bench_wh")
    topology = AirflowTopology(work_dir, warehouse_url=warehouse_url, worker_concurrency=args.worker_concurrency)
    result: dict = {
        "benchmark": "ten-year backfill of ip_ingest_monthly through scheduler + CeleryExecutor",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_start": os.getloadavg()},
        "range": f"{args.from_year}-01..{args.to_year}-12",
        "max_active_runs": args.max_active_runs,
        "worker_concurrency": args.worker_concurrency,
        "with_exports": not args.empty,
        "goal_s": GOAL_SECONDS,
    }
    try:
        engine = warehouse.get_engine(warehouse_url)
        warehouse.init_db(engine)
        load_catalog_into_warehouse(engine)
        warehouse.dispose_engines()
        if not args.empty:
            result.update(prepare_archive(topology.ipstats_home, args.from_year, args.to_year, work_dir))
        topology.start()
        topology.wait_for_dags(["ip_ingest_monthly"])
        result["topology_start_s"] = topology.timings.get("start_s")

        started = time.monotonic()
        backfill_id = topology.backfill("ip_ingest_monthly", f"{args.from_year}-01-01T00:00:00+08:00",
                                        f"{args.to_year}-12-31T23:59:59+08:00", max_active_runs=args.max_active_runs)
        runs = topology.wait_for_backfill(backfill_id, timeout=args.timeout)
        wall = time.monotonic() - started

        [(task_seconds, tasks, queue_wait)] = topology.metadata(
            "SELECT coalesce(sum(ti.duration), 0), count(*), "
            "coalesce(avg(extract(epoch FROM ti.start_date - ti.queued_dttm)), 0) "
            "FROM task_instance ti JOIN dag_run dr ON dr.dag_id = ti.dag_id AND dr.run_id = ti.run_id "
            "WHERE dr.backfill_id = :b", b=backfill_id)
        states: dict[str, int] = {}
        for _run, state, _date in runs:
            states[state] = states.get(state, 0) + 1
        count = len(runs)
        result.update({
            "runs": count,
            "run_states": states,
            "tasks": int(tasks),
            "wall_s": round(wall, 1),
            "per_run_wall_s": round(wall / count, 2),
            "task_s_total": round(float(task_seconds), 1),
            "per_run_task_s": round(float(task_seconds) / count, 2),
            # What the runs cost beyond their tasks' own work, given the worker's slots.
            "per_run_overhead_s": round((wall - float(task_seconds) / args.worker_concurrency) / count, 2),
            "avg_queue_to_start_s": round(float(queue_wait), 2),
            "meets_goal": wall < GOAL_SECONDS,
        })
        with warehouse.get_engine(warehouse_url).connect() as conn:
            from sqlalchemy import text

            result["warehouse_rows"] = {
                table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("obs_observations", "obs_indicator_values", "load_batches")}
        warehouse.dispose_engines()
    except BaseException:
        topology.dump_logs(sys.stderr)
        raise
    finally:
        topology.stop()
        drop_database(warehouse_url)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    shutil.rmtree(work_dir, ignore_errors=True)
    return 0 if result.get("run_states", {}).get("success") == result.get("runs") else 1


if __name__ == "__main__":
    sys.exit(main())
