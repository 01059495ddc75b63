"""Shared fixtures: fresh warehouses on DuckDB and on the real PostgreSQL server, and an
isolated Airflow home with a migrated SQLite metadata database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl import warehouse
from tests.pgdb import create_pg_database
from tests.pgdb import drop_pg_database as _drop_pg_database

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = PROJECT_ROOT.parent / "shared"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own IPSTATS_HOME so nothing touches the developer's data folder."""
    monkeypatch.setenv("IPSTATS_HOME", str(tmp_path / "ipstats_home"))
    monkeypatch.delenv("IPSTATS_WAREHOUSE_URL", raising=False)


def drop_pg_database(url: str) -> None:
    """Drop a test database after closing this process's pooled connections to it."""
    warehouse.dispose_engines()
    _drop_pg_database(url)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def duckdb_url(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The same test on the embedded DuckDB and on a fresh PostgreSQL database."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
        monkeypatch.setenv("IPSTATS_WAREHOUSE_URL", url)
        yield url
        warehouse.dispose_engines()
    else:
        url = create_pg_database()
        monkeypatch.setenv("IPSTATS_WAREHOUSE_URL", url)
        try:
            yield url
        finally:
            drop_pg_database(url)


@pytest.fixture
def engine(warehouse_url: str):
    """An initialised warehouse (schema applied, catalogs loaded) on both backends."""
    from etl.catalog import load_catalog_into_warehouse

    eng = warehouse.get_engine(warehouse_url)
    warehouse.init_db(eng)
    load_catalog_into_warehouse(eng)
    yield eng
    warehouse.dispose_engines()


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Airflow home with a migrated SQLite metadata database, shared by the session's tests.

    Tests that run Airflow set ``airflow_env(...)`` on their subprocesses.
    """
    home = tmp_path_factory.mktemp("airflow_home")
    env = airflow_env(home)
    subprocess.run([str(VENV_BIN / "airflow"), "db", "migrate"], env=env, check=True,
                   capture_output=True, timeout=600)
    return home


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for an Airflow subprocess using ``home`` and this repository's dags/."""
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    env.update(extra)
    return env
