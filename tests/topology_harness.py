"""The production topology on one machine: real Airflow components as separate OS processes.

``AirflowTopology`` runs ``airflow api-server``, ``airflow scheduler``, ``airflow dag-processor``
and ``airflow celery worker`` (optionally ``airflow triggerer``) with CeleryExecutor, the metadata
database on a fresh PostgreSQL database, Redis as the broker (a dedicated db number, flushed only
that one) and the Celery result backend on PostgreSQL. Secrets (Fernet key, JWT secret, admin
password) are generated per run. Every process is started in its own session and stopped by
process group id; the metadata database is dropped and the Redis db flushed on ``stop()``.

Used by tests/test_topology.py and scripts/bench_topology.py; not a test module itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from tests.pgdb import create_pg_database as create_database
from tests.pgdb import drop_pg_database as drop_database

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Redis db numbers this harness may claim (0 is left to people's own use).
REDIS_DB_CANDIDATES = range(15, 7, -1)
FINISHED_RUN_STATES = {"success", "failed"}
# A cluster policy (Airflow's own mechanism for deployment-wide rules) installed in the test's
# AIRFLOW_HOME/config: retries wait seconds instead of the DAGs' production minutes.
LOCAL_SETTINGS = '''"""Cluster policy of the topology test deployment (written by tests/topology_harness.py)."""
import importlib
import os
from datetime import timedelta

# Celery worker only: import the heavy libraries once, before the pool forks, so each task process
# inherits them instead of paying the import (great_expectations alone is ~10 s on a busy 2-core box).
for _module in filter(None, os.environ.get("IPSTATS_WORKER_PRELOAD", "").split(",")):
    try:
        importlib.import_module(_module)
    except ImportError:
        pass


def task_policy(task):
    seconds = os.environ.get("IPSTATS_TOPOLOGY_RETRY_DELAY_SECONDS")
    if seconds:
        task.retry_delay = timedelta(seconds=float(seconds))
'''


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_driver(url: str, driver: str) -> str:
    """``postgresql+psycopg://…`` -> ``postgresql+<driver>://…`` (or plain ``postgresql://``)."""
    rest = url.split("://", 1)[1]
    return f"postgresql{'+' + driver if driver else ''}://{rest}"


class RedisDb:
    """A Redis database number claimed for one topology run (SET NX marker), flushed on release."""

    def __init__(self) -> None:
        import redis

        self.token = f"ipstats-topology-{uuid.uuid4().hex}"
        for number in REDIS_DB_CANDIDATES:
            client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
            if client.dbsize() == 0 and client.set("ipstats:topology:owner", self.token, nx=True):
                self.number, self.client = number, client
                return
            client.close()
        raise RuntimeError(f"no empty Redis db among {list(REDIS_DB_CANDIDATES)} on {REDIS_HOST}:{REDIS_PORT}")

    @property
    def url(self) -> str:
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.number}"

    def release(self) -> None:
        """Flush only this db, and only if it is still ours."""
        if self.client.get("ipstats:topology:owner") in (self.token.encode(), None):
            self.client.flushdb()
        self.client.close()


@dataclass
class Component:
    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen | None = None
    log_file: Any = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class AirflowTopology:
    """One multi-process Airflow deployment in ``work_dir`` (AIRFLOW_HOME, logs, IPSTATS_HOME)."""

    work_dir: Path
    dags_folder: Path = PROJECT_ROOT / "dags"
    warehouse_url: str | None = None
    smtp: tuple[str, int] | None = None
    worker_concurrency: int = 2
    with_triggerer: bool = False
    writer_pool_slots: int = 4
    retry_delay_seconds: float = 2
    worker_preload: tuple[str, ...] = ("pandas", "sqlalchemy", "great_expectations", "etl.ingest.pipeline",
                                       "etl.ingest.validate", "etl.ingest.parse")
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.work_dir = Path(self.work_dir)
        self.home = self.work_dir / "airflow_home"
        self.ipstats_home = self.work_dir / "ipstats_home"
        self.logs_dir = self.work_dir / "component_logs"
        self.components: dict[str, Component] = {}
        self.stopped: list[Component] = []
        self.metadata_url: str | None = None
        self.redis: RedisDb | None = None
        self.port = 0
        self.admin_password = secrets.token_urlsafe(16)
        self._token: str | None = None
        self._http: httpx.Client | None = None
        self._worker_serial = 0
        self.timings: dict[str, float] = {}

    # --- life cycle -----------------------------------------------------------------------------

    def __enter__(self) -> AirflowTopology:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Metadata database, broker db, migration, pools; then the four components."""
        began = time.monotonic()
        for folder in (self.home, self.ipstats_home, self.logs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.metadata_url = create_database("ipstats_airflow_meta")
        self.redis = RedisDb()
        self.port = free_port()
        (self.home / "config").mkdir(exist_ok=True)
        (self.home / "config" / "airflow_local_settings.py").write_text(LOCAL_SETTINGS, encoding="utf-8")
        (self.home / "simple_auth_manager_passwords.json").write_text(
            json.dumps({"admin": self.admin_password}), encoding="utf-8")
        self.env = self._environment()
        self.airflow("db", "migrate", timeout=600)
        self.timings["migrate_s"] = round(time.monotonic() - began, 1)
        self.airflow("pools", "set", "duckdb_writer", str(self.writer_pool_slots),
                     "warehouse writers (PostgreSQL: partitions serialise by advisory lock)")
        self.start_component("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(self.port)])
        self.start_component("dag-processor", ["dag-processor"])
        self.start_component("scheduler", ["scheduler", "--skip-serve-logs"])
        self.start_worker()
        if self.with_triggerer:
            self.start_component("triggerer", ["triggerer"])
        self.wait_for_api()
        self.timings["start_s"] = round(time.monotonic() - began, 1)

    def stop(self) -> None:
        """Stop every process this topology started (by process group), then drop its state."""
        components = list(self.components.values())
        trees = {component.name: self._process_tree(component) for component in components}
        for component in components:  # SIGTERM to all first, so their shutdowns overlap
            if component.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(component.process.pid, signal.SIGTERM)
        for component in components:
            self._terminate(component, trees[component.name])
        if self._http is not None:
            self._http.close()
        if self.redis is not None:
            with contextlib.suppress(Exception):
                self.redis.release()
            self.redis = None
        if hasattr(self, "_meta_engine"):
            self._meta_engine.dispose()
        if self.metadata_url is not None:
            with contextlib.suppress(Exception):
                drop_database(self.metadata_url)
            self.metadata_url = None

    def _environment(self) -> dict[str, str]:
        from cryptography.fernet import Fernet

        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_", "IPSTATS_"))}
        meta_host_db = self.metadata_url.split("://", 1)[1]
        env.update({
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "simple_auth_manager_passwords.json"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{meta_host_db}",
            "AIRFLOW__CELERY__BROKER_URL": self.redis.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{meta_host_db}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            # Fast feedback on a small machine: no cron-created runs (manual triggers and backfills
            # only), quick parsing, short heartbeats, and a dead worker's task noticed in seconds.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "8",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "3",
            "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "15",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "300",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT": "120",
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "IPSTATS_HOME": str(self.ipstats_home),
            # Celery's prefork pool processes are daemonic: a task may not start a process pool.
            "IPSTATS_REPORT_WORKERS": "1",
            "IPSTATS_TOPOLOGY_RETRY_DELAY_SECONDS": str(self.retry_delay_seconds),
        })
        if self.warehouse_url:
            env["AIRFLOW_CONN_IP_WAREHOUSE"] = with_driver(self.warehouse_url, "")
        if self.smtp:
            host, port = self.smtp
            env["AIRFLOW_CONN_SMTP_DEFAULT"] = json.dumps({
                "conn_type": "smtp", "host": host, "port": port,
                "extra": {"from_email": "ipstats@example.org", "disable_ssl": True, "disable_tls": True,
                          "timeout": 10},
            })
        env.update(self.extra_env)
        return env

    # --- processes ------------------------------------------------------------------------------

    def airflow(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        """Run one ``airflow`` CLI command against this topology."""
        completed = subprocess.run([str(VENV_BIN / "airflow"), *args], env=self.env, capture_output=True,
                                   text=True, timeout=timeout, start_new_session=True)
        if check and completed.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} exited {completed.returncode}:\n"
                               f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
        return completed

    def start_component(self, name: str, args: Sequence[str], extra_env: dict[str, str] | None = None
                        ) -> Component:
        log_path = self.logs_dir / f"{name}.log"
        component = Component(name, [str(VENV_BIN / "airflow"), *args], log_path)
        component.log_file = open(log_path, "ab")  # noqa: SIM115 - closed in _terminate
        env = {**self.env, **(extra_env or {})}
        component.process = subprocess.Popen(component.argv, env=env, stdout=component.log_file,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             start_new_session=True, cwd=self.work_dir)
        self.components[name] = component
        return component

    def start_worker(self) -> Component:
        """A new Celery worker (a unique node name, so a replacement never clashes with a dead one)."""
        self._worker_serial += 1
        name = f"worker-{self._worker_serial}"
        for old in [key for key in self.components if key.startswith("worker-")]:
            if not self.components[old].alive():
                self.stopped.append(self.components.pop(old))
        return self.start_component(name, ["celery", "worker", "--concurrency", str(self.worker_concurrency),
                                           "--celery-hostname", f"{name}-{uuid.uuid4().hex[:6]}@%h",
                                           "--skip-serve-logs", "--without-mingle", "--without-gossip"],
                                    extra_env={"IPSTATS_WORKER_PRELOAD": ",".join(self.worker_preload)})

    @property
    def worker(self) -> Component:
        live = [c for key, c in self.components.items() if key.startswith("worker-") and c.alive()]
        if not live:
            raise RuntimeError("no live Celery worker")
        return live[-1]

    def kill_component(self, component: Component, sig: int = signal.SIGKILL) -> list[int]:
        """Kill a component and every process under it, as a machine crash would; returns the pids.

        Task processes may run in sessions of their own, so the process tree is walked, not only
        the process group."""
        import psutil

        victims = [component.process.pid]
        with contextlib.suppress(psutil.NoSuchProcess):
            victims += [child.pid for child in psutil.Process(component.process.pid).children(recursive=True)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(component.process.pid, sig)
        component.process.wait(timeout=30)
        return victims

    @staticmethod
    def _process_tree(component: Component) -> list:
        import psutil

        if component.process is None:
            return []
        try:
            return psutil.Process(component.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def _terminate(self, component: Component, descendants: list | None = None) -> None:
        """SIGTERM the component's group, SIGKILL after 20 s, then any descendant left over."""
        import psutil

        if descendants is None:
            descendants = self._process_tree(component)
        if component.process is not None and component.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(component.process.pid, signal.SIGTERM)
            try:
                component.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(component.process.pid, signal.SIGKILL)
                component.process.wait(timeout=20)
        if component.process is not None:
            # Leftover children of a group whose leader exited (task processes, gunicorn workers).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(component.process.pid, signal.SIGKILL)
        # Task processes run in process groups of their own: stop any that outlived their parent.
        for process in descendants:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        if component.log_file is not None and not component.log_file.closed:
            component.log_file.close()

    def assert_components_alive(self) -> None:
        dead = [f"{c.name} (exit {c.process.returncode})" for c in self.components.values() if not c.alive()]
        if dead:
            raise RuntimeError(f"components died: {', '.join(dead)}\n{self.log_tail()}")

    # --- REST API -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for_api(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.assert_components_alive()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).status_code == 200:
                    # The execution API (what task processes call) builds its routes on first use.
                    httpx.get(f"{self.base_url}/execution/health", timeout=120)
                    return
            time.sleep(1)
        raise TimeoutError(f"api-server not up after {timeout}s\n{self.log_tail()}")

    def token(self) -> str:
        """A JWT from the simple auth manager's /auth/token endpoint."""
        if self._token is None:
            response = httpx.post(f"{self.base_url}/auth/token", timeout=30,
                                  json={"username": "admin", "password": self.admin_password})
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._http is None:
            self._http = httpx.Client(base_url=f"{self.base_url}/api/v2", timeout=60)
        response = self._http.request(method, path, headers={"Authorization": f"Bearer {self.token()}"},
                                      **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:2000]}")
        return response.json() if response.content else None

    # --- DAGs and runs ------------------------------------------------------------------------

    def wait_for_dags(self, dag_ids: Sequence[str], timeout: float = 240) -> None:
        """Until the dag-processor has serialised every DAG in ``dag_ids``."""
        deadline = time.monotonic() + timeout
        missing = list(dag_ids)
        while time.monotonic() < deadline:
            self.assert_components_alive()
            found = {row[0] for row in self.metadata(
                "SELECT dag_id FROM serialized_dag WHERE dag_id = ANY(:ids)", ids=list(dag_ids))}
            missing = [dag_id for dag_id in dag_ids if dag_id not in found]
            if not missing:
                return
            time.sleep(1)
        errors = self.metadata("SELECT filename, stacktrace FROM import_error")
        raise TimeoutError(f"DAGs not parsed after {timeout}s: {missing}; import errors: {errors}\n"
                           f"{self.log_tail()}")

    def trigger(self, dag_id: str, conf: dict | None = None, run_id: str | None = None) -> str:
        """Trigger a run through the REST API (v2); returns its run id."""
        body: dict[str, Any] = {"logical_date": None, "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        return self.api("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in FINISHED_RUN_STATES:
                return state
            self.assert_components_alive()
            time.sleep(1)
        raise TimeoutError(f"{dag_id} {run_id} not finished after {timeout}s\n{self.describe_run(dag_id, run_id)}")

    def backfill(self, dag_id: str, from_date: str, to_date: str, max_active_runs: int = 4,
                 reprocess: str = "completed") -> int:
        """``airflow backfill create``; returns the backfill id."""
        self.airflow("backfill", "create", "--dag-id", dag_id, "--from-date", from_date, "--to-date", to_date,
                     "--max-active-runs", str(max_active_runs), "--reprocess-behavior", reprocess)
        rows = self.metadata("SELECT id FROM backfill WHERE dag_id = :d ORDER BY id DESC LIMIT 1", d=dag_id)
        return int(rows[0][0])

    def backfill_runs(self, backfill_id: int) -> list[tuple[str, str, Any]]:
        """(run_id, state, logical_date) of every run of a backfill."""
        return [tuple(row) for row in self.metadata(
            "SELECT run_id, state, logical_date FROM dag_run WHERE backfill_id = :b ORDER BY logical_date",
            b=backfill_id)]

    def wait_for_backfill(self, backfill_id: int, timeout: float = 600) -> list[tuple[str, str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.backfill_runs(backfill_id)
            if runs and all(state in FINISHED_RUN_STATES for _run, state, _date in runs):
                return runs
            self.assert_components_alive()
            time.sleep(2)
        raise TimeoutError(f"backfill {backfill_id} unfinished after {timeout}s: {self.backfill_runs(backfill_id)}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        rows = self.metadata(
            "SELECT task_id, map_index, state, try_number, hostname, pid FROM task_instance "
            "WHERE dag_id = :d AND run_id = :r ORDER BY task_id, map_index", d=dag_id, r=run_id)
        return [dict(zip(("task_id", "map_index", "state", "try_number", "hostname", "pid"), row, strict=True))
                for row in rows]

    def describe_run(self, dag_id: str, run_id: str) -> str:
        lines = [f"{dag_id} {run_id}:"]
        for ti in self.task_instances(dag_id, run_id):
            lines.append(f"  {ti['task_id']}[{ti['map_index']}] {ti['state']} try {ti['try_number']}")
        return "\n".join(lines)

    def metadata(self, sql: str, **params: Any) -> list[tuple]:
        """Read the metadata database (for waits and checks; the REST API does the driving)."""
        if not hasattr(self, "_meta_engine"):
            self._meta_engine = create_engine(self.metadata_url, pool_size=1, max_overflow=1)
        with self._meta_engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]

    # --- logs ---------------------------------------------------------------------------------

    def log_tail(self, lines: int = 60) -> str:
        out = []
        for component in [*self.stopped, *self.components.values()]:
            if component.log_path.exists():
                tail = component.log_path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"===== {component.name} (pid {component.pid}) {component.log_path}\n" + "\n".join(tail))
        return "\n".join(out)

    def task_log_tail(self, lines: int = 40, contains: str = "") -> str:
        out = []
        for path in sorted((self.home / "logs").rglob("*.log")):
            if contains in str(path):
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"===== task log {path.relative_to(self.home)}\n" + "\n".join(tail))
        return "\n".join(out)

    def dump_logs(self, stream: Any = sys.stderr, failed_only: bool = True) -> None:
        print(self.log_tail(120), file=stream)
        print(self.task_log_tail(60, ""), file=stream)
