"""Warehouse roles on the real PostgreSQL server: the reader reads published tables only, the
loader writes, and creating the roles twice changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from etl import warehouse
from etl.roles import create_roles, drop_roles
from tests.conftest import create_pg_database, drop_pg_database

pytestmark = pytest.mark.postgres


def _as_role(url: str, role: str) -> str:
    """The same database, logged in as ``role`` (the test server trusts local connections)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{role}@{rest.split('@', 1)[1]}"


@pytest.fixture
def roles_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, str]]:
    """A fresh initialised warehouse and unique role names (roles are cluster-wide)."""
    suffix = uuid.uuid4().hex[:8]
    loader, reader = f"ipstats_loader_{suffix}", f"ipstats_reader_{suffix}"
    monkeypatch.setenv("IPSTATS_LOADER_ROLE", loader)
    monkeypatch.setenv("IPSTATS_READER_ROLE", reader)
    monkeypatch.setenv("IPSTATS_LOADER_ROLE_PASSWORD", f"pw-{uuid.uuid4().hex}")
    monkeypatch.delenv("IPSTATS_READER_ROLE_PASSWORD", raising=False)
    url = create_pg_database()
    engine = warehouse.get_engine(url)
    try:
        warehouse.init_db(engine)
        yield url, loader, reader
    finally:
        drop_roles(engine)
        drop_pg_database(url)


def test_reader_reads_published_tables_only_and_loader_writes(roles_db: tuple[str, str, str]) -> None:
    url, loader, reader = roles_db
    engine = warehouse.get_engine(url)
    first = create_roles(engine)
    second = create_roles(engine)  # idempotent: same outcome, no error
    assert any(loader in line for line in first) and any(reader in line for line in first)
    assert [line.replace(": created,", ": exists,") for line in first] == second

    reader_engine = create_engine(_as_role(url, reader))
    loader_engine = create_engine(_as_role(url, loader))
    try:
        with reader_engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == reader
            conn.execute(text("SELECT count(*) FROM obs_observations")).scalar()
            conn.execute(text("SELECT count(*) FROM ref_regions")).scalar()
        for forbidden in (
            "INSERT INTO ref_region_aliases (alias, region_code) VALUES ('x', '440000')",
            "DELETE FROM obs_observations",
            "SELECT count(*) FROM stg_observations",
            "SELECT count(*) FROM schema_migrations",
            "CREATE TABLE mart_sneaky (x int)",
        ):
            with reader_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
                conn.execute(text(forbidden))

        with loader_engine.begin() as conn:
            conn.execute(text("INSERT INTO ref_region_aliases (alias, region_code) VALUES ('测试', '440000')"))
            conn.execute(text("SELECT count(*) FROM stg_observations")).scalar()
            conn.execute(text("DELETE FROM ref_region_aliases WHERE alias = '测试'"))
            # A table created later (a new migration run by the loader) follows the same rules.
            conn.execute(text("CREATE TABLE mart_future_table (x int)"))
            conn.execute(text("CREATE TABLE stg_future_table (x int)"))
            conn.execute(text("INSERT INTO mart_future_table VALUES (1)"))
        with reader_engine.connect() as conn:
            assert conn.execute(text("SELECT x FROM mart_future_table")).scalar() == 1
        with reader_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text("SELECT * FROM stg_future_table"))
        # A table the owner creates later: the loader may write it without a new grant.
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE report_future_table (x int)"))
        with loader_engine.begin() as conn:
            conn.execute(text("INSERT INTO report_future_table VALUES (2)"))
        with reader_engine.connect() as conn:
            assert conn.execute(text("SELECT x FROM report_future_table")).scalar() == 2
    finally:
        reader_engine.dispose()
        loader_engine.dispose()


def test_role_names_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.roles import RoleConfigError, role_settings

    monkeypatch.setenv("IPSTATS_READER_ROLE", 'bad"; DROP TABLE x; --')
    with pytest.raises(RoleConfigError, match="IPSTATS_READER_ROLE"):
        role_settings()
    monkeypatch.setenv("IPSTATS_READER_ROLE", "same_role")
    monkeypatch.setenv("IPSTATS_LOADER_ROLE", "same_role")
    with pytest.raises(RoleConfigError, match="must differ"):
        role_settings()
