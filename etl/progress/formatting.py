"""Progress rows for people and programs: a terminal table aligned by display width, JSON, CSV.

Chinese characters take two terminal columns (East Asian width W/F); :func:`display_width`
counts them so columns line up under mixed Chinese and ASCII text.
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from datetime import date, datetime

import pandas as pd

STATUS_ZH = {
    "achieved": "已完成",
    "on_track": "符合进度",
    "behind": "进度滞后",
    "off_track": "严重滞后",
    "no_data": "无数据",
}
VERDICT_ZH = {"achieved": "已完成", "not_achieved": "未完成"}
PROJECTION_ZH = {True: "预计可完成", False: "预计难以完成"}

EXPORT_COLUMNS = [
    "plan_id", "target_id", "as_of", "indicator_code", "indicator_name_zh", "unit", "target_kind",
    "base_year", "base_value", "target_year", "target_value", "latest_value", "latest_period_end",
    "latest_label", "cumulative_value", "completion", "elapsed", "ratio", "status", "observed_growth",
    "projected_value", "projected_meets", "verdict", "value_source", "note", "note_zh",
]


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def fit(text: str, width: int, align: str = "left") -> str:
    """``text`` cut (with '…') or padded to exactly ``width`` terminal columns."""
    if display_width(text) > width:
        out, used = "", 0
        for ch in text:
            w = display_width(ch)
            if used + w > width - 1:
                break
            out, used = out + ch, used + w
        text = out + "…"
    pad = " " * (width - display_width(text))
    return pad + text if align == "right" else text + pad


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_number(value: object) -> str:
    """Figures as a plan table prints them: no trailing zeros, thousands separated."""
    if _missing(value):
        return "—"
    number = float(value)  # type: ignore[arg-type]
    if number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    if abs(number) >= 100:
        return f"{number:,.1f}"
    return f"{number:.2f}".rstrip("0").rstrip(".")


def format_share(value: object) -> str:
    return "—" if _missing(value) else f"{float(value) * 100:.0f}%"  # type: ignore[arg-type]


def _projection(row: pd.Series) -> str:
    if row["target_kind"] == "avg_growth":
        growth = row.get("observed_growth")
        label = PROJECTION_ZH.get(row["projected_meets"], "") if not _missing(row["projected_meets"]) else ""
        return (f"g={float(growth) * 100:.1f}% " if not _missing(growth) else "") + label
    if _missing(row["projected_value"]):
        return "—"
    return f"{format_number(row['projected_value'])} {PROJECTION_ZH[bool(row['projected_meets'])]}"


def render_table(frame: pd.DataFrame) -> str:
    """A terminal table: one line per target, Chinese columns aligned by display width."""
    columns = [("序号", 5, "left"), ("指标", 30, "left"), ("单位", 8, "left"), ("基期值", 10, "right"),
               ("目标值", 10, "right"), ("最新值", 12, "right"), ("期末", 8, "left"), ("完成度", 7, "right"),
               ("时序", 6, "right"), ("进度比", 7, "right"), ("状态", 8, "left"), ("预计", 24, "left"),
               ("结论", 6, "left")]
    lines = []
    if not frame.empty:
        first = frame.iloc[0]
        lines.append(f"{first['plan_id']}  截至 {pd.Timestamp(first['as_of']).strftime('%Y-%m')}")
    lines.append("  ".join(fit(name, width, align) for name, width, align in columns).rstrip())
    lines.append("  ".join("-" * width for _, width, _ in columns))
    for _, row in frame.iterrows():
        latest = row["cumulative_value"] if row["target_kind"] == "period_total" else row["latest_value"]
        target = format_number(row["target_value"])
        if row["target_kind"] == "period_total" and target != "—":
            target = f"({target})"
        cells = [
            str(row["target_id"]),
            str(row["indicator_name_zh"]),
            str(row["unit"]),
            format_number(row["base_value"]),
            target,
            format_number(latest),
            "" if _missing(row["latest_label"]) else str(row["latest_label"]),
            format_share(row["completion"]),
            format_share(row["elapsed"]),
            "—" if _missing(row["ratio"]) else f"{float(row['ratio']):.2f}",
            STATUS_ZH.get(str(row["status"]), str(row["status"])),
            _projection(row),
            "" if _missing(row["verdict"]) else VERDICT_ZH.get(str(row["verdict"]), str(row["verdict"])),
        ]
        lines.append("  ".join(fit(cell, width, align) for cell, (_, width, align) in zip(cells, columns,
                                                                                         strict=True)).rstrip())
    # The table is Chinese: print the Chinese note where there is one, else the English one.
    note_column = "note_zh" if "note_zh" in frame.columns else "note"
    notes = [(row["target_id"], row[note_column] if not _missing(row[note_column]) else row["note"])
             for _, row in frame.iterrows() if not (_missing(row[note_column]) and _missing(row["note"]))]
    if notes:
        lines.append("")
        lines.extend(f"注 {target_id}: {note}" for target_id, note in notes)
    return "\n".join(lines) + "\n"


def _plain(value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat() if isinstance(value, pd.Timestamp) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain JSON-able dicts (ISO dates, None for missing), export columns first."""
    columns = EXPORT_COLUMNS + [c for c in ("yearly_path", "observations_used") if c in frame.columns]
    out = []
    for _, row in frame.iterrows():
        item = {c: _plain(row.get(c)) for c in columns}
        for key in ("yearly_path", "observations_used"):
            if isinstance(item.get(key), str):
                item[key] = json.loads(item[key])
        out.append(item)
    return out


def render_json(frame: pd.DataFrame) -> str:
    return json.dumps(records(frame), ensure_ascii=False, indent=2) + "\n"


def render_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for item in records(frame):
        writer.writerow({k: ("" if v is None else v) for k, v in item.items()})
    return buffer.getvalue()
