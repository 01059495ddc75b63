"""Synthetic demonstration marts for the reports: made-up indicator values for every target of
the catalog's plans, run through the real progress computation (etl.progress.compute_progress)
and written to ``mart_indicator_values`` and ``mart_progress``.

For tests and the benchmark on a warehouse without loaded data, never for real reporting: the
figures are invented (reports rendered from them must carry the sample-data notice, so callers
set ``IPSTATS_SAMPLE_DATA=1``)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Engine, text

from etl.reports.periods import month_end


def _unit(value: float, from_unit: str, to_unit: str) -> float:
    if not from_unit or not to_unit or from_unit == to_unit:
        return value
    try:
        from etl.units import convert

        return convert(value, from_unit, to_unit)
    except Exception:  # noqa: BLE001 - a unit the converter does not know: keep the number
        return value


def _pace(*key: str) -> float:
    """A stable pseudo-random pace between 0.35 and 1.3 (so every status occurs)."""
    digest = int(hashlib.sha256("|".join(key).encode()).hexdigest()[:8], 16)
    return 0.35 + (digest % 1000) / 1000 * 0.95


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def demo_values(targets, last: date):
    """A values frame (etl.progress VALUE_COLUMNS) with yearly values up to ``last`` and monthly
    values in ``last``'s year for stock indicators."""
    import pandas as pd

    rows = []
    seen: set[tuple[str, str]] = set()
    for target in targets.itertuples(index=False):
        key = (str(target.indicator_code), str(target.region_code))
        if key in seen:
            continue
        seen.add(key)
        pace = _pace(*key)
        if pace < 0.42:  # about one series in fourteen has no data at all
            continue
        y0 = int(target.base_year) if not _missing(target.base_year) else last.year - 4
        ty = int(target.target_year) if not _missing(target.target_year) else y0 + 5
        span = max(ty - y0, 1)
        plan_unit = str(target.unit)
        indicator_unit = str(target.indicator_unit or plan_unit)
        goal = None if _missing(target.target_value) else float(target.target_value)
        base = None if _missing(target.base_value) else float(target.base_value)
        kind = str(target.target_kind)
        is_rate = indicator_unit == "%" or target.aggregation in ("growth", "rate")
        for year in range(y0 + 1, min(last.year, ty + 1) + 1):
            months = [12] if year < last.year else sorted({last.month, 12} & set(range(1, last.month + 1)))
            if year == last.year and target.aggregation == "stock" and last.month != 12:
                months = list(range(3, last.month + 1, 3)) or [last.month]
            for month in months:
                share = (year - y0 - 1 + month / 12) / span
                if kind == "avg_growth":
                    value = (goal or 10) * (0.6 + pace * 0.5) if is_rate else (base or 100) * (
                        1 + (goal or 10) / 100 * pace) ** (share * span)
                elif kind == "period_total":
                    value = (goal or 100) / span * (0.5 + pace * 0.6) * (month / 12)
                elif kind == "annual_flow":
                    value = (goal or 100) * (0.6 + pace * 0.35) * (month / 12)
                elif is_rate and goal is not None:
                    start = base if base is not None else goal * 0.6
                    value = start + (goal - start) * min(share * pace * 1.2, 1.15)
                else:
                    start = base if base is not None else (goal or 100) * 0.5
                    end = goal if goal is not None else start * 1.5
                    value = start + (end - start) * share * pace * 1.15
                if target.aggregation != "stock" and month != 12 and kind not in ("period_total", "annual_flow"):
                    continue
                rows.append({
                    "series_code": key[0], "indicator_code": key[0], "region_code": key[1],
                    "period_end": month_end(year, month), "period_type": "year" if month == 12 else "month",
                    "value": round(_unit(value, plan_unit, indicator_unit), 4), "unit": indicator_unit,
                    "value_source": "tidy", "inputs": "[]",
                })
    return pd.DataFrame(rows, columns=["series_code", "indicator_code", "region_code", "period_end", "period_type",
                                       "value", "unit", "value_source", "inputs"])


def seed_demo_marts(engine: Engine, as_of_dates: Iterable[date], computed_at: datetime | None = None) -> int:
    """Replace both marts with demonstration rows for every plan at ``as_of_dates``; returns rows."""
    from etl.progress.indicators import mart_frame
    from etl.progress.refresh import compute_progress, read_targets
    from etl.warehouse import bulk_insert, transaction

    dates = sorted({month_end(d.year, d.month) for d in as_of_dates})
    computed_at = computed_at or datetime(2000, 1, 1)
    with transaction(engine) as conn:
        targets = read_targets(conn)
        values = demo_values(targets, max(dates))
        progress = compute_progress(targets, values, dates, computed_at=computed_at)
        conn.execute(text("DELETE FROM mart_indicator_values"))
        conn.execute(text("DELETE FROM mart_progress"))
        bulk_insert(conn, "mart_indicator_values", mart_frame(values, computed_at))
        return bulk_insert(conn, "mart_progress", progress)
