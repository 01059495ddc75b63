"""Ingest benchmark (not a test): times the ten-year sample through the CLI and one nightly DAG run.

    .venv/bin/python scripts/bench_ingest.py [--work DIR] [--keep] [--postgres [ADMIN_URL]]

1. ``ipstats samples generate --from 2016 --to 2025`` (not timed against a goal);
2. ``ipstats ingest <samples>`` into a fresh embedded DuckDB warehouse (goal < 60 s);
3. ``ipstats backfill --from 2016-01 --to 2025-12`` rebuilding a fresh warehouse from the raw archive;
4. one nightly run: a warehouse backfilled up to 2025-05, the June 2025 exports in the landing
   folder, ``airflow dags test ip_ingest_nightly`` (goal < 120 s including Airflow's overhead);
5. the parse time of each ingest DAG file (goal < 0.5 s).

Figures go to bench/results/ingest.json and stdout. Everything runs as subprocesses, the way an
operator would run it; the work folder is deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results" / "ingest.json"
DAG_FILES = ["ip_ingest_nightly.py", "ip_ingest_monthly.py"]

_PARSE_PROBE = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import airflow.sdk
from airflow.dag_processing.dagbag import DagBag
started = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - started, "errors": len(bag.import_errors)}))
"""


LAST_RUN: dict[str, float] = {}


def run(cmd: list[str], env: dict[str, str], label: str) -> tuple[float, subprocess.CompletedProcess]:
    """Run a command; its wall time is returned, its CPU time and the load average kept in LAST_RUN
    (the machine is shared: CPU seconds say what the work costs, wall seconds what it took)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_RUN.update(cpu_seconds=round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
                    load_average_1min_after=round(os.getloadavg()[0], 2))
    print(f"  {label}: {elapsed:.1f} s wall, {LAST_RUN['cpu_seconds']} s CPU (exit {result.returncode})", flush=True)
    return elapsed, result


def ipstats_env(home: Path, warehouse: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"IPSTATS_HOME": str(home), "IPSTATS_WAREHOUSE_URL": f"duckdb:///{warehouse}",
                "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"})
    env.update(extra)
    return env


def report_figures(report_file: Path, wall: float) -> dict:
    outcomes = json.loads(report_file.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome["status"]] = counts.get(outcome["status"], 0) + 1
    worked = [o for o in outcomes if o["status"] != "unchanged"]

    def mean(key: str) -> float:
        return round(statistics.fmean(o[key] for o in worked), 1) if worked else 0.0

    return {
        "seconds": round(wall, 1),
        **LAST_RUN,
        "files": len(outcomes),
        "counts": counts,
        "ms_per_file_wall": round(wall * 1000 / max(1, len(outcomes)), 1),
        "mean_parse_ms": mean("parse_ms"),
        "mean_validation_ms_per_batch": mean("validation_ms"),
        "mean_publish_ms": mean("publish_ms"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--postgres", metavar="ADMIN_URL", nargs="?", const="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="also time `ipstats ingest` on a scratch PostgreSQL database (created and dropped)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ipstats_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    figures: dict = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "load_average_at_start": list(os.getloadavg())}}
    try:
        samples = work / "samples"
        print("1. generating the ten-year sample", flush=True)
        elapsed, result = run([str(BIN / "ipstats"), "samples", "generate", "--from", "2016", "--to", "2025",
                               "--out", str(samples)], dict(os.environ), "samples generate")
        result.check_returncode()
        figures["samples"] = {"seconds": round(elapsed, 1), "files": sum(1 for p in samples.iterdir())}

        print("2. ipstats ingest (fresh DuckDB)", flush=True)
        home = work / "home"
        env = ipstats_env(home, work / "ingest.duckdb")
        report = work / "ingest.json"
        elapsed, result = run([str(BIN / "ipstats"), "ingest", str(samples), "--no-refresh",
                               "--json-report", str(report)], env, "ipstats ingest")
        if result.returncode not in (0, 1):
            raise RuntimeError(result.stderr[-3000:])
        figures["cli_ingest"] = report_figures(report, elapsed) | {"goal_seconds": 60}

        if args.postgres:
            print("2b. ipstats ingest (fresh PostgreSQL database)", flush=True)
            figures["cli_ingest_postgres"] = bench_postgres(args.postgres, work, samples)

        print("3. ipstats backfill 2016-01..2025-12 (fresh DuckDB, from the raw archive)", flush=True)
        env = ipstats_env(home, work / "backfill.duckdb")
        report = work / "backfill.json"
        elapsed, result = run([str(BIN / "ipstats"), "backfill", "--from", "2016-01", "--to", "2025-12",
                               "--no-refresh", "--json-report", str(report)], env, "ipstats backfill")
        if result.returncode not in (0, 1):
            raise RuntimeError(result.stderr[-3000:])
        figures["cli_backfill"] = report_figures(report, elapsed) | {"goal_seconds": 60}

        print("4. one nightly DAG run over the June 2025 exports", flush=True)
        figures["nightly_dag"] = bench_nightly(work, home)

        print("5. DAG parse times", flush=True)
        figures["dag_parse_seconds"] = {}
        for name in DAG_FILES:
            result = subprocess.run([sys.executable, "-c", _PARSE_PROBE, str(ROOT / "dags" / name)],
                                    capture_output=True, text=True, cwd=ROOT,
                                    env={**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"})
            probe = json.loads(result.stdout.strip().splitlines()[-1])
            figures["dag_parse_seconds"][name] = round(probe["seconds"], 3)
        figures["dag_parse_goal_seconds"] = 0.5
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"written to {RESULTS}")
    return 0


def bench_postgres(admin_url: str, work: Path, samples: Path) -> dict:
    """``ipstats ingest`` of the whole sample into a scratch PostgreSQL database."""
    from sqlalchemy import create_engine, text

    name = f"ipstats_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        env = ipstats_env(work / "pg_home", work / "unused.duckdb",
                          IPSTATS_WAREHOUSE_URL=admin_url.rsplit("/", 1)[0] + f"/{name}")
        report = work / "ingest_pg.json"
        elapsed, result = run([str(BIN / "ipstats"), "ingest", str(samples), "--no-refresh",
                               "--json-report", str(report)], env, "ipstats ingest (PostgreSQL)")
        if result.returncode not in (0, 1):
            raise RuntimeError(result.stderr[-3000:])
        return report_figures(report, elapsed)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_nightly(work: Path, archive_home: Path) -> dict:
    """Backfill up to 2025-05 (setup, not timed), land June 2025's exports, time one nightly run."""
    home = work / "nightly_home"
    warehouse = work / "nightly.duckdb"
    shutil.copytree(archive_home / "archive", home / "archive")
    env = ipstats_env(home, warehouse)
    run([str(BIN / "ipstats"), "backfill", "--from", "2016-01", "--to", "2025-05", "--no-refresh"], env,
        "setup: backfill to 2025-05")
    landing = home / "landing"
    landing.mkdir(parents=True)
    for sidecar in (home / "archive").glob("??/*.json"):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if (meta.get("period_end") or "").startswith("2025-06"):
            shutil.copyfile(sidecar.with_name(meta["archive_name"]), landing / meta["original_name"])
    files = sorted(p.name for p in landing.iterdir())
    airflow_home = work / "airflow_home"
    airflow_home.mkdir()
    env.update({
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    })
    run([str(BIN / "airflow"), "db", "migrate"], env, "setup: airflow db migrate")
    elapsed, result = run([str(BIN / "airflow"), "dags", "test", "ip_ingest_nightly", "2025-07-02"], env,
                          "airflow dags test ip_ingest_nightly")
    output = result.stdout + result.stderr
    state = "failed" if "DagRun failed" in output else ("success" if result.returncode == 0 else "unknown")
    return {"seconds": round(elapsed, 1), **LAST_RUN, "files": len(files), "file_names": files, "state": state,
            "seconds_per_file": round(elapsed / max(1, len(files)), 1), "goal_seconds": 120,
            "note": "airflow dags test runs every task in one process: GX is imported once per run"}


if __name__ == "__main__":
    sys.exit(main())
