"""Runtime settings, read from environment variables (and Airflow connections inside Airflow).

Nothing here is hard-wired to a machine: every path derives from ``IPSTATS_HOME`` unless its own
variable overrides it, and the warehouse is chosen by a SQLAlchemy URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
CATALOG_DIR = PACKAGE_DIR / "catalog"
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
TEMPLATES_DIR = PROJECT_ROOT / "report_templates"


@dataclass(frozen=True)
class Settings:
    home: Path
    landing_dir: Path
    archive_dir: Path
    quarantine_dir: Path
    artifacts_dir: Path
    reports_dir: Path
    outbox_dir: Path
    recipients_file: Path
    timezone: str

    def ensure_dirs(self) -> None:
        for path in (self.landing_dir, self.archive_dir, self.quarantine_dir, self.artifacts_dir,
                     self.reports_dir, self.outbox_dir):
            path.mkdir(parents=True, exist_ok=True)


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def get_settings() -> Settings:
    """Settings for this process; cheap, so read fresh each time (tests change the environment)."""
    home = _path("IPSTATS_HOME", PROJECT_ROOT / "data")
    return Settings(
        home=home,
        landing_dir=_path("IPSTATS_LANDING_DIR", home / "landing"),
        archive_dir=_path("IPSTATS_ARCHIVE_DIR", home / "archive"),
        quarantine_dir=_path("IPSTATS_QUARANTINE_DIR", home / "quarantine"),
        artifacts_dir=_path("IPSTATS_ARTIFACTS_DIR", home / "artifacts"),
        reports_dir=_path("IPSTATS_REPORTS_DIR", home / "reports"),
        outbox_dir=_path("IPSTATS_OUTBOX_DIR", home / "outbox"),
        recipients_file=_path("IPSTATS_RECIPIENTS_FILE", PROJECT_ROOT / "config" / "recipients.yaml"),
        timezone=os.environ.get("IPSTATS_TIMEZONE", "Asia/Shanghai"),
    )


def _sqlalchemy_url_from_airflow_conn(conn_id: str) -> str | None:
    """The warehouse URL of an Airflow connection, when running inside Airflow and it is defined."""
    env_uri = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if env_uri:
        return normalise_url(env_uri)
    if not os.environ.get("AIRFLOW_CTX_DAG_ID"):
        return None
    try:  # inside a task: the Task SDK resolves connections from any configured backend
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
    except Exception:  # noqa: BLE001 - not defined: fall back to the environment variable
        return None
    return normalise_url(conn.get_uri())


def normalise_url(url: str) -> str:
    """Map Airflow-style and libpq-style URIs onto the SQLAlchemy drivers this project ships."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@cache
def _default_duckdb_url(home: str) -> str:
    return f"duckdb:///{Path(home) / 'warehouse.duckdb'}"


def warehouse_url() -> str:
    """``IPSTATS_WAREHOUSE_URL``, else the ``ip_warehouse`` connection, else DuckDB under IPSTATS_HOME."""
    url = os.environ.get("IPSTATS_WAREHOUSE_URL")
    if url:
        return normalise_url(url)
    from_conn = _sqlalchemy_url_from_airflow_conn("ip_warehouse")
    if from_conn:
        return from_conn
    return _default_duckdb_url(str(get_settings().home))
