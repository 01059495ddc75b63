"""Progress of one plan target at one as-of date: pure computation, no database.

This module is the contract of ``shared/specs/plan-monitoring.md`` in code. It knows nothing of
SQL: the caller hands it the target (:class:`TargetSpec`) and the indicator's values in the
plan's unit (:class:`Point`, year rows and sub-year rows), and gets a :class:`ProgressResult`.

Notation (spec): ``b`` base value in base year ``y0``; ``T`` target in target year ``Y``; ``v``
the latest value, for period end ``t``; ``e`` the share of plan time elapsed at ``t``, in months
from the end of ``y0`` to the end of ``Y``.

Which value is "latest" depends on the target kind:

- ``level``: the latest point after ``y0``, sub-year points included (a stock at 2024-06 is the
  stock at 2024-06) unless the indicator is a flow (``full_years_only``): a half-year flow is not
  comparable with a yearly level, so only full years count.
- ``annual_flow``: the latest full year's flow.
- ``period_total``: ``S`` = the sum of the full years ``y0+1 .. min(t, Y)`` plus the year-to-date
  flow of the year after the last full year, when there is one (the flow "from the start of
  ``y0+1`` to ``t``"); years missing in between are named in the note.
- ``avg_growth``: for an indicator that is itself a printed rate (``value_is_rate``), the rate
  (in %) is ``g``; otherwise ``g = (v / b)^(1 / (t - y0)) - 1`` with fractional years, ``b`` the
  plan's base, else the value at ``y0``, else the earliest value after ``y0`` (noted).

Status, in the spec's order: ``achieved`` when the comparison already holds, ``no_data`` without
a target or a value after the base year, else ``ratio = c / e`` (``c`` for ``annual_flow`` and
``avg_growth``) against the thresholds. A target whose latest value reaches the end of the target
year is closed and gets the verdict ``achieved`` / ``not_achieved``.
"""

from __future__ import annotations

import math
from calendar import monthrange
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from etl.catalog import TARGET_KINDS

__all__ = [
    "STATUSES",
    "TARGET_KINDS",
    "Thresholds",
    "TargetSpec",
    "Point",
    "ProgressResult",
    "month_end",
    "year_end",
    "months_between",
    "elapsed_share",
    "classify_ratio",
    "period_label",
    "evaluate_target",
]

STATUSES = ("achieved", "on_track", "behind", "off_track", "no_data")


@dataclass(frozen=True)
class Thresholds:
    """Shares of the required pace: ``on_track`` at or above the first, ``off_track`` below the second."""

    on_track: float = 0.95
    off_track: float = 0.6

    def __post_init__(self) -> None:
        if not 0 <= self.off_track <= self.on_track:
            raise ValueError(f"thresholds must satisfy 0 <= off_track ({self.off_track}) "
                             f"<= on_track ({self.on_track})")


@dataclass(frozen=True)
class TargetSpec:
    """One plan target as the computation needs it (values in the plan's unit)."""

    target_kind: str                       # level | period_total | annual_flow | avg_growth | none
    base_year: int | None
    base_value: float | None
    target_year: int | None
    target_value: float | None
    direction: str = "increase"            # decrease: lower is better (no such target yet)
    value_is_rate: bool = False            # avg_growth: the values are the growth rate itself, in %
    full_years_only: bool = False          # the indicator is a flow: sub-year values are partial years


@dataclass(frozen=True)
class Point:
    """One value of an indicator: a full year (``period_type='year'``) or a sub-year period end."""

    period_end: date
    value: float
    period_type: str = "year"
    key: Hashable = None                   # lineage handle, returned in ``ProgressResult.points_used``

    @property
    def is_year(self) -> bool:
        return self.period_type == "year"


@dataclass
class ProgressResult:
    status: str
    latest_value: float | None = None
    latest_period_end: date | None = None
    latest_period_type: str | None = None
    latest_label: str | None = None
    cumulative_value: float | None = None
    completion: float | None = None
    elapsed: float | None = None
    ratio: float | None = None
    observed_growth: float | None = None
    projected_value: float | None = None
    projected_meets: bool | None = None
    verdict: str | None = None
    yearly_path: list[dict] = field(default_factory=list)
    points_used: list[Hashable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    notes_zh: list[str] = field(default_factory=list)   # the same notes in Chinese, in the same order

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None

    @property
    def note_zh(self) -> str | None:
        return "；".join(self.notes_zh) or None

    def add_note(self, en: str, zh: str) -> None:
        """A computed note, in English (``note``) and in Chinese (``note_zh``, the zh reports)."""
        self.notes.append(en)
        self.notes_zh.append(zh)


# ----------------------------------------------------------------------------- time


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return date(day.year, day.month, monthrange(day.year, day.month)[1])


def year_end(year: int) -> date:
    return date(year, 12, 31)


def months_between(start: date, end: date) -> int:
    """Whole months from the end of ``start``'s month to the end of ``end``'s month."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def elapsed_share(base_year: int, target_year: int, at: date) -> float:
    """Months from the end of ``base_year`` to ``at`` over the plan's months, clipped to [0, 1]."""
    total = (target_year - base_year) * 12
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, months_between(year_end(base_year), at) / total))


def classify_ratio(ratio: float, thresholds: Thresholds) -> str:
    """on_track at or above ``on_track``, behind down to ``off_track``, off_track below it."""
    if ratio >= thresholds.on_track:
        return "on_track"
    if ratio >= thresholds.off_track:
        return "behind"
    return "off_track"


def period_label(period_end: date, period_type: str) -> str:
    """'2023' for a full year, '2024-06' for a sub-year period end."""
    return str(period_end.year) if period_type == "year" else f"{period_end.year}-{period_end.month:02d}"


def _years(start: date, end: date) -> float:
    return months_between(start, end) / 12.0


def _geometric_rate(first: float, last: float, years: float) -> float | None:
    """Average annual growth from ``first`` to ``last`` over ``years``; None when undefined."""
    if years <= 0 or first <= 0 or last <= 0:
        return None
    return (last / first) ** (1.0 / years) - 1.0


def _meets(value: float, target: float, direction: str) -> bool:
    return value <= target if direction == "decrease" else value >= target


def _clean(number: float | None) -> float | None:
    """Round away binary noise so stored figures read as computed by hand."""
    if number is None or not math.isfinite(number):
        return None
    return float(f"{number:.12g}")


# ----------------------------------------------------------------------------- evaluation


def evaluate_target(spec: TargetSpec, points: Iterable[Point], as_of: date,
                    thresholds: Thresholds | None = None) -> ProgressResult:
    """Progress of one target as of ``as_of`` (a month end), from the indicator's ``points``.

    Points after ``as_of`` are ignored, so one series serves every as-of date. Never raises for
    missing data: the result is ``no_data`` with a note.
    """
    thresholds = thresholds or Thresholds()
    as_of = month_end(as_of)
    y0, target_year, target = spec.base_year, spec.target_year, spec.target_value
    # values after the target year do not count for the plan (a closed plan is judged on year Y)
    cutoff = min(as_of, year_end(target_year)) if target_year is not None and spec.target_kind != "none" \
        else as_of
    known = sorted((p for p in points if p.period_end <= cutoff and p.value is not None
                    and math.isfinite(p.value)),
                   key=lambda p: (p.period_end, not p.is_year))
    if spec.target_kind not in TARGET_KINDS:
        raise ValueError(f"unknown target kind {spec.target_kind!r}")
    if spec.target_kind == "none" or target is None:
        result = ProgressResult(status="no_data", notes=["no target"], notes_zh=["未设目标值"])
        _fill_latest_any(result, known)
        return result
    if y0 is None or target_year is None:
        return ProgressResult(status="no_data", notes=["target without base year or target year"],
                              notes_zh=["目标缺少基期年份或目标年份"])

    evaluator = {
        "level": _evaluate_level,
        "annual_flow": _evaluate_annual_flow,
        "period_total": _evaluate_period_total,
        "avg_growth": _evaluate_avg_growth,
    }[spec.target_kind]
    result = evaluator(spec, known, as_of)
    if result.elapsed is None:
        result.elapsed = _clean(elapsed_share(y0, target_year, as_of))
    result.yearly_path = _yearly_path(spec, known)
    if result.status == "no_data":
        return result
    # status (achieved was set by the evaluator when the comparison holds)
    if result.status != "achieved":
        if result.ratio is None:
            result.status = "no_data"
            result.add_note("completion undefined (target equals the base, or is zero)",
                            "完成度无法计算（目标值等于基期值或为零）")
        else:
            result.status = classify_ratio(result.ratio, thresholds)
    if result.latest_period_end is not None and result.latest_period_end >= year_end(target_year):
        result.verdict = "achieved" if result.status == "achieved" else "not_achieved"
    elif as_of >= year_end(target_year):
        result.add_note(f"plan period ended; no value for {target_year} yet",
                        f"规划期已结束，尚无{target_year}年数据")
    return result


def _after_base(points: Sequence[Point], base_year: int) -> list[Point]:
    return [p for p in points if p.period_end > year_end(base_year)]


def _set_latest(result: ProgressResult, point: Point) -> None:
    result.latest_value = _clean(point.value)
    result.latest_period_end = point.period_end
    result.latest_period_type = point.period_type
    result.latest_label = period_label(point.period_end, point.period_type)


def _fill_latest_any(result: ProgressResult, points: Sequence[Point]) -> None:
    """An indicator without a target still shows its latest value."""
    if points:
        latest = points[-1]
        _set_latest(result, latest)
        result.points_used.append(latest.key)


def _no_value(spec: TargetSpec, extra: str = "", extra_zh: str = "暂无数据") -> ProgressResult:
    return ProgressResult(status="no_data", notes=[f"no value after {spec.base_year}{extra}"],
                          notes_zh=[f"{spec.base_year}年以后{extra_zh}"])


def _base_value(spec: TargetSpec, points: Sequence[Point]) -> tuple[float | None, Point | None]:
    """The plan's printed base; else the full-year value of ``y0`` from the data."""
    if spec.base_value is not None:
        return spec.base_value, None
    for p in points:
        if p.is_year and p.period_end.year == spec.base_year:
            return p.value, p
    return None, None


def _project_level(spec: TargetSpec, result: ProgressResult, candidates: Sequence[Point],
                   latest: Point) -> None:
    """``v_Y = v × (1 + g)^(Y - t)``, ``g`` from the base (or the earliest value after y0) to ``v``."""
    target_end = year_end(spec.target_year)
    v = latest.value
    if spec.base_value is not None:
        origin_value, origin_end = spec.base_value, year_end(spec.base_year)
    else:
        origin = candidates[0]
        origin_value, origin_end = origin.value, origin.period_end
    span = _years(origin_end, latest.period_end)
    remaining = max(0.0, _years(latest.period_end, target_end))
    if span <= 0:
        growth = 0.0
        projected = v
    else:
        growth = _geometric_rate(origin_value, v, span)
        if growth is None:  # non-positive values: extend the straight line instead
            slope = (v - origin_value) / span
            projected = v + slope * remaining
            result.add_note("projection linear (non-positive value)", "数值非正，按线性趋势预测")
        else:
            projected = v * (1.0 + growth) ** remaining
    result.observed_growth = _clean(growth)
    result.projected_value = _clean(projected)
    result.projected_meets = _meets(projected, spec.target_value, spec.direction)


def _result_from(latest: Point) -> ProgressResult:
    """A result whose latest value, period and lineage are those of ``latest``; status still open."""
    result = ProgressResult(status="pending")
    _set_latest(result, latest)
    result.points_used.append(latest.key)
    return result


def _evaluate_level(spec: TargetSpec, known: Sequence[Point], as_of: date) -> ProgressResult:
    pool = [p for p in known if p.is_year] if spec.full_years_only else list(known)
    candidates = _after_base(pool, spec.base_year)
    if not candidates:
        return _no_value(spec)
    latest = candidates[-1]
    result = _result_from(latest)
    v, b, target = latest.value, spec.base_value, spec.target_value
    sign = -1.0 if spec.direction == "decrease" else 1.0
    if b is not None:
        completion = None if target == b else (v - b) / (target - b)
    else:
        completion = v / target if target else None
        result.add_note("no base: completion = v / T", "无基期值：完成度 = 最新值 ÷ 目标值")
    if spec.direction == "decrease" and b is None and v:
        completion = target / v
    e = elapsed_share(spec.base_year, spec.target_year, latest.period_end)
    result.completion = _clean(completion)
    result.elapsed = _clean(e)
    result.ratio = _clean(completion / e) if completion is not None and e > 0 else None
    if sign * (v - target) >= 0:
        result.status = "achieved"
    _project_level(spec, result, candidates, latest)
    return result


def _evaluate_annual_flow(spec: TargetSpec, known: Sequence[Point], as_of: date) -> ProgressResult:
    candidates = _after_base([p for p in known if p.is_year], spec.base_year)
    if not candidates:
        partial = _after_base(known, spec.base_year)
        return _no_value(spec, " for a full year" + (" (only part-year figures)" if partial else ""),
                         "暂无全年数据" + ("（仅有年内累计数）" if partial else ""))
    latest = candidates[-1]
    result = _result_from(latest)
    v, target = latest.value, spec.target_value
    completion = v / target if target else None
    result.completion = _clean(completion)
    result.elapsed = _clean(elapsed_share(spec.base_year, spec.target_year, latest.period_end))
    result.ratio = result.completion
    if _meets(v, target, spec.direction):
        result.status = "achieved"
    _project_level(spec, result, candidates, latest)
    return result


def _evaluate_period_total(spec: TargetSpec, known: Sequence[Point], as_of: date) -> ProgressResult:
    y0, target_year, target = spec.base_year, spec.target_year, spec.target_value
    in_plan = [p for p in known if y0 < p.period_end.year <= target_year]
    full_years = [p for p in in_plan if p.is_year]
    last_full_year = full_years[-1].period_end.year if full_years else y0
    partial = [p for p in in_plan if not p.is_year and p.period_end.year == last_full_year + 1]
    if not full_years and not partial:
        return _no_value(spec)
    result = ProgressResult(status="pending")
    used = list(full_years)
    if partial:
        used.append(partial[-1])
    total = sum(p.value for p in used)
    latest = used[-1]
    _set_latest(result, latest)
    result.points_used.extend(p.key for p in used)
    missing = sorted(set(range(y0 + 1, last_full_year + 1)) - {p.period_end.year for p in full_years})
    if missing:
        result.add_note("no value for " + ", ".join(map(str, missing)) + " (sum is short)",
                        "、".join(map(str, missing)) + "年数据缺失（累计数偏小）")
    result.cumulative_value = _clean(total)
    completion = total / target if target else None
    e = elapsed_share(y0, target_year, latest.period_end)
    result.completion = _clean(completion)
    result.elapsed = _clean(e)
    result.ratio = _clean(completion / e) if completion is not None and e > 0 else None
    if _meets(total, target, spec.direction):
        result.status = "achieved"
    # projection: S_Y = S + Σ_{k=1..Y-L} f (1 + g)^k over the full years after the last full year L
    remaining_years = target_year - last_full_year
    if full_years:
        first, last = full_years[0], full_years[-1]
        span = last.period_end.year - first.period_end.year
        growth = _geometric_rate(first.value, last.value, span) if span > 0 else 0.0
        if growth is None:
            growth = 0.0
            result.add_note("projection without growth (non-positive flow)", "年度数值非正，预测不计增长")
        flow = last.value
        base_total = sum(p.value for p in full_years)
    else:  # only a year-to-date figure: annualise it, no growth
        ytd = partial[-1]
        growth, flow, base_total = 0.0, ytd.value * 12.0 / ytd.period_end.month, 0.0
        result.add_note("projection from an annualised part-year flow", "按年内累计数折算全年后预测")
    projected = base_total + sum(flow * (1.0 + growth) ** k for k in range(1, remaining_years + 1))
    result.observed_growth = _clean(growth)
    result.projected_value = _clean(projected)
    result.projected_meets = _meets(projected, target, spec.direction)
    return result


def _evaluate_avg_growth(spec: TargetSpec, known: Sequence[Point], as_of: date) -> ProgressResult:
    rate_target = spec.target_value / 100.0
    pool = [p for p in known if p.is_year] if spec.full_years_only else list(known)
    candidates = _after_base(pool, spec.base_year)
    if not candidates:
        return _no_value(spec)
    latest = candidates[-1]
    result = _result_from(latest)
    if spec.value_is_rate:
        growth = latest.value / 100.0
        result.add_note("growth rate as supplied", "增长率采用报送值")
    else:
        base, base_point = _base_value(spec, pool)
        origin_end = year_end(spec.base_year)
        if base is None:
            origin = candidates[0]
            if origin is latest:
                result.status = "no_data"
                result.add_note(f"one value after the base year ({latest.value:g}, {result.latest_label}) "
                                "and no base: growth needs two",
                                f"无基期值，基期后仅有一个数据（{result.latest_label}：{latest.value:g}），"
                                "无法计算增长率")
                result.latest_value = None
                return result
            base, origin_end = origin.value, origin.period_end
            result.points_used.insert(0, origin.key)
            origin_text = period_label(origin.period_end, origin.period_type)
            result.add_note(f"no base: growth from {origin_text}", f"无基期值：增长率自{origin_text}起算")
        elif base_point is not None:
            result.points_used.insert(0, base_point.key)
            result.add_note(f"base {spec.base_year} from the data", f"基期值取{spec.base_year}年统计数据")
        growth = _geometric_rate(base, latest.value, _years(origin_end, latest.period_end))
        if growth is None:
            result.status = "no_data"
            result.add_note(f"growth undefined (non-positive value: {base:g} -> {latest.value:g})",
                            f"增长率无法计算（数值非正：{base:g} → {latest.value:g}）")
            result.latest_value = None
            return result
        # the figure compared with the target is the rate: show it (in %) as the latest value
        origin_label = period_label(origin_end, "year" if origin_end.month == 12 else "month")
        result.add_note(f"average growth {growth * 100:.2f}% a year from {origin_label} ({base:g}) "
                        f"to {result.latest_label} ({latest.value:g})",
                        f"{origin_label}（{base:g}）至{result.latest_label}（{latest.value:g}）"
                        f"年均增长{growth * 100:.2f}%")
        result.latest_value = _clean(growth * 100.0)
    growth = _clean(growth)  # compare figures as stored: 1.69 ** 0.5 - 1 is 0.3, not 0.29999…
    completion = growth / rate_target if rate_target else None
    result.observed_growth = growth
    result.completion = _clean(completion)
    result.elapsed = _clean(elapsed_share(spec.base_year, spec.target_year, latest.period_end))
    result.ratio = result.completion
    meets = growth >= rate_target
    result.projected_meets = meets
    if meets:
        result.status = "achieved"
    return result


# ----------------------------------------------------------------------------- yearly path


def _yearly_path(spec: TargetSpec, known: Sequence[Point]) -> list[dict]:
    """[{year, actual, path}] for y0..Y: what happened, and the pace that reaches the target."""
    y0, target_year, target = spec.base_year, spec.target_year, spec.target_value
    if y0 is None or target_year is None or target is None or target_year <= y0:
        return []
    by_year = {p.period_end.year: p.value for p in known if p.is_year}
    span = target_year - y0
    base = spec.base_value
    rows: list[dict] = []
    cumulative = 0.0
    for year in range(y0, target_year + 1):
        share = (year - y0) / span
        actual: float | None
        if spec.target_kind == "period_total":
            if year == y0:
                actual = 0.0
            elif year in by_year:
                cumulative += by_year[year]
                actual = cumulative
            else:
                actual = None
            path: float | None = target * share
        elif spec.target_kind == "avg_growth":
            actual = by_year.get(year)
            if spec.value_is_rate:
                path = None if year == y0 else target
            else:
                origin = base if base is not None else by_year.get(y0)
                path = None if origin is None else origin * (1.0 + target / 100.0) ** (year - y0)
        else:
            actual = by_year.get(year)
            if year == y0 and actual is None and base is not None:
                actual = base
            if base is None:
                path = target if spec.target_kind == "annual_flow" and year > y0 else None
            elif base > 0 and target > 0:
                path = base * (target / base) ** share
            else:
                path = base + (target - base) * share
        rows.append({"year": year, "actual": _clean(actual), "path": _clean(path)})
    return rows
