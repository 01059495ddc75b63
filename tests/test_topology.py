"""The production topology, running: real Airflow components as separate processes on CeleryExecutor
with PostgreSQL (metadata and warehouse) and Redis, and concurrent loaders on PostgreSQL.

Scenarios (issue 6):
- two OS processes replacing the same partitions at once serialise, and the result is one run's;
- the nightly ingest triggered through the REST API succeeds;
- ``airflow backfill create`` over twelve months while a nightly run is in flight ends with the
  warehouse identical to the same months through the CLI;
- a Celery worker killed (SIGKILL to the worker and every process under it) in the middle of a
  load leaves no partial partition, and the retried task completes on a new worker;
- the report DAG's message arrives at a local SMTP server.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import VENV_BIN, create_pg_database, drop_pg_database
from tests.topology_harness import AirflowTopology, free_port

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


def busy_sessions(url: str) -> list[tuple[int, str, str]]:
    """Other sessions of ``url``'s database running a statement or holding a transaction open."""
    database = url.rsplit("/", 1)[1]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(
                "SELECT pid, state, left(query, 200) FROM pg_stat_activity WHERE datname = :d "
                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction', "
                "'idle in transaction (aborted)')"), {"d": database})]
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
        first_cells = [cell.strip() for cell in row[:2]]
        if len(row) > 2 and (first_cells[0].isdigit() or "广州" in first_cells):
            name_column = 1 if first_cells[0].isdigit() or not first_cells[0] else 0
            for column in range(name_column + 1, len(row)):
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
    """A list to register fresh warehouse databases in (see ``new_warehouse``); all dropped after."""
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


def copy_exports(files: list[Path], landing: Path) -> list[Path]:
    """Drop exports into a landing folder, as a sender would."""
    landing.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(path, landing / path.name)) for path in files]


# --- the multi-process topology -----------------------------------------------------------------

class CollectingSmtpHandler:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd hook name
        self.envelopes.append(envelope)
        return "250 OK"


@contextmanager
def dumping_logs(topology: AirflowTopology) -> Generator[None, None, None]:
    """On any failure, print the components' and tasks' logs (pytest shows them with the failure)."""
    try:
        yield
    except BaseException:
        topology.dump_logs(sys.stdout)
        raise


class TopologyState:
    """What the ordered scenarios of one topology share."""

    def __init__(self, topology: AirflowTopology, smtp: CollectingSmtpHandler, exports: list[Path],
                 warehouse_url: str, work_dir: Path) -> None:
        self.topology, self.smtp, self.exports = topology, smtp, exports
        self.warehouse_url, self.work_dir = warehouse_url, work_dir
        self.reference_url: str | None = None
        self.databases: list[str] = []
        self.landing = topology.ipstats_home / "landing"
        # Small subsets keep the run within budget (each load task validates with GX):
        # a revisable CSV first (the worker-kill scenario revises it), then distinct exports.
        probe = work_dir / "revision_probe"
        revisable = next(path for path in exports if path.suffix == ".csv" and "商标" in path.name
                         and revise_csv(path, probe / path.name, 1.05))
        others = [path for path in exports if path != revisable]
        self.first_nightly = [revisable, others[0]]
        self.archive_only = others[1:4]
        self.second_nightly = others[4:6]


@pytest.fixture(scope="module")
def topology_state(sample_exports: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TopologyState]:
    """The four Airflow components as processes, a fresh warehouse, a local SMTP server; all stopped
    and dropped afterwards."""
    from aiosmtpd.controller import Controller

    work_dir = tmp_path_factory.mktemp("topology")
    databases: list[str] = []
    smtp = CollectingSmtpHandler()
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    recipients = work_dir / "recipients.yaml"
    recipients.write_text(
        'from: "知识产权统计监测 <ipstats@example.org>"\n'
        "plans:\n  guangdong-14fyp:\n    to: [planning@example.org]\n", encoding="utf-8")
    topology = None
    try:
        warehouse_url = new_warehouse(databases)
        topology = AirflowTopology(
            work_dir, warehouse_url=warehouse_url, smtp=("127.0.0.1", controller.port),
            worker_concurrency=2, extra_env={"IPSTATS_RECIPIENTS_FILE": str(recipients)})
        with dumping_logs(topology):
            topology.start()
            topology.wait_for_dags(["ip_ingest_nightly", "ip_ingest_monthly", "ip_reports"])
        state = TopologyState(topology, smtp, sorted(sample_exports.iterdir()), warehouse_url, work_dir)
        state.databases = databases  # dropped below, with the warehouse
        yield state
    finally:
        if topology is not None:
            topology.stop()
        controller.stop()
        for url in databases:
            drop_pg_database(url)


def published_rows(url: str) -> dict[str, list[tuple]]:
    """Published observations without lineage columns: what must match between two ways of loading
    the same exports (which export's batch a repeated, identical value keeps is order-dependent)."""
    dumps = dump_published(url)
    return {
        "obs_observations": sorted(row[:8] for row in dumps["obs_observations"]),
        "obs_indicator_values": sorted(row[:5] for row in dumps["obs_indicator_values"]),
    }


def warehouse_health(url: str) -> dict[str, int]:
    """Counts that must be zero in a warehouse no run is writing: leftovers of a half-done load."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "staged_rows": conn.execute(text(
                    "SELECT (SELECT count(*) FROM stg_observations) + (SELECT count(*) FROM stg_indicator_values)"
                )).scalar(),
                "duplicate_keys": conn.execute(text(
                    "SELECT count(*) FROM (SELECT 1 FROM obs_observations GROUP BY region_code, measure_code, "
                    "period_end, period_type, basis HAVING count(*) > 1) d")).scalar(),
                "unfinished_batches": conn.execute(text(
                    "SELECT count(*) FROM load_batches WHERE status NOT IN "
                    "('loaded', 'revised', 'unchanged', 'quarantined')")).scalar(),
            }
    finally:
        engine.dispose()


def test_nightly_ingest_triggered_through_the_rest_api(topology_state: TopologyState) -> None:
    state = topology_state
    topology = state.topology
    with dumping_logs(topology):
        copy_exports(state.first_nightly, state.landing)
        run_id = topology.trigger("ip_ingest_nightly")
        assert topology.wait_for_run("ip_ingest_nightly", run_id, timeout=300) == "success", \
            topology.describe_run("ip_ingest_nightly", run_id)
        mapped = [ti for ti in topology.task_instances("ip_ingest_nightly", run_id) if ti["task_id"] == "ingest_file"]
        assert len(mapped) == len(state.first_nightly) and all(ti["state"] == "success" for ti in mapped), mapped
        assert dump_published(state.warehouse_url)["obs_observations"]


def test_backfill_alongside_a_nightly_run_equals_the_cli(topology_state: TopologyState) -> None:
    """Twelve monthly runs via `airflow backfill create` while a nightly run loads new exports; the
    warehouse then equals `ipstats backfill` of the same months into a fresh database."""
    state = topology_state
    topology = state.topology
    with dumping_logs(topology):
        # Exports present only in the raw archive (restored from a backup): only the backfill loads them.
        archive_dir = topology.ipstats_home / "archive"
        env = cli_env(state.warehouse_url, topology.ipstats_home)
        archive_only = state.work_dir / "archive_only"
        copy_exports(state.archive_only, archive_only)
        subprocess.run([str(VENV_BIN / "python"), "-c",
                        "import sys; from pathlib import Path; from etl.ingest import archive\n"
                        "for p in map(Path, sys.argv[1:]): archive.archive_file(p, archive.file_sha256(p), p.name)",
                        *map(str, sorted(archive_only.iterdir()))], env=env, check=True, timeout=120)
        assert archive_dir.exists()

        copy_exports(state.second_nightly, state.landing)
        nightly = topology.trigger("ip_ingest_nightly")
        # Dates in the DAGs' time zone: a month's interval starts at 03:00 Asia/Shanghai on the 1st.
        backfill_id = topology.backfill("ip_ingest_monthly", f"{SAMPLE_YEAR}-01-01T00:00:00+08:00",
                                        f"{SAMPLE_YEAR}-12-31T23:59:59+08:00", max_active_runs=4)
        runs = topology.wait_for_backfill(backfill_id, timeout=420)
        assert len(runs) == 12 and {state_ for _run, state_, _date in runs} == {"success"}, runs
        months = [start.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m") for (start,) in topology.metadata(
            "SELECT data_interval_start FROM dag_run WHERE backfill_id = :b ORDER BY 1", b=backfill_id)]
        assert months == [f"{SAMPLE_YEAR}-{month:02d}" for month in range(1, 13)], months
        assert topology.wait_for_run("ip_ingest_nightly", nightly, timeout=300) == "success"
        # The nightly run really was in flight while the backfill ran.
        [(nightly_start, nightly_end)] = topology.metadata(
            "SELECT start_date, end_date FROM dag_run WHERE dag_id = 'ip_ingest_nightly' AND run_id = :r", r=nightly)
        [(backfill_start, backfill_end)] = topology.metadata(
            "SELECT min(start_date), max(end_date) FROM dag_run WHERE backfill_id = :b", b=backfill_id)
        assert nightly_start < backfill_end and backfill_start < nightly_end

        reference = new_warehouse(state.databases)
        run_ipstats("backfill", "--from", f"{SAMPLE_YEAR}-01", "--to", f"{SAMPLE_YEAR}-12", "--no-refresh",
                    env=cli_env(reference, topology.ipstats_home))
        state.reference_url = reference
        expected = published_rows(reference)
        assert len(expected["obs_observations"]) > 0
        assert published_rows(state.warehouse_url) == expected
        assert warehouse_health(state.warehouse_url) == {"staged_rows": 0, "duplicate_keys": 0,
                                                         "unfinished_batches": 0}


def test_worker_killed_in_the_middle_of_a_load(topology_state: TopologyState) -> None:
    """SIGKILL the Celery worker's process group while a load task is inside its publish transaction;
    PostgreSQL rolls the half-done partition back, a new worker runs the retry, and the warehouse
    ends as the CLI would leave it."""
    state = topology_state
    topology = state.topology
    warehouse_url = state.warehouse_url
    assert state.reference_url, "needs the reference warehouse of the backfill scenario"
    with dumping_logs(topology):
        # A revision of an export the first nightly run loaded: publishing it moves rows to history.
        revision = state.work_dir / "revision" / state.first_nightly[0].name
        assert revise_csv(state.first_nightly[0], revision, 1.05)
        before = published_rows(warehouse_url)

        blocker_engine = create_engine(warehouse_url)
        blocker = blocker_engine.connect()
        blocker.begin()
        blocker.execute(text("LOCK TABLE obs_observations IN EXCLUSIVE MODE"))
        try:
            copy_exports([revision], state.landing)
            run_id = topology.trigger("ip_ingest_nightly")
            wait_until(lambda: [row for row in waiting_backends(warehouse_url) if "obs_observations" in row[2]],
                       timeout=240, what="the load task to block inside its publish transaction")
            running = [ti for ti in topology.task_instances("ip_ingest_nightly", run_id)
                       if ti["task_id"] == "ingest_file" and ti["state"] == "running"]
            assert len(running) == 1, running
            victim = topology.worker
            topology.kill_component(victim)  # the worker and its task processes, as a crash would
        finally:
            blocker.rollback()
            blocker.close()
            blocker_engine.dispose()
        # A backend blocked on a lock notices its dead client only when it next talks to it; then
        # PostgreSQL rolls the half-done publish back.
        wait_until(lambda: not busy_sessions(warehouse_url), timeout=60,
                   what="PostgreSQL to end the dead task's session")
        assert published_rows(warehouse_url) == before, "the killed load left a partial partition"

        topology.start_worker()
        assert topology.wait_for_run("ip_ingest_nightly", run_id, timeout=300) == "success", \
            topology.describe_run("ip_ingest_nightly", run_id)
        [retried] = [ti for ti in topology.task_instances("ip_ingest_nightly", run_id)
                     if ti["task_id"] == "ingest_file"]
        assert retried["state"] == "success" and retried["try_number"] >= 2, retried

        run_ipstats("ingest", "--no-refresh", str(revision),
                    env=cli_env(state.reference_url, state.work_dir / "reference_home"))
        assert published_rows(warehouse_url) == published_rows(state.reference_url)
        assert warehouse_health(warehouse_url) == {"staged_rows": 0, "duplicate_keys": 0, "unfinished_batches": 0}


def test_report_dag_sends_mail_through_smtp_default(topology_state: TopologyState) -> None:
    import email
    from email.header import decode_header, make_header

    state = topology_state
    topology = state.topology
    with dumping_logs(topology):
        run_id = topology.trigger("ip_reports", conf={"periods": [f"{SAMPLE_YEAR}-12"], "plans": ["guangdong-14fyp"]})
        assert topology.wait_for_run("ip_reports", run_id, timeout=300) == "success", \
            topology.describe_run("ip_reports", run_id)
    assert state.smtp.envelopes, "no message reached the SMTP server"
    to_planning = [envelope for envelope in state.smtp.envelopes if "planning@example.org" in envelope.rcpt_tos]
    assert to_planning, [envelope.rcpt_tos for envelope in state.smtp.envelopes]
    message = email.message_from_bytes(to_planning[0].original_content)
    assert str(make_header(decode_header(message["Subject"])))
    attachments = [part.get_filename() for part in message.walk() if part.get_filename()]
    assert any(name.endswith(".pdf") for name in attachments), attachments
