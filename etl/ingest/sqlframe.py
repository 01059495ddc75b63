"""A faster ``read_frame`` for large results."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, text


def query_frame(conn: Connection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Rows as plain tuples: building a DataFrame from SQLAlchemy Row objects is ~10x slower."""
    result = conn.execute(text(sql), params or {})
    return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
