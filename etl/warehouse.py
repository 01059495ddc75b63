"""The warehouse: one schema on DuckDB (embedded default) or PostgreSQL, chosen by URL.

DDL lives in ``sql/schema/NNN_*.sql`` and is applied in order, once, recorded in
``schema_migrations``; transformation SQL lives in ``sql/staging`` and ``sql/marts``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, create_engine, text

from etl.config import SQL_DIR, warehouse_url

_ENGINES: dict[str, Engine] = {}
# DuckDB has no session-level advisory locks; PostgreSQL serialises partition writers with this key.
_LOCK_NAMESPACE = 0x1F5A


def get_engine(url: str | None = None) -> Engine:
    """A cached engine for ``url`` (default: the configured warehouse)."""
    url = url or warehouse_url()
    engine = _ENGINES.get(url)
    if engine is None:
        if url.startswith("duckdb:///"):
            Path(url.removeprefix("duckdb:///")).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, poolclass=_null_pool())
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _ENGINES[url] = engine
    return engine


def _null_pool():
    # A DuckDB file may be opened by one process at a time; holding no idle connection lets
    # the next Airflow task (another process) open it as soon as this one is done.
    from sqlalchemy.pool import NullPool

    return NullPool


def dispose_engines() -> None:
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def is_duckdb(conn_or_engine: Connection | Engine) -> bool:
    return conn_or_engine.dialect.name == "duckdb"


def split_statements(sql: str) -> list[str]:
    """Split a SQL file on semicolons at line ends, dropping comment-only chunks."""
    statements = []
    for chunk in re.split(r";\s*(?:\n|$)", sql):
        body = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--")).strip()
        if body:
            statements.append(body)
    return statements


def read_sql(relative_path: str) -> str:
    """The text of ``sql/<relative_path>``."""
    return (SQL_DIR / relative_path).read_text(encoding="utf-8")


# Views are derived, so they are not migrations: init_db drops and recreates them from their SQL
# file whenever the file changed (checksum kept in schema_migrations), so a changed definition
# reaches every warehouse on its next `ipstats db init`.
VIEW_FILES = ("staging/stg_monthly_flows.sql",)


def migration_files() -> list[Path]:
    return sorted((SQL_DIR / "schema").glob("[0-9][0-9][0-9]_*.sql"))


def init_db(engine: Engine | None = None) -> list[str]:
    """Create or migrate the schema idempotently; returns the migrations applied now."""
    engine = engine or get_engine()
    applied_now: list[str] = []
    with engine.begin() as conn:
        if not is_duckdb(conn):
            conn.execute(text("SELECT pg_advisory_xact_lock(:ns, 0)"), {"ns": _LOCK_NAMESPACE})
        conn.execute(text(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
        ))
        done = {row[0] for row in conn.execute(text("SELECT name FROM schema_migrations"))}
        for path in migration_files():
            if path.name in done:
                continue
            sql = path.read_text(encoding="utf-8")
            if path.stem.endswith("_postgres") and is_duckdb(conn):
                statements: list[str] = []
            else:
                statements = split_statements(sql)
            for statement in statements:
                conn.execute(text(statement))
            conn.execute(
                text("INSERT INTO schema_migrations VALUES (:n, :c, CURRENT_TIMESTAMP)"),
                {"n": path.name, "c": hashlib.sha256(sql.encode()).hexdigest()},
            )
            applied_now.append(path.name)
        checksums = dict(conn.execute(text("SELECT name, checksum FROM schema_migrations")).all())
        for relative in VIEW_FILES:
            view, body = Path(relative).stem, read_sql(relative).strip().rstrip(";")
            checksum = hashlib.sha256(body.encode()).hexdigest()
            if checksums.get(f"view:{view}") == checksum:
                continue  # unchanged: no DDL, so tasks running as the loader role never need ownership
            conn.execute(text(f"DROP VIEW IF EXISTS {view}"))
            conn.execute(text(f"CREATE VIEW {view} AS\n{body}"))
            conn.execute(text("DELETE FROM schema_migrations WHERE name = :n"), {"n": f"view:{view}"})
            conn.execute(text("INSERT INTO schema_migrations VALUES (:n, :c, CURRENT_TIMESTAMP)"),
                         {"n": f"view:{view}", "c": checksum})
            applied_now.append(f"view:{view}")
    return applied_now


@contextmanager
def transaction(engine: Engine | None = None) -> Generator[Connection]:
    """One transaction on the warehouse: commit on success, roll back on any error."""
    engine = engine or get_engine()
    with engine.begin() as conn:
        yield conn


def lock_partition(conn: Connection, *key: str) -> None:
    """Serialise writers of one partition until the transaction ends (PostgreSQL advisory lock).

    DuckDB allows a single writer process, and Airflow's ``duckdb_writer`` pool keeps it so.
    """
    if is_duckdb(conn):
        return
    digest = int.from_bytes(hashlib.sha256("|".join(key).encode()).digest()[:4], "big", signed=True)
    conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": _LOCK_NAMESPACE, "key": digest})


def bulk_insert(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """Insert a DataFrame in one statement (DuckDB) or one COPY (PostgreSQL); never row by row."""
    if frame.empty:
        return 0
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", table):
        raise ValueError(f"bad table name {table!r}")
    columns = list(frame.columns)
    dbapi = conn.connection.dbapi_connection
    if is_duckdb(conn):
        view = f"_bulk_{table}"
        dbapi.register(view, frame)
        try:
            cols = ", ".join(columns)
            dbapi.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
        finally:
            dbapi.unregister(view)
    else:
        cols = ", ".join(columns)
        records = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)
    return len(frame)


def read_frame(conn: Connection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Run a query and return its rows as a DataFrame."""
    result = conn.execute(text(sql), params or {})
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def affected_rows(result) -> int:
    """Rows changed by an INSERT/UPDATE/DELETE on either backend.

    PostgreSQL reports ``rowcount``; DuckDB (1.x through duckdb-engine) reports -1 and returns the
    count as a one-row result instead.
    """
    if result.rowcount is not None and result.rowcount >= 0:
        return int(result.rowcount)
    if result.returns_rows:
        row = result.fetchone()
        return int(row[0]) if row and row[0] is not None else 0
    return 0
