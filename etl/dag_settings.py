"""What the DAG files share, defined once so that the asset a producer emits is the asset the
report DAG waits for, and every DAG retries and runs in the same timezone.

Kept free of heavy imports: DAG files import it at parse time.
"""

from __future__ import annotations

from datetime import timedelta

TIMEZONE = "Asia/Shanghai"
WRITER_POOL = "duckdb_writer"  # 1 slot on DuckDB (one writer process); larger on PostgreSQL
WAREHOUSE_ASSET = {"name": "ip_warehouse", "uri": "ipstats://warehouse/observations"}


def default_args(retries: int = 1) -> dict:
    """Default task arguments of every ipstats DAG."""
    return {"owner": "ipstats", "retries": retries, "retry_delay": timedelta(minutes=5)}
