"""Fresh PostgreSQL databases on the local server, for tests and benchmarks: created empty,
dropped (with FORCE, so lingering connections never keep one alive) when done."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("IPSTATS_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def create_pg_database(prefix: str = "ipstats_test") -> str:
    """Create a fresh database; returns its ``postgresql+psycopg`` URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    """Drop the database of ``url`` if it exists."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
