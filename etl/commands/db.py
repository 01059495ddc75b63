"""``ipstats db``: create or migrate the warehouse schema and load the catalogs into it."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="warehouse schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    init = db_sub.add_parser("init", help="create or migrate the schema (idempotent) and load catalogs")
    init.add_argument("--url", help="SQLAlchemy URL (default: IPSTATS_WAREHOUSE_URL or embedded DuckDB)")
    init.add_argument("--roles", action="store_true",
                      help="PostgreSQL only: also create the loader and reader roles")
    init.set_defaults(handler=_init)


def _init(args: argparse.Namespace) -> int:
    from etl.catalog import load_catalog_into_warehouse
    from etl.warehouse import get_engine, init_db

    engine = get_engine(args.url)
    applied = init_db(engine)
    counts = load_catalog_into_warehouse(engine)
    print(f"schema: {len(applied)} migration(s) applied" + (f" ({', '.join(applied)})" if applied else ""))
    print("catalog: " + ", ".join(f"{table} {n}" for table, n in counts.items()))
    if args.roles:
        from etl.roles import create_roles

        for line in create_roles(engine):
            print(line)
    return 0
