"""Indicator values from the warehouse: canonical measures, per-10,000 ratios and tidy values.

How a value is obtained (``ref_indicators.method``):

- ``measure``: the canonical measure (sums when ``measure_code`` joins several with ``+``). A full
  year is the ``period_type = year`` row, else the December period end (a Dec year-to-date flow is
  the year's flow; a December stock the year-end stock). Sub-year period ends are kept too: a
  stock or rate at that date, or the year-to-date flow of a partial year (progress decides which
  kinds may use a partial year; ``annual_flow`` never does).
- ``derived``: the measure per 10,000 people (population in 万人 of the same region and year) or per
  10,000 market entities. A sub-year value uses its own year's denominator when published, else the
  previous year-end's (populations are published once a year).
- ``tidy``: the value supplied through the ``indicator`` source kind (``obs_indicator_values``).

When a tidy value and a computed value exist for the same region, indicator and year, **the tidy
value wins** for that year: an office supplied it deliberately, usually as the official figure.
Computed sub-year values are kept beside it. ``value_source`` records which one was used and
``inputs`` lists the observation keys (or the tidy row) with their batch ids.

Values are converted from the measures' canonical units to the indicator's catalog unit with
:func:`etl.units.convert` (progress converts once more to the plan's printed unit).

Growth indicators (aggregation ``growth``, e.g. 著作权登记量年均增长率, in %) are a rate only when
supplied as tidy values; the level they are the growth of (their ``measure_code``) is computed as
an internal series ``level:<indicator_code>`` (canonical unit) that progress uses for ``g``; it is
not stored in the mart.
"""

from __future__ import annotations

import logging

import pandas as pd
from sqlalchemy import Connection, text

from etl import units
from etl.warehouse import bulk_insert, is_duckdb, read_frame, read_sql

log = logging.getLogger(__name__)

LEVEL_PREFIX = "level:"
VALUE_COLUMNS = ["series_code", "indicator_code", "region_code", "period_end", "period_type", "value",
                 "unit", "value_source", "inputs"]
MART_COLUMNS = ["region_code", "indicator_code", "period_end", "period_type", "value", "unit",
                "value_source", "inputs", "computed_at"]

_TEMP_TABLES = {
    "tmp_indicator_components": (
        "series_code TEXT, indicator_code TEXT, measure_code TEXT, method TEXT, denominator TEXT, "
        "unit_factor DOUBLE PRECISION, component_count INTEGER"
    ),
    "tmp_tidy_unit_factors": "from_unit TEXT, to_unit TEXT, factor DOUBLE PRECISION",
}


def _factor(from_unit: str, to_unit: str) -> float | None:
    try:
        return units.convert(1.0, from_unit, to_unit)
    except (units.UnknownUnit, units.IncompatibleUnits) as exc:
        log.warning("indicator values: %s", exc)
        return None


def indicator_components(indicators: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """One row per (series, measure) an indicator is computed from, with the unit factor."""
    canonical = dict(zip(measures["measure_code"], measures["canonical_unit"], strict=True))
    rows: list[dict] = []
    for ind in indicators.itertuples(index=False):
        if not isinstance(ind.measure_code, str) or not ind.measure_code.strip():
            continue
        parts = [p.strip() for p in str(ind.measure_code).split("+") if p.strip()]
        if any(p not in canonical for p in parts):
            log.warning("indicator %s: unknown measure in %r", ind.indicator_code, ind.measure_code)
            continue
        if ind.aggregation == "growth":  # the level that grows, in its canonical unit
            series, method, denominator, factor = LEVEL_PREFIX + ind.indicator_code, "measure", None, 1.0
        elif ind.method in ("measure", "derived"):
            series, method, denominator = ind.indicator_code, ind.method, ind.denominator
            factor = _factor(canonical[parts[0]], ind.unit)
            if factor is None:
                continue
        else:
            continue
        for part in parts:
            rows.append({"series_code": series, "indicator_code": ind.indicator_code, "measure_code": part,
                         "method": method, "denominator": denominator, "unit_factor": factor,
                         "component_count": len(parts)})
    return pd.DataFrame(rows, columns=["series_code", "indicator_code", "measure_code", "method",
                                       "denominator", "unit_factor", "component_count"])


def _tidy_unit_factors(conn: Connection) -> pd.DataFrame:
    pairs = read_frame(conn, """
        SELECT DISTINCT tidy.unit AS from_unit, indicators.unit AS to_unit
        FROM obs_indicator_values AS tidy
        JOIN ref_indicators AS indicators ON indicators.indicator_code = tidy.indicator_code
    """)
    rows = []
    for pair in pairs.itertuples(index=False):
        factor = 1.0 if pair.from_unit == pair.to_unit else _factor(pair.from_unit, pair.to_unit)
        if factor is not None:
            rows.append({"from_unit": pair.from_unit, "to_unit": pair.to_unit, "factor": factor})
    return pd.DataFrame(rows, columns=["from_unit", "to_unit", "factor"])


def fetch_frame(conn: Connection, sql: str) -> pd.DataFrame:
    """A query's rows as a DataFrame, fast: DuckDB's native result, else plain tuples.

    (``pandas.DataFrame(result.fetchall())`` probes every SQLAlchemy Row for attributes, which
    costs seconds on tens of thousands of rows.)
    """
    dbapi = conn.connection.dbapi_connection
    if is_duckdb(conn):
        return dbapi.execute(sql).df()
    with dbapi.cursor() as cursor:  # psycopg: plain tuples; no parameters, so no placeholder parsing
        cursor.execute(sql)
        columns = [column.name for column in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def _drop_temp_tables(conn: Connection) -> None:
    for name in (*_TEMP_TABLES, "stg_indicator_inputs"):
        conn.execute(text(f"DROP TABLE IF EXISTS {name}"))


def compute_indicator_values(conn: Connection) -> pd.DataFrame:
    """All indicator values (and internal level series) the warehouse supports, in one pass.

    Runs ``sql/staging/stg_indicator_inputs.sql`` and ``sql/marts/mart_indicator_values.sql`` over
    temporary tables on ``conn``; writes nothing permanent. Columns: :data:`VALUE_COLUMNS`.
    """
    indicators = read_frame(conn, "SELECT * FROM ref_indicators")
    measures = read_frame(conn, "SELECT measure_code, canonical_unit FROM ref_measures")
    _drop_temp_tables(conn)
    try:
        for name, columns in _TEMP_TABLES.items():
            conn.execute(text(f"CREATE TEMPORARY TABLE {name} ({columns})"))
        bulk_insert(conn, "tmp_indicator_components", indicator_components(indicators, measures))
        bulk_insert(conn, "tmp_tidy_unit_factors", _tidy_unit_factors(conn))
        staging = read_sql("staging/stg_indicator_inputs.sql").strip().rstrip(";")
        conn.execute(text(f"CREATE TEMPORARY TABLE stg_indicator_inputs AS {staging}"))
        postgres = not is_duckdb(conn)
        if postgres:
            # Temporary tables have no statistics: the planner would estimate a handful of rows and
            # join the denominators by nested loop (seconds instead of milliseconds).
            for name in (*_TEMP_TABLES, "stg_indicator_inputs"):
                conn.execute(text(f"ANALYZE {name}"))
            conn.execute(text("SET LOCAL enable_nestloop = off"))
        frame = fetch_frame(conn, read_sql("marts/mart_indicator_values.sql").strip().rstrip(";"))
        if postgres:
            conn.execute(text("RESET enable_nestloop"))
    finally:
        _drop_temp_tables(conn)
    unit_by_indicator = dict(zip(indicators["indicator_code"], indicators["unit"], strict=True))
    canonical_by_measure = dict(zip(measures["measure_code"], measures["canonical_unit"], strict=True))
    growth_measure = {code: canonical_by_measure.get(str(m).split("+")[0].strip())
                      for code, m, agg in indicators[["indicator_code", "measure_code", "aggregation"]]
                      .itertuples(index=False) if agg == "growth" and isinstance(m, str)}
    if frame.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    frame["period_end"] = pd.to_datetime(frame["period_end"]).dt.date
    # 12 significant digits, as etl.units.convert: 17.000000000000004 -> 17.0
    frame["value"] = [float(f"{x:.12g}") for x in frame["value"].astype(float).tolist()]
    is_level = frame["series_code"].str.startswith(LEVEL_PREFIX)
    frame["unit"] = frame["indicator_code"].map(unit_by_indicator)
    frame.loc[is_level, "unit"] = frame.loc[is_level, "indicator_code"].map(growth_measure)
    return frame[VALUE_COLUMNS].reset_index(drop=True)


def mart_frame(values: pd.DataFrame, computed_at) -> pd.DataFrame:
    """The rows of ``mart_indicator_values`` (internal level series left out)."""
    published = values[~values["series_code"].str.startswith(LEVEL_PREFIX)].copy()
    published["computed_at"] = computed_at
    return published[MART_COLUMNS].reset_index(drop=True)
