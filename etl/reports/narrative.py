"""One sentence (or two) per indicator, written from the figures as a plan office would.

Every sentence is complete whatever is missing: a value that is not there reads 暂无数据 /
'no data', never a placeholder."""

from __future__ import annotations

import json
from typing import Any

from etl.reports.i18n import (
    fmt_number,
    fmt_percent,
    fmt_quantity,
    in_sentence,
    is_missing,
    label,
    parse_date,
    time_point,
)

SCOPE_ZH = {"province": "全省", "city": "全市", "district": "全区", "county": "全县", "zone": "全区"}


def _scope(region: dict[str, Any], lang: str) -> str:
    if lang == "en":
        return f"{region.get('name_en') or region.get('name_zh')}'s "
    return SCOPE_ZH.get(str(region.get("level")), "")


def yearly_path(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The row's yearly path [{year, actual, path}], tolerant of a missing or malformed text."""
    raw = row.get("yearly_path")
    if not raw:
        return []
    try:
        points = json.loads(raw) if isinstance(raw, str) else list(raw)
    except (TypeError, ValueError):
        return []
    out = []
    for point in points:
        if isinstance(point, dict) and point.get("year") is not None:
            out.append({"year": int(point["year"]), "actual": point.get("actual"), "path": point.get("path")})
    return sorted(out, key=lambda p: p["year"])


def _pace(row: dict[str, Any], lang: str) -> str:
    """How completion compares with elapsed time (时序进度), for level and period-total targets."""
    ratio, elapsed, status = row.get("ratio"), row.get("elapsed"), row.get("status")
    if is_missing(ratio) or is_missing(elapsed):
        return ""
    e = fmt_percent(elapsed, lang)
    if lang == "en":
        if ratio >= 1:
            return f"ahead of the time schedule ({e})"
        if status == "on_track":
            return f"broadly in line with the time schedule ({e})"
        if status == "off_track":
            return f"well behind the time schedule ({e}), off track"
        return f"behind the time schedule ({e})"
    if ratio >= 1:
        return f"快于时序进度（{e}）"
    if status == "on_track":
        return f"基本符合时序进度（{e}）"
    if status == "off_track":
        return f"明显慢于时序进度（{e}），严重滞后"
    return f"慢于时序进度（{e}），进度滞后"


def _year_on_year(row: dict[str, Any], lang: str) -> str:
    """Growth of the latest year's value over the year before (annual evaluation only)."""
    latest = parse_date(row.get("latest_period_end"))
    if latest is None or latest.month != 12:
        return ""
    actual = {p["year"]: p["actual"] for p in yearly_path(row) if not is_missing(p["actual"])}
    now, before = actual.get(latest.year), actual.get(latest.year - 1)
    if is_missing(now) or is_missing(before) or not before:
        return ""
    change = now / before - 1
    if lang == "en":
        word = "up" if change >= 0 else "down"
        return f"{word} {abs(change) * 100:.1f}% on {latest.year - 1}"
    word = "增长" if change >= 0 else "下降"
    return f"比上年{word}{abs(change) * 100:.1f}%"


def _projection(row: dict[str, Any], lang: str) -> str:
    meets, projected, year = row.get("projected_meets"), row.get("projected_value"), row.get("target_year")
    if meets is None or row.get("status") in ("achieved", "no_data") or row.get("verdict"):
        return ""
    unit = row.get("unit")
    if row.get("target_kind") == "avg_growth" or is_missing(projected):
        if lang == "en":
            return "At the growth observed so far the target " + ("is likely to be met." if meets else
                                                                  "is unlikely to be met.")
        return "按目前增速，" + ("预计可以完成规划目标。" if meets else "预计难以完成规划目标。")
    p = fmt_quantity(projected, unit, lang, whole=True)
    if lang == "en":
        return (f"At the growth observed so far it would reach {p} by {year}; the target "
                + ("is likely to be met." if meets else "is unlikely to be met."))
    return f"按目前增速测算，{year}年预计可达{p}，" + ("可以完成规划目标。" if meets else "难以完成规划目标。")


def indicator_sentence(row: dict[str, Any], region: dict[str, Any], kind: str, lang: str = "zh") -> str:
    """The narrative of one indicator for a report of ``kind`` (monthly | quarterly | annual)."""
    name = (row.get("indicator_name_en") if lang == "en" else None) or row.get("indicator_name_zh") or ""
    if is_missing(row.get("latest_value")) and is_missing(row.get("cumulative_value")):
        pass  # the name opens the sentence: keep its capital
    else:
        name = in_sentence(name, lang)
    unit = row.get("unit")
    scope = _scope(region, lang)
    status, kind_of_target = row.get("status"), row.get("target_kind")
    value, target = row.get("latest_value"), row.get("target_value")
    when = time_point(row.get("latest_period_end"), row.get("latest_period_type"), lang)
    target_text = fmt_quantity(target, unit, lang)
    target_year = row.get("target_year")
    en = lang == "en"

    if is_missing(value) and is_missing(row.get("cumulative_value")):
        if en:
            return f"{name}: no data yet, so progress cannot be assessed."
        return f"{name}：暂无数据，无法评估进度。"

    if kind_of_target == "avg_growth":
        return _growth_sentence(row, scope, name, when, kind, lang)

    if kind_of_target == "period_total" and not is_missing(row.get("cumulative_value")):
        start = (row.get("base_year") or 0) + 1
        amount = fmt_quantity(row.get("cumulative_value"), unit, lang)
        head = (f"From {start} to {when}, {scope}{name} totalled {amount}" if en
                else f"{start}年至{when}，{scope}{name}累计{amount}")
    elif kind_of_target == "annual_flow":
        day = parse_date(row.get("latest_period_end"))
        year_text = (str(day.year) if en else f"{day.year}年") if day else ""
        head = (f"In {year_text}, {scope}{name} was {fmt_quantity(value, unit, lang)}" if en
                else f"{year_text}，{scope}{name}{fmt_quantity(value, unit, lang)}")
    else:
        head = (f"By {when}, {scope}{name} stood at {fmt_quantity(value, unit, lang)}" if en
                else f"截至{when}，{scope}{name}{fmt_quantity(value, unit, lang)}")

    parts = [head]
    if kind == "annual" and kind_of_target != "period_total":  # a cumulated sum has no year-on-year
        yoy = _year_on_year(row, lang)
        if yoy:
            parts.append(yoy)

    verdict = row.get("verdict")
    completion = row.get("completion")
    if verdict in ("achieved", "not_achieved"):
        done = verdict == "achieved"
        if en:
            parts.append(f"against a target of {target_text} for {target_year}: the target was "
                         + ("achieved" if done else "not achieved"))
        else:
            outcome = "已实现规划目标" if done else "未实现规划目标"
            parts.append(f"规划目标为{target_text}（{target_year}年），{outcome}")
        return _join(parts, lang)
    if kind_of_target == "none" or is_missing(target):
        parts.append("the plan sets no quantified target" if en else "规划未设定量化目标，仅作跟踪监测")
        return _join(parts, lang)
    if status == "achieved":
        parts.append(f"already meeting the plan target ({target_text})" if en
                     else f"已达到规划目标（{target_text}）")
        return _join(parts, lang)
    if kind_of_target == "annual_flow":
        parts.append(f"{fmt_percent(completion, lang)} of the annual target ({target_text})" if en
                     else f"为年度目标（{target_text}）的{fmt_percent(completion, lang)}")
        if status in ("behind", "off_track"):
            parts.append(label(lang, f"status.{status}").lower() if en else label(lang, f"status.{status}"))
    else:
        parts.append(f"{fmt_percent(completion, lang)} of the plan target ({target_text})" if en
                     else f"完成规划目标的{fmt_percent(completion, lang)}")
        pace = _pace(row, lang)
        if pace:
            parts.append(pace)
    sentence = _join(parts, lang)
    if kind in ("quarterly", "annual"):
        projection = _projection(row, lang)
        if projection:
            sentence = f"{sentence} {projection}" if en else sentence + projection
    return sentence


def observed_growth(row: dict[str, Any]) -> float | None:
    """The observed average annual growth g (a share, 0.3 = 30 %) of an avg_growth target."""
    growth = row.get("observed_growth")
    if not is_missing(growth):
        return float(growth)
    completion, target = row.get("completion"), row.get("target_value")
    if is_missing(completion) or is_missing(target):
        return None
    return float(completion) * float(target) / 100.0


def _growth_sentence(row: dict[str, Any], scope: str, name: str, when: str, kind: str, lang: str) -> str:
    """Average-growth targets: the growth observed since the base year against the target rate."""
    growth = observed_growth(row)
    target = row.get("target_value")
    status, verdict = row.get("status"), row.get("verdict")
    en = lang == "en"
    if growth is None:
        return f"{name}: no data yet, so progress cannot be assessed." if en else f"{name}：暂无数据，无法评估进度。"
    since = row.get("base_year")
    target_text = "—" if is_missing(target) else f"{fmt_number(target, lang)}%"
    if en:
        parts = [f"By {when}, {scope}{name} was {growth * 100:.1f}% a year since {since}",
                 f"against a target of {target_text} a year"]
    else:
        parts = [f"截至{when}，{scope}{name}为{growth * 100:.1f}%（{since}年以来）", f"规划目标为年均增长{target_text}"]
    if verdict in ("achieved", "not_achieved"):
        done = verdict == "achieved"
        parts.append(("the target was achieved" if done else "the target was not achieved") if en
                     else ("已实现规划目标" if done else "未实现规划目标"))
    elif status == "achieved":
        parts.append("meeting the target rate" if en else "已达到目标增速")
    else:
        completion = row.get("completion")
        if not is_missing(completion):
            parts.append(f"{fmt_percent(completion, lang)} of the target rate" if en
                         else f"为目标增速的{fmt_percent(completion, lang)}")
        if status in ("on_track", "behind", "off_track"):
            parts.append(label(lang, f"status.{status}").lower() if en else label(lang, f"status.{status}"))
    return _join(parts, lang)


def _join(parts: list[str], lang: str) -> str:
    parts = [p for p in parts if p]
    if lang == "en":
        return ", ".join(parts) + "."
    return "，".join(parts) + "。"


def summary_sentence(counts: dict[str, int], total: int, closed: bool, lang: str = "zh") -> str:
    """「本期纳入监测的指标共14项，其中已完成3项、符合进度5项……」"""
    keys = ("achieved", "not_achieved", "no_data") if closed else ("achieved", "on_track", "behind", "off_track",
                                                                     "no_data")
    prefix = "verdict" if closed else "status"
    pieces = [(label(lang, f"{prefix}.{key}"), counts.get(key, 0)) for key in keys if counts.get(key, 0)]
    if lang == "en":
        detail = ", ".join(f"{n} {text.lower()}" for text, n in pieces)
        return f"{total} indicators are monitored this period" + (f": {detail}." if detail else ".")
    detail = "、".join(f"{text}{n}项" for text, n in pieces)
    return f"本期纳入监测的指标共{total}项" + (f"，其中{detail}。" if detail else "。")
