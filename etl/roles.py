"""Warehouse roles on PostgreSQL: a loader that writes and a reader that only reads published tables.

Called by ``ipstats db init --roles`` (and by the compose ``airflow-init`` service). Idempotent:
run it again after every migration and it converges on the same grants. Names and passwords
come from the environment only (``IPSTATS_LOADER_ROLE``, ``IPSTATS_LOADER_ROLE_PASSWORD``,
``IPSTATS_READER_ROLE``, ``IPSTATS_READER_ROLE_PASSWORD``); no secret lives in the code.

Published tables (CONTRACTS.md): ``ref_*``, ``plan_*``, ``obs_*``, ``load_*``, ``mart_*``,
``report_*``. ``stg_*`` (write-audit-publish staging) and ``schema_migrations`` are not.
Future tables: the loader gets default privileges on everything; the reader gets SELECT on new
published tables through an event trigger when the caller may create one (superuser), and in any
case on the next ``ipstats db init --roles``.
"""

from __future__ import annotations

import os
import re

from sqlalchemy import Connection, Engine, text

PUBLISHED_PREFIXES = ("ref_", "plan_", "obs_", "load_", "mart_", "report_")
DEFAULT_LOADER_ROLE = "ipstats_loader"
DEFAULT_READER_ROLE = "ipstats_reader"
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Same namespace as etl.warehouse's advisory locks; key 1 is "role management".
_ROLE_LOCK = (0x1F5A, 1)
_EVENT_TRIGGER = "ipstats_grant_published_select"
_EVENT_FUNCTION = "ipstats_grant_published_select_fn"


class RoleConfigError(ValueError):
    """A role name from the environment that is not a plain lower-case identifier."""


def role_settings() -> dict[str, tuple[str, str | None]]:
    """``{"loader": (name, password or None), "reader": (...)}`` from the environment."""
    settings = {}
    for kind, default in (("loader", DEFAULT_LOADER_ROLE), ("reader", DEFAULT_READER_ROLE)):
        var = f"IPSTATS_{kind.upper()}_ROLE"
        name = os.environ.get(var, "").strip() or default
        if not _ROLE_NAME.fullmatch(name):
            raise RoleConfigError(f"{var}={name!r}: a role name must match {_ROLE_NAME.pattern}")
        password = os.environ.get(f"{var}_PASSWORD") or None
        settings[kind] = (name, password)
    if settings["loader"][0] == settings["reader"][0]:
        raise RoleConfigError(f"loader and reader roles must differ (both {settings['loader'][0]!r})")
    return settings


def published_tables(conn: Connection) -> list[str]:
    """Tables and views of the ``public`` schema that the reader may read."""
    rows = conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
    ))
    return [name for (name,) in rows if name.startswith(PUBLISHED_PREFIXES)]


def _unpublished_tables(conn: Connection) -> list[str]:
    rows = conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
    ))
    return [name for (name,) in rows if not name.startswith(PUBLISHED_PREFIXES)]


def _ensure_role(conn: Connection, name: str, password: str | None) -> str:
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    if not exists:
        conn.execute(text(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'))
    if password:
        # format(%L) quotes the password server-side: no secret is pasted into SQL by hand.
        statement = conn.execute(
            text("SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', CAST(:n AS text), CAST(:p AS text))"),
            {"n": name, "p": password},
        ).scalar_one()
        conn.execute(text(statement))
    verb = "exists" if exists else "created"
    note = "password set" if password else "no password set (login by trust/peer only until one is)"
    return f"role {name}: {verb}, {note}"


def _install_event_trigger(conn: Connection, reader: str) -> str:
    """Grant SELECT to the reader on published tables created later (needs superuser)."""
    is_superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if not is_superuser:
        return ("reader future tables: not a superuser, no event trigger; "
                "re-run `ipstats db init --roles` after each migration")
    prefixes = "|".join(p.rstrip("_") for p in PUBLISHED_PREFIXES)
    conn.execute(text(f"""
        CREATE OR REPLACE FUNCTION {_EVENT_FUNCTION}() RETURNS event_trigger
        LANGUAGE plpgsql AS $fn$
        DECLARE
            created record;
        BEGIN
            FOR created IN SELECT * FROM pg_event_trigger_ddl_commands()
                WHERE object_type IN ('table', 'view', 'materialized view')
                  AND schema_name = 'public'
            LOOP
                IF split_part(created.object_identity, '.', 2) ~ '^({prefixes})_' THEN
                    EXECUTE format('GRANT SELECT ON %s TO %I', created.object_identity, '{reader}');
                END IF;
            END LOOP;
        END
        $fn$
    """))
    conn.execute(text(f"DROP EVENT TRIGGER IF EXISTS {_EVENT_TRIGGER}"))
    conn.execute(text(
        f"CREATE EVENT TRIGGER {_EVENT_TRIGGER} ON ddl_command_end "
        f"WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'CREATE VIEW', 'CREATE MATERIALIZED VIEW', "
        f"'SELECT INTO') EXECUTE FUNCTION {_EVENT_FUNCTION}()"
    ))
    return f"reader future tables: event trigger {_EVENT_TRIGGER} grants SELECT on new published tables"


def create_roles(engine: Engine) -> list[str]:
    """Create or update the loader and reader roles and their grants; returns what was done.

    Must run as the warehouse owner (or a superuser). Raises ``RoleConfigError`` for bad names and
    ``ValueError`` on a non-PostgreSQL warehouse (DuckDB has no roles: file permissions apply).
    """
    if engine.dialect.name != "postgresql":
        raise ValueError(f"roles need PostgreSQL; this warehouse is {engine.dialect.name}")
    settings = role_settings()
    loader, loader_password = settings["loader"]
    reader, reader_password = settings["reader"]
    done: list[str] = []
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _ROLE_LOCK[0], "b": _ROLE_LOCK[1]})
        done.append(_ensure_role(conn, loader, loader_password))
        done.append(_ensure_role(conn, reader, reader_password))
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        owner = conn.execute(text("SELECT current_user")).scalar_one()
        conn.execute(text(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{loader}"'))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO "{reader}"'))

        # Loader: reads and writes every table (staging included) and may run migrations.
        conn.execute(text(f'GRANT USAGE, CREATE ON SCHEMA public TO "{loader}"'))
        conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public '
                          f'TO "{loader}"'))
        conn.execute(text(f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{loader}"'))
        creators = [owner]
        if owner != loader and conn.execute(
                text("SELECT pg_has_role(:r, 'MEMBER')"), {"r": loader}).scalar():
            creators.append(loader)  # superuser or member: may set the loader's own defaults
        for creator in creators:
            conn.execute(text(
                f'ALTER DEFAULT PRIVILEGES FOR ROLE "{creator}" IN SCHEMA public '
                f'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO "{loader}"'))
            conn.execute(text(
                f'ALTER DEFAULT PRIVILEGES FOR ROLE "{creator}" IN SCHEMA public '
                f'GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO "{loader}"'))
        done.append(f"loader {loader}: read/write on all tables of {database}, default privileges for "
                    f"tables created by {' and '.join(creators)}")

        # Reader: SELECT on published tables only; nothing else, not even staging.
        conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{reader}"'))
        conn.execute(text(f'REVOKE CREATE ON SCHEMA public FROM "{reader}"'))
        published = published_tables(conn)
        for table in published:
            conn.execute(text(f'GRANT SELECT ON TABLE "{table}" TO "{reader}"'))
            conn.execute(text(f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER '
                              f'ON TABLE "{table}" FROM "{reader}"'))
        for table in _unpublished_tables(conn):
            conn.execute(text(f'REVOKE ALL ON TABLE "{table}" FROM "{reader}"'))
        done.append(f"reader {reader}: SELECT on {len(published)} published table(s) "
                    f"({', '.join(p + '*' for p in PUBLISHED_PREFIXES)}); stg_* not readable")
        done.append(_install_event_trigger(conn, reader))
    return done


def drop_roles(engine: Engine) -> list[str]:
    """Remove the roles' privileges in this database and drop them if no other database uses them.

    For decommissioning and tests; ``DROP ROLE`` fails while another database still grants to them.
    """
    settings = role_settings()
    done: list[str] = []
    with engine.begin() as conn:
        conn.execute(text(f"DROP EVENT TRIGGER IF EXISTS {_EVENT_TRIGGER}"))
        conn.execute(text(f"DROP FUNCTION IF EXISTS {_EVENT_FUNCTION}()"))
        for name, _password in settings.values():
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first():
                conn.execute(text(f'DROP OWNED BY "{name}"'))
                done.append(f"role {name}: privileges in this database dropped")
    for name, _password in settings.values():
        try:
            with engine.begin() as conn:
                conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
            done.append(f"role {name}: dropped")
        except Exception as error:  # noqa: BLE001 - still referenced by another database
            done.append(f"role {name}: kept ({error.__class__.__name__}: still used elsewhere)")
    return done
