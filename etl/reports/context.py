"""From the canonical input bundle to what the templates print: formatted figures, status words
and colours, grouped indicators, narrative, data-quality lines and notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from etl.reports.charts import has_chart
from etl.reports.i18n import (
    CATEGORY_EN,
    CATEGORY_ORDER,
    STATUS_BACKGROUNDS,
    STATUS_COLOURS,
    fmt_number,
    fmt_percent,
    fmt_quantity,
    is_missing,
    label,
    parse_date,
    period_label,
    time_point,
    unit_text,
)
from etl.reports.narrative import indicator_sentence, observed_growth, summary_sentence
from etl.reports.periods import ReportPeriod


def chart_id(row: dict[str, Any]) -> str:
    """A stable, header-safe id for the chart of a row (used as CID and file name)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(row.get("target_id")))
    return f"chart-{safe}"


def _status_key(row: dict[str, Any], closed: bool) -> str:
    verdict = row.get("verdict")
    if closed and verdict in ("achieved", "not_achieved"):
        return verdict
    status = row.get("status")
    return status if status in STATUS_COLOURS else "no_data"


def _status_text(key: str, closed: bool, lang: str) -> str:
    if closed and key in ("achieved", "not_achieved"):
        return label(lang, f"verdict.{key}")
    return label(lang, f"status.{key}")


def _projection_text(row: dict[str, Any], lang: str) -> str:
    if row.get("status") == "achieved" or row.get("verdict"):
        return "—"
    meets = row.get("projected_meets")
    if meets is None:
        return label(lang, "projection.none")
    return label(lang, "projection.meets" if meets else "projection.misses")


def _source_text(row: dict[str, Any], target: dict[str, Any], plan: dict[str, Any], lang: str) -> str:
    ref = row.get("source_ref") or target.get("source_ref") or ""
    source = row.get("source") or target.get("source") or "table"
    kind = label(lang, "source.table" if source == "table" else "source.text")
    parts = [kind]
    if ref:
        parts.append(str(ref))
    elif source == "table" and plan.get("source_table"):
        parts.append(str(plan["source_table"]))
    row_no = target.get("row_no")
    row_no = None if is_missing(row_no) else int(row_no)
    if row_no is not None and f"第{row_no}行" not in str(ref) and f"row {row_no}" not in str(ref):
        parts.append(label(lang, "source.row", n=row_no))
    raw = [t for t in (target.get("base_raw"), target.get("target_raw")) if t]
    text = "，".join(parts) if lang == "zh" else ", ".join(parts)
    if raw and lang == "zh":
        text += f"（原表：基期值 {target.get('base_raw') or '—'}，规划值 {target.get('target_raw') or '—'}）"
    elif raw:
        text += f" (as printed: base {target.get('base_raw') or '—'}, target {target.get('target_raw') or '—'})"
    return text


def _row_view(row: dict[str, Any], inputs: dict[str, Any], kind: str, closed: bool, lang: str) -> dict[str, Any]:
    target = inputs["targets"].get(row.get("target_id"), {})
    unit = row.get("unit")
    key = _status_key(row, closed)
    name = (row.get("indicator_name_en") if lang == "en" else None) or row.get("indicator_name_zh") or ""
    if row.get("target_kind") == "period_total" and not is_missing(row.get("cumulative_value")):
        latest_value = row.get("cumulative_value")
    else:
        latest_value = row.get("latest_value")
    base = row.get("base_value")
    target_value = row.get("target_value")
    target_text = label(lang, "no_target") if is_missing(target_value) or row.get("target_kind") == "none" \
        else fmt_number(target_value, lang)
    latest_text = fmt_number(latest_value, lang)
    if row.get("target_kind") == "avg_growth":
        growth = observed_growth(row)
        latest_text = label(lang, "no_data") if growth is None else f"{growth * 100:.1f}%"
    if row.get("target_kind") == "avg_growth" and not is_missing(target_value):
        target_text = (f"年均≥{fmt_number(target_value, lang)}%" if lang == "zh"
                       else f"≥{fmt_number(target_value, lang)}% a year")
    return {
        "target_id": row.get("target_id"),
        "name": name,
        "unit": unit_text(unit, lang) or ("—" if lang == "en" else unit or "—"),
        "base": "—" if is_missing(base) else fmt_number(base, lang),
        "base_year": row.get("base_year") or "",
        "latest": latest_text,
        "latest_period": period_label(row.get("latest_period_end"), row.get("latest_period_type"), lang),
        "target": target_text,
        "target_year": row.get("target_year") or "",
        "completion": "—" if is_missing(row.get("completion")) else fmt_percent(row.get("completion"), lang),
        "elapsed": "—" if is_missing(row.get("elapsed")) or row.get("target_kind") in ("annual_flow", "avg_growth")
        else fmt_percent(row.get("elapsed"), lang),
        "status_key": key,
        "status": _status_text(key, closed, lang),
        "colour": STATUS_COLOURS[key],
        "background": STATUS_BACKGROUNDS[key],
        "projection": _projection_text(row, lang),
        "sentence": indicator_sentence(row, inputs["plan"]["region"], kind, lang),
        "chart": chart_id(row) if has_chart(row) else None,
        # zh reports show only the Chinese notes (catalog + computed); en the English ones
        "note": (row.get("note_zh") or target.get("note_zh") or "") if lang == "zh"
        else (row.get("note") or target.get("note") or ""),
        "source": _source_text(row, target, inputs["plan"], lang),
        "ratio": row.get("ratio"),
        "category": row.get("category") or target.get("category") or "",
        "target_quantity": fmt_quantity(target_value, unit, lang),
    }


def _quality_view(quality: dict[str, Any], rows: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    batches = quality.get("batches", {})
    file_parts = [(label(lang, f"q.{status}"), batches.get(status, 0))
                  for status in ("loaded", "revised", "unchanged", "quarantined") if batches.get(status, 0)]
    sep = "、" if lang == "zh" else ", "
    unit = label(lang, "unit.items")
    total = sum(batches.values())
    if lang == "zh":
        files = f"共{total}个" + (f"：{sep.join(f'{t}{n}个' for t, n in file_parts)}" if file_parts else "")
    else:
        files = f"{total}" + (f": {sep.join(f'{n} {t}' for t, n in file_parts)}" if file_parts else "")
    missing = [(r.get("indicator_name_en") if lang == "en" else None) or r.get("indicator_name_zh") or ""
               for r in rows if is_missing(r.get("latest_value")) and is_missing(r.get("cumulative_value"))]
    more = lambda shown, total: label(lang, "q.more", n=total - shown) if total > shown else ""  # noqa: E731
    return {
        "files": files,
        "quarantined": quality.get("quarantined", []),
        "quarantined_more": more(len(quality.get("quarantined", [])), quality.get("quarantined_count", 0)),
        "revised": quality.get("revised", []),
        "rejections": f"{quality.get('rejections', 0)}{unit if lang == 'zh' else ''}",
        "validation": quality.get("validation_failures", []),
        "validation_count": quality.get("validation_failure_count", 0),
        "validation_more": more(len(quality.get("validation_failures", [])),
                                quality.get("validation_failure_count", 0)),
        "reconciliation": quality.get("reconciliation", []),
        "reconciliation_count": quality.get("reconciliation_count", 0),
        "reconciliation_more": more(len(quality.get("reconciliation", [])), quality.get("reconciliation_count", 0)),
        "missing": sep.join(missing) if missing else label(lang, "q.none"),
        "missing_count": len(missing),
    }


def build_view(inputs: dict[str, Any], period: ReportPeriod, lang: str, generated_at: datetime,
               version: int, fingerprint: str) -> dict[str, Any]:
    """Everything the templates print, already formatted: templates only lay it out."""
    plan = inputs["plan"]
    region = plan["region"]
    rows = inputs["rows"]
    target_year = plan.get("target_year") or max((r.get("target_year") or 0 for r in rows), default=0)
    closed = bool(target_year) and period.as_of.year >= int(target_year) and any(r.get("verdict") for r in rows)
    kind = period.kind
    views = [_row_view(row, inputs, kind, closed, lang) for row in rows]

    groups: list[dict[str, Any]] = []
    categories = [c for c in CATEGORY_ORDER if any(v["category"] == c for v in views)]
    categories += sorted({v["category"] for v in views} - set(CATEGORY_ORDER))
    for category in categories:
        title = CATEGORY_EN.get(category, category) if lang == "en" else category
        groups.append({"category": title or "—", "rows": [v for v in views if v["category"] == category]})

    counts: dict[str, int] = {}
    for view in views:
        counts[view["status_key"]] = counts.get(view["status_key"], 0) + 1
    order = ("achieved", "not_achieved", "no_data") if closed else ("achieved", "on_track", "behind",
                                                                      "off_track", "no_data")
    count_rows = [{"key": key, "text": _status_text(key, closed, lang), "count": counts.get(key, 0),
                   "colour": STATUS_COLOURS[key], "background": STATUS_BACKGROUNDS[key]} for key in order]
    behind = sorted((v for v in views if v["status_key"] not in ("achieved", "no_data")
                     and not is_missing(v["ratio"])), key=lambda v: (v["ratio"], v["target_id"]))[:3]

    data_days = [parse_date(r.get("latest_period_end")) for r in rows]
    data_days = [d for d in data_days if d is not None]
    data_as_of = max(data_days) if data_days else None
    plan_name = (plan.get("name_en") if lang == "en" else None) or plan.get("name_zh") or plan.get("plan_id")
    region_name = (region.get("name_en") if lang == "en" else None) or region.get("name_zh") or ""
    generated_text = generated_at.strftime("%Y-%m-%d %H:%M") + (" (Asia/Shanghai)" if lang == "en" else "（北京时间）")
    return {
        "lang": lang,
        "kind": kind,
        "kind_title": label(lang, f"kind.{kind}"),
        "closed": closed,
        "plan_id": plan.get("plan_id"),
        "plan_name": plan_name,
        "region_name": region_name,
        "period_title": period.title(lang),
        "as_of": period.as_of.isoformat(),
        "data_as_of": time_point(data_as_of.isoformat(), "month", lang) if data_as_of else label(lang, "no_data"),
        "generated_at": generated_text,
        "generated_iso": generated_at.isoformat(timespec="seconds"),
        "version": version,
        "revision_note": label(lang, "revision", v=version) if version > 1 else "",
        "fingerprint": fingerprint[:16],
        "total": len(views),
        "summary_sentence": summary_sentence(counts, len(views), closed, lang),
        "counts": count_rows,
        "furthest": behind,
        "groups": groups,
        "indicators": views,
        "quality": _quality_view(inputs.get("quality", {}), rows, lang),
        "sample_data": bool(inputs.get("sample_data")),
        "notes": [v for v in views if v["note"]],
    }
