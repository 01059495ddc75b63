"""Progress against every plan target: evaluate in memory, or rebuild the marts.

The database work is set-based: one pass computes every indicator value
(:func:`etl.progress.indicators.compute_indicator_values`), one query reads every target; the
per-target arithmetic is :func:`etl.progress.compute.evaluate_target`, fed from in-memory series.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Connection, Engine, text

from etl import units
from etl.progress.compute import (
    Point,
    TargetSpec,
    Thresholds,
    evaluate_target,
    month_end,
)
from etl.progress.indicators import LEVEL_PREFIX, compute_indicator_values, mart_frame
from etl.progress.settings import load_thresholds
from etl.warehouse import bulk_insert, lock_partition, read_frame, transaction

log = logging.getLogger(__name__)

PROGRESS_COLUMNS = [
    "plan_id", "target_id", "indicator_code", "region_code", "as_of", "indicator_name_zh",
    "indicator_name_en", "unit", "category", "target_kind", "comparator", "source", "source_ref",
    "base_year", "base_value", "target_year", "target_value", "latest_value", "latest_period_end",
    "latest_period_type", "latest_label", "cumulative_value", "completion", "elapsed", "ratio",
    "status", "projected_value", "projected_meets", "verdict", "yearly_path", "value_source",
    "observations_used", "note", "computed_at", "observed_growth", "note_zh",
]

_TARGETS_SQL = """
SELECT targets.plan_id, targets.target_id, targets.indicator_code, plans.region_code,
       targets.indicator_name_zh, indicators.name_en AS indicator_name_en, targets.unit,
       targets.category, targets.target_kind, targets.comparator, targets.source, targets.source_ref,
       COALESCE(targets.base_year, plans.base_year) AS base_year, targets.base_value,
       COALESCE(targets.target_year, plans.target_year) AS target_year, targets.target_value,
       targets.note AS catalog_note, targets.note_zh AS catalog_note_zh, targets.row_no,
       indicators.unit AS indicator_unit, indicators.aggregation, indicators.direction,
       indicators.method, measures.basis AS measure_basis
FROM plan_targets AS targets
JOIN plan_plans AS plans ON plans.plan_id = targets.plan_id
LEFT JOIN ref_indicators AS indicators ON indicators.indicator_code = targets.indicator_code
LEFT JOIN ref_measures AS measures ON measures.measure_code = indicators.measure_code
{where}
ORDER BY targets.plan_id, targets.row_no, targets.target_id
"""


def _none(value):
    """pandas' missing markers (NaN, NA, NaT) as None."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    return value


@dataclass
class _Series:
    """One target's indicator values in the plan's unit, ready for :func:`evaluate_target`."""

    spec: TargetSpec
    points: list[Point]
    notes: list[str]
    notes_zh: list[str]


def _unit_factor(indicator_unit: str | None, plan_unit: str) -> float | None:
    if not indicator_unit or indicator_unit == plan_unit:
        return 1.0
    try:
        return units.convert(1.0, indicator_unit, plan_unit)
    except (units.UnknownUnit, units.IncompatibleUnits):
        return None


class _ValueIndex:
    """The indicator values as plain lists, indexed by (series, region): cheap per-target lookups."""

    def __init__(self, values: pd.DataFrame, wanted: set[tuple[str, str]]) -> None:
        self.period_end = values["period_end"].tolist()
        self.value = values["value"].astype(float).tolist()
        self.period_type = values["period_type"].tolist()
        self.value_source = values["value_source"].tolist()
        self.inputs = values["inputs"].tolist()
        self.rows: dict[tuple[str, str], list[int]] = {}
        for position, key in enumerate(zip(values["series_code"].tolist(), values["region_code"].tolist(),
                                           strict=True)):
            if key in wanted:
                self.rows.setdefault(key, []).append(position)
        self._parsed: dict[int, list] = {}

    def points(self, key: tuple[str, str], factor: float) -> list[Point]:
        return sorted((Point(self.period_end[i], self.value[i] * factor, self.period_type[i], key=i)
                       for i in self.rows.get(key, ())), key=lambda p: (p.period_end, not p.is_year))

    def has_after(self, key: tuple[str, str], year: int | None) -> bool:
        """Whether the series has a value after ``year`` (any value when ``year`` is None)."""
        return any(year is None or self.period_end[i].year > year for i in self.rows.get(key, ()))

    def inputs_of(self, position: int) -> list:
        if position not in self._parsed:
            self._parsed[position] = json.loads(self.inputs[position])
        return self._parsed[position]


def _target_series(target, index: _ValueIndex) -> _Series:
    """Choose the series a target is judged on and express it in the plan's unit."""
    notes: list[str] = []
    notes_zh: list[str] = []
    kind = target.target_kind
    plan_unit = str(target.unit)
    own = (str(target.indicator_code), str(target.region_code))
    level = (LEVEL_PREFIX + str(target.indicator_code), str(target.region_code))
    base_value = _none(target.base_value)
    value_is_rate = False
    full_years_only = target.aggregation == "annual_flow"
    if kind == "avg_growth":
        is_rate_indicator = target.aggregation in ("growth", "rate") or target.indicator_unit == "%"
        # a supplied rate (tidy) is the growth itself; a rate only for years before the plan (e.g. the
        # previous plan's completion value) says nothing about this plan: use the levels then
        if is_rate_indicator and index.has_after(own, _int(target.base_year)):
            value_is_rate, key, factor = True, own, 1.0
        elif is_rate_indicator:
            # the growth of the underlying measure; the plan's base is a rate, not a level
            key, factor, base_value = level, 1.0, None
            full_years_only = target.measure_basis == "flow"
        else:
            key = own
            factor = _unit_factor(target.indicator_unit, plan_unit)
            if factor is None:  # printed as '%': the plan's base is no level of the indicator
                factor, base_value = 1.0, None
        return _Series(TargetSpec("avg_growth", _int(target.base_year), base_value, _int(target.target_year),
                                  _none(target.target_value), str(target.direction or "increase"),
                                  value_is_rate, full_years_only), index.points(key, factor), notes, notes_zh)
    factor = _unit_factor(target.indicator_unit, plan_unit)
    if factor is None:
        notes.append(f"values in {target.indicator_unit} (not convertible to {plan_unit})")
        notes_zh.append(f"统计数据单位为{target.indicator_unit}（无法换算为{plan_unit}）")
        factor = 1.0
    spec = TargetSpec(str(kind), _int(target.base_year), base_value, _int(target.target_year),
                      _none(target.target_value), str(target.direction or "increase"), False, full_years_only)
    return _Series(spec, index.points(own, factor), notes, notes_zh)


def _int(value) -> int | None:
    value = _none(value)
    return None if value is None else int(value)


def _lineage(keys: Iterable, index: _ValueIndex) -> str:
    used: list = []
    seen: set[tuple] = set()
    for key in keys:
        if key is None:
            continue
        for item in index.inputs_of(key):
            marker = tuple(sorted(item.items()))
            if marker not in seen:
                seen.add(marker)
                used.append(item)
    return json.dumps(used, ensure_ascii=False)


def _round(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(f"{value:.12g}")


def value_index(values: pd.DataFrame, targets: pd.DataFrame) -> _ValueIndex:
    """Index the values the targets need (their indicator, or its level series, in the plan's region)."""
    wanted = set()
    for code, region in zip(targets["indicator_code"].astype(str), targets["region_code"].astype(str),
                            strict=True):
        wanted.update({(code, region), (LEVEL_PREFIX + code, region)})
    return _ValueIndex(values, wanted)


def compute_progress(targets: pd.DataFrame, values: pd.DataFrame | _ValueIndex, as_of_dates: Iterable[date],
                     thresholds: Thresholds | None = None, computed_at: datetime | None = None) -> pd.DataFrame:
    """``mart_progress`` rows for every target × as-of date, from in-memory values (no database)."""
    thresholds = thresholds or load_thresholds()
    computed_at = computed_at or datetime.now(UTC).replace(tzinfo=None)
    as_of_dates = sorted({month_end(d) for d in as_of_dates})
    if not isinstance(values, _ValueIndex):
        values = value_index(values, targets)
    rows: list[dict] = []
    for target in targets.itertuples(index=False):
        series = _target_series(target, values)
        for as_of in as_of_dates:
            result = evaluate_target(series.spec, series.points, as_of, thresholds)
            latest_key = result.points_used[-1] if result.points_used else None
            notes = [n for n in (_none(target.catalog_note), *series.notes, *result.notes) if n]
            notes_zh = [n for n in (_none(getattr(target, "catalog_note_zh", None)), *series.notes_zh,
                                    *result.notes_zh) if n]
            rows.append({
                "plan_id": target.plan_id,
                "target_id": target.target_id,
                "indicator_code": target.indicator_code,
                "region_code": target.region_code,
                "as_of": as_of,
                "indicator_name_zh": target.indicator_name_zh,
                "indicator_name_en": _none(target.indicator_name_en),
                "unit": target.unit,
                "category": _none(target.category),
                "target_kind": target.target_kind,
                "comparator": _none(target.comparator),
                "source": _none(target.source),
                "source_ref": _none(target.source_ref),
                "base_year": _int(target.base_year),
                "base_value": _none(target.base_value),
                "target_year": _int(target.target_year),
                "target_value": _none(target.target_value),
                "latest_value": result.latest_value,
                "latest_period_end": result.latest_period_end,
                "latest_period_type": result.latest_period_type,
                "latest_label": result.latest_label,
                "cumulative_value": result.cumulative_value,
                "completion": _round(result.completion),
                "elapsed": _round(result.elapsed),
                "ratio": _round(result.ratio),
                "status": result.status,
                "projected_value": _round(result.projected_value),
                "projected_meets": result.projected_meets,
                "verdict": result.verdict,
                "yearly_path": json.dumps(result.yearly_path, ensure_ascii=False),
                "value_source": None if latest_key is None else values.value_source[latest_key],
                "observations_used": _lineage(result.points_used, values),
                "note": "; ".join(notes) or None,
                "computed_at": computed_at,
                "observed_growth": _round(result.observed_growth),
                "note_zh": "；".join(n.rstrip("。；") for n in notes_zh) or None,
            })
    frame = pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
    frame["projected_meets"] = frame["projected_meets"].astype(object)
    return frame


def read_targets(conn: Connection, plan_id: str | None = None) -> pd.DataFrame:
    """Every plan target with its plan's region and its indicator's catalog entry."""
    if plan_id is None:
        return read_frame(conn, _TARGETS_SQL.format(where=""))
    return read_frame(conn, _TARGETS_SQL.format(where="WHERE targets.plan_id = :plan_id"), {"plan_id": plan_id})


def _as_of_date(as_of: date | datetime | str) -> date:
    if isinstance(as_of, str):
        year, month = (int(x) for x in as_of.split("-")[:2])
        return month_end(date(year, month, 1))
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    return month_end(as_of)


def evaluate_plan(engine: Engine, plan_id: str, as_of: date | str) -> pd.DataFrame:
    """Progress of every target of ``plan_id`` as of ``as_of`` (month end), computed now.

    Reads the warehouse (observations, tidy values, catalog) and writes nothing; the figures are
    those :func:`refresh_marts` stores. Raises ``KeyError`` for an unknown plan.
    """
    with transaction(engine) as conn:
        if conn.execute(text("SELECT COUNT(*) FROM plan_plans WHERE plan_id = :p"), {"p": plan_id}).scalar() == 0:
            raise KeyError(f"unknown plan {plan_id!r}")
        targets = read_targets(conn, plan_id)
        values = compute_indicator_values(conn)
    return compute_progress(targets, values, [_as_of_date(as_of)])


def _plan_months(targets: pd.DataFrame, last: date) -> dict[str, list[date]]:
    """Each plan's as-of month ends: January after its base year up to ``last``."""
    months: dict[str, list[date]] = {}
    for plan_id, plan_targets in targets.groupby("plan_id", sort=False):
        base_years = plan_targets["base_year"].dropna()
        start_year = int(base_years.min()) + 1 if not base_years.empty else last.year
        cursor, dates = date(start_year, 1, 31), []
        while cursor <= last:
            dates.append(cursor)
            cursor = month_end(date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1))
        months[str(plan_id)] = dates or [last]
    return months


def refresh_marts(engine: Engine, as_of: date | str | None = None) -> int:
    """Rebuild ``mart_indicator_values`` and ``mart_progress``; returns the progress rows written.

    ``as_of=None``: every plan at every month end from the January after its base year to the month
    of the latest value in the warehouse (replacing the whole progress mart). With ``as_of``: that
    month end only (its rows replaced). One transaction: readers see the old or the new marts.
    """
    computed_at = datetime.now(UTC).replace(tzinfo=None)
    thresholds = load_thresholds()
    with transaction(engine) as conn:
        lock_partition(conn, "mart_progress")
        values = compute_indicator_values(conn)
        targets = read_targets(conn)
        conn.execute(text("DELETE FROM mart_indicator_values"))
        bulk_insert(conn, "mart_indicator_values", mart_frame(values, computed_at))
        if as_of is None:
            last = max(values["period_end"]) if not values.empty else month_end(date.today())
            last = month_end(last)
            frames, index = [], value_index(values, targets)
            for plan_id, months in _plan_months(targets, last).items():
                frames.append(compute_progress(targets[targets["plan_id"] == plan_id], index, months,
                                               thresholds, computed_at))
            progress = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PROGRESS_COLUMNS)
            conn.execute(text("DELETE FROM mart_progress"))
        else:
            as_of_date = _as_of_date(as_of)
            progress = compute_progress(targets, values, [as_of_date], thresholds, computed_at)
            conn.execute(text("DELETE FROM mart_progress WHERE as_of = :d"), {"d": as_of_date})
        written = bulk_insert(conn, "mart_progress", progress)
    log.info("refresh_marts: %d indicator values, %d progress rows", len(values), written)
    return written


__all__ = ["PROGRESS_COLUMNS", "compute_progress", "evaluate_plan", "read_targets", "refresh_marts"]
