"""The production topology, running: real Airflow components as separate processes on CeleryExecutor
with PostgreSQL (metadata and warehouse) and Redis, and concurrent loaders on PostgreSQL.

Scenarios (issue 6):
- two OS processes replacing the same partitions at once serialise, and the result is one run's;
- the nightly ingest triggered through the REST API succeeds;
- ``airflow backfill create`` over twelve months while a nightly run is in flight ends with the
  warehouse identical to the same months through the CLI;
- a Celery worker killed (SIGKILL, whole process group) in the middle of a load leaves no partial
  partition, and the retried task completes on a new worker;
- the report DAG's message arrives at a local SMTP server.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import VENV_BIN, create_pg_database, drop_pg_database

pytestmark = [pytest.mark.topology, pytest.mark.postgres]

SAMPLE_YEAR = 2024
PUBLISHED_DUMPS = {
    "obs_observations": "SELECT region_code, measure_code, period_end, period_type, basis, value, unit, "
                        "source_kind, batch_id, source_row FROM obs_observations "
                        "ORDER BY region_code, measure_code, period_end, period_type, basis",
    "obs_indicator_values": "SELECT region_code, indicator_code, year, value, unit, batch_id, source_row "
                            "FROM obs_indicator_values ORDER BY region_code, indicator_code, year",
}


# --- helpers ----------------------------------------------------------------------------------------

def cli_env(warehouse_url: str, home: Path, **extra: str) -> dict[str, str]:
    """Environment of an ``ipstats`` subprocess writing to ``warehouse_url`` with its own data folders."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("IPSTATS_", "AIRFLOW_CONN_", "AIRFLOW__"))}
    env.update({"IPSTATS_HOME": str(home), "IPSTATS_WAREHOUSE_URL": warehouse_url,
                "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"})
    env.update(extra)
    return env


def run_ipstats(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    completed = subprocess.run([str(VENV_BIN / "ipstats"), *args], env=env, capture_output=True, text=True,
                               timeout=timeout)
    assert completed.returncode == 0, f"ipstats {' '.join(args)}:\n{completed.stdout}\n{completed.stderr}"
    return completed


def dump_published(url: str) -> dict[str, list[tuple]]:
    """The published observation tables, row by row in key order (what a reader sees)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table: [tuple(row) for row in conn.execute(text(sql))] for table, sql in PUBLISHED_DUMPS.items()}
    finally:
        engine.dispose()


def waiting_backends(url: str) -> list[tuple[int, str, str]]:
    """(pid, wait_event, query) of the sessions of ``url``'s database blocked on a lock."""
    database = url.rsplit("/", 1)[1]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(
                "SELECT pid, wait_event, left(query, 200) FROM pg_stat_activity "
                "WHERE datname = :d AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"), {"d": database})]
    finally:
        engine.dispose()


def wait_until(predicate, timeout: float, what: str, poll: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def revise_csv(source: Path, target: Path, factor: float) -> bool:
    """A later revision of a CSV export: same name, one value of the first numbered city row changed.

    Returns False when the file has no such plain numeric cell (then pick another file)."""
    import csv
    import io

    raw = source.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    newline = "\r\n" if "\r\n" in content else "\n"
    rows = list(csv.reader(io.StringIO(content, newline="")))
    for row in rows:
        if len(row) > 2 and row[0].strip().isdigit():
            for column in range(2, len(row)):
                try:
                    value = float(row[column].strip())
                except ValueError:
                    continue
                if value <= 0:
                    continue
                row[column] = f"{value * factor:.4f}"
                buffer = io.StringIO(newline="")
                csv.writer(buffer, lineterminator=newline).writerows(rows)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(buffer.getvalue().encode(encoding))
                return True
    return False


@pytest.fixture(scope="module")
def sample_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One year of synthetic exports from ``ipstats samples generate``."""
    out = tmp_path_factory.mktemp("samples") / "exports"
    env = {key: value for key, value in os.environ.items() if not key.startswith("IPSTATS_")}
    env["IPSTATS_HOME"] = str(out.parent / "home")
    run_ipstats("samples", "generate", "--from", str(SAMPLE_YEAR), "--to", str(SAMPLE_YEAR), "--out", str(out),
                env=env)
    return out


@pytest.fixture
def fresh_databases() -> Iterator[list[str]]:
    """Ask for as many fresh warehouse databases as needed: ``fresh_databases.append(...)`` style."""
    created: list[str] = []
    try:
        yield created
    finally:
        for url in created:
            drop_pg_database(url)


def new_warehouse(created: list[str]) -> str:
    from etl import warehouse
    from etl.catalog import load_catalog_into_warehouse

    url = create_pg_database("ipstats_topo")
    created.append(url)
    engine = warehouse.get_engine(url)
    warehouse.init_db(engine)
    load_catalog_into_warehouse(engine)
    warehouse.dispose_engines()
    return url


# --- concurrency on PostgreSQL ------------------------------------------------------------------

def test_two_loaders_replacing_the_same_partitions_serialise(
        sample_exports: Path, tmp_path: Path, fresh_databases: list[str]) -> None:
    """Two `ipstats ingest` processes load two revisions of one export at the same moment: the second
    waits on the partition lock, both finish, and the warehouse equals one run's outcome."""
    candidates = sorted(sample_exports.glob("*.csv"), key=lambda path: ("广东省商标" not in path.name, path.name))
    for source in candidates:
        revision_a, revision_b = tmp_path / "rev_a" / source.name, tmp_path / "rev_b" / source.name
        if revise_csv(source, revision_a, 1.01) and revise_csv(source, revision_b, 1.02):
            break
    else:
        pytest.fail(f"no sample CSV with a numeric city row among {[p.name for p in candidates]}")
    contested, reference_a, reference_b = (new_warehouse(fresh_databases) for _ in range(3))

    # The references: the original, then one revision alone, loaded one after the other.
    # (in this process: the import cost of pandas and GX is paid once, not five times)
    from etl import warehouse
    from etl.ingest.pipeline import ingest_paths

    for url, revision in ((reference_a, revision_a), (reference_b, revision_b), (contested, None)):
        engine = warehouse.get_engine(url)
        assert [outcome.status for outcome in ingest_paths([source], engine)] == ["loaded"]
        if revision is not None:
            assert [outcome.status for outcome in ingest_paths([revision], engine)] == ["revised"]
    warehouse.dispose_engines()

    # Hold writes to obs_observations so both loaders are inside their publish step at once.
    blocker_engine = create_engine(contested)
    blocker = blocker_engine.connect()
    blocker.begin()
    blocker.execute(text("LOCK TABLE obs_observations IN EXCLUSIVE MODE"))
    loaders: list[subprocess.Popen] = []
    try:
        env = cli_env(contested, tmp_path / "home_contested")
        for revision in (revision_a, revision_b):
            loaders.append(subprocess.Popen([str(VENV_BIN / "ipstats"), "ingest", "--no-refresh", str(revision)],
                                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            start_new_session=True))
        blocked = wait_until(lambda: (lambda rows: rows if len(rows) >= 2 else None)(waiting_backends(contested)),
                             timeout=180, what="both loaders to reach the partition lock")
        # One holds the partition (advisory) locks and waits for the table; the other waits for them.
        assert {event for _pid, event, _query in blocked} >= {"advisory"}, blocked
        blocker.rollback()
        outputs = [loader.communicate(timeout=180) for loader in loaders]
    finally:
        blocker.close()
        blocker_engine.dispose()
        for loader in loaders:
            if loader.poll() is None:
                os.killpg(loader.pid, signal.SIGKILL)
                loader.wait()
    for loader, (stdout, stderr) in zip(loaders, outputs, strict=True):
        assert loader.returncode == 0, f"{stdout}\n{stderr}"
        assert "revised" in stdout, stdout

    final = dump_published(contested)
    assert final["obs_observations"], "nothing published"
    assert final in (dump_published(reference_a), dump_published(reference_b)), \
        "the warehouse is a mixture of both revisions"
    engine = create_engine(contested)
    with engine.connect() as conn:
        superseded_by = {row[0] for row in conn.execute(text("SELECT DISTINCT superseded_by FROM obs_history"))}
        duplicates = conn.execute(text(
            "SELECT count(*) FROM (SELECT region_code, measure_code, period_end, period_type, basis "
            "FROM obs_observations GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) d")).scalar()
    engine.dispose()
    assert len(superseded_by) == 2, f"each revision superseded the one before it: {superseded_by}"
    assert duplicates == 0


# Kept for the topology scenarios below: copy a chosen subset of exports into a landing folder.
def copy_exports(files: list[Path], landing: Path) -> list[Path]:
    landing.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(path, landing / path.name)) for path in files]
