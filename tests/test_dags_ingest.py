"""The ingest DAGs through real Airflow: a two-month backfill of ip_ingest_monthly (dag.test, on
PostgreSQL) rebuilds from the raw archive what the CLI loaded, and one ip_ingest_nightly run
(``airflow dags test``, embedded DuckDB) loads the good landing files and ends failed because of
the quarantined one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from etl import warehouse
from etl.ingest.pipeline import ingest_paths
from tests.conftest import PROJECT_ROOT, VENV_BIN, airflow_env
from tests.test_pipeline import observations, patent_csv

DAGS = PROJECT_ROOT / "dags"

_PROBE = textwrap.dedent(r"""
    import json, sys, time, warnings
    warnings.simplefilter("ignore")
    import airflow.sdk
    from airflow.dag_processing.dagbag import DagBag
    out = {}
    for path in sys.argv[1:]:
        started = time.perf_counter()
        bag = DagBag(dag_folder=path)
        seconds = time.perf_counter() - started
        for dag_id, dag in bag.dags.items():
            out[dag_id] = {
                "seconds": seconds, "errors": {k: str(v) for k, v in bag.import_errors.items()},
                "timetable": type(dag.timetable).__name__,
                "summary": f"{dag.timetable.expression} {dag.timetable.timezone}",
                "tags": sorted(dag.tags), "catchup": dag.catchup,
                "tasks": {t.task_id: {"pool": t.pool, "retries": t.retries,
                                       "retry_delay": t.retry_delay.total_seconds(),
                                       "trigger_rule": getattr(t.trigger_rule, "value", t.trigger_rule),
                                       "outlets": [getattr(o, "uri", "") for o in t.outlets]}
                          for t in dag.tasks},
            }
    print(json.dumps(out))
""")

_DAG_TEST = textwrap.dedent(r"""
    import json, sys
    import pendulum
    from airflow.dag_processing.dagbag import DagBag
    dag = DagBag(dag_folder=sys.argv[1]).dags[sys.argv[2]]
    states = []
    for day in sys.argv[3:]:
        run = dag.test(logical_date=pendulum.parse(day))
        states.append({"state": str(run.state), "interval_start": str(run.data_interval_start)})
    print("RESULT " + json.dumps(states))
""")


def test_ingest_dags_parse_fast_and_are_wired_as_designed() -> None:
    files = [str(DAGS / "ip_ingest_nightly.py"), str(DAGS / "ip_ingest_monthly.py")]
    result = subprocess.run([sys.executable, "-c", _PROBE, *files], capture_output=True, text=True,
                            timeout=300, cwd=PROJECT_ROOT,
                            env={**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"})
    assert result.returncode == 0, result.stderr[-3000:]
    dags = json.loads(result.stdout.strip().splitlines()[-1])
    nightly, monthly = dags["ip_ingest_nightly"], dags["ip_ingest_monthly"]
    for dag in (nightly, monthly):
        assert not dag["errors"] and dag["seconds"] < 0.5 and "ingest" in dag["tags"]
        assert not dag["catchup"]
        assert all(t["retries"] >= 1 and t["retry_delay"] > 0 for t in dag["tasks"].values())
    assert nightly["timetable"] == "CronTriggerTimetable" and nightly["summary"] == "0 2 * * * Asia/Shanghai"
    assert monthly["timetable"] == "CronDataIntervalTimetable" and monthly["summary"] == "0 8 1 * * Asia/Shanghai"
    for dag in (nightly, monthly):
        writers = [t for t in dag["tasks"].values() if t["pool"] == "duckdb_writer"]
        assert writers and any("ipstats://warehouse/observations" in t["outlets"] for t in writers)
    assert nightly["tasks"]["reconcile"]["trigger_rule"] == "all_done"


@pytest.mark.airflow
@pytest.mark.postgres
def test_monthly_backfill_of_two_months_rebuilds_from_the_archive(airflow_home: Path, tmp_path: Path,
                                                                   pg_url: str) -> None:
    from etl.catalog import load_catalog_into_warehouse

    exports = tmp_path / "exports"
    exports.mkdir()
    patent_csv(exports, "2024年1-5月专利统计.csv", "2024年1-5月")
    patent_csv(exports, "2024年1-6月专利统计.csv", "2024年1-6月", scale=1.3)
    patent_csv(exports, "2024年1-7月专利统计.csv", "2024年1-7月", scale=1.6)  # outside the two months
    original = warehouse.get_engine(f"duckdb:///{tmp_path / 'original.duckdb'}")
    outcomes = ingest_paths([exports], original)
    assert {o.status for o in outcomes} == {"loaded"}
    expected = observations(original)
    expected = expected[expected["period_end"].astype(str) < "2024-07-01"].reset_index(drop=True)
    warehouse.dispose_engines()

    rebuilt = warehouse.get_engine(pg_url)
    warehouse.init_db(rebuilt)
    load_catalog_into_warehouse(rebuilt)
    env = airflow_env(airflow_home, IPSTATS_WAREHOUSE_URL=pg_url)
    # dag.test(logical_date=X) runs the month that closed before X: June 2 -> May, July 2 -> June
    result = subprocess.run([sys.executable, "-c", _DAG_TEST, str(DAGS / "ip_ingest_monthly.py"),
                             "ip_ingest_monthly", "2024-06-02T00:00:00+00:00", "2024-07-02T00:00:00+00:00"],
                            env=env, capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stderr[-4000:]
    states = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))[7:])
    assert [s["state"] for s in states] == ["success", "success"]
    assert [s["interval_start"][:7] for s in states] == ["2024-05", "2024-06"]
    got = observations(rebuilt)
    pd.testing.assert_frame_equal(got.astype(str), expected.astype(str))
    with rebuilt.connect() as conn:
        batches = warehouse.read_frame(conn, "SELECT source_file, status FROM load_batches ORDER BY source_file")
    assert batches.values.tolist() == [["2024年1-5月专利统计.csv", "loaded"], ["2024年1-6月专利统计.csv", "loaded"]]


@pytest.mark.airflow
def test_nightly_run_loads_good_files_and_reports_the_quarantined_one(airflow_home: Path, tmp_path: Path) -> None:
    from etl.config import get_settings

    landing = get_settings().landing_dir
    landing.mkdir(parents=True)
    patent_csv(landing, "2024年1-5月专利统计.csv", "2024年1-5月")
    patent_csv(landing, "2024年1-6月专利统计.csv", "2024年1-6月", scale=1.2)
    (landing / "2024年1-7月专利统计.csv").write_bytes(b"")
    url = f"duckdb:///{tmp_path / 'nightly.duckdb'}"
    env = airflow_env(airflow_home, IPSTATS_WAREHOUSE_URL=url)
    result = subprocess.run([str(VENV_BIN / "airflow"), "dags", "test", "ip_ingest_nightly", "2024-07-02"],
                            env=env, capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "DagRun failed" in output, output[-4000:]
    assert "quarantined 2024年1-7月专利统计.csv: empty file" in output
    engine = warehouse.get_engine(url)
    with engine.connect() as conn:
        batches = warehouse.read_frame(conn, "SELECT source_file, status, run_id FROM load_batches "
                                             "ORDER BY source_file")
        published = warehouse.read_frame(conn, "SELECT COUNT(*) AS n FROM obs_observations")
    assert batches["status"].tolist() == ["loaded", "loaded", "quarantined"]
    assert batches["run_id"].nunique() == 1  # all three mapped tasks belong to the one run
    assert published["n"][0] == 88
    warehouse.dispose_engines()
