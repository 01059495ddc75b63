"""``ipstats plans``: the plan catalog (etl/catalog/plans/*.yaml) as officials read it.

    ipstats plans list
    ipstats plans show guangdong-14fyp
    ipstats plans export --format csv [--plan ID] > targets.csv
    ipstats plans validate

Values are shown in each plan's printed unit, beside the raw cell as printed. A catalog fault
(unknown unit, a kind contradicting the brackets, ...) prints the validator's message and exits 1.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from collections.abc import Sequence

EXPORT_COLUMNS = (
    "plan_id", "target_id", "indicator_code", "indicator_name_zh", "unit", "source", "source_ref", "row_no",
    "category", "base_year", "base_value", "base_raw", "target_year", "target_value", "target_raw",
    "target_kind", "comparator", "attribute", "completion_raw", "completion_value", "note",
)
KIND_ZH = {
    "level": "水平值",
    "period_total": "期间累计",
    "annual_flow": "年度值",
    "avg_growth": "年均增长",
    "none": "无目标",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    plans = subparsers.add_parser("plans", help="plan catalog: list, show, export, validate",
                                  description="The plans monitored and their targets, from etl/catalog/plans.")
    plans_sub = plans.add_subparsers(dest="plans_command", required=True, metavar="SUBCOMMAND")

    list_cmd = plans_sub.add_parser("list", help="one line per plan")
    list_cmd.set_defaults(handler=_list)

    show = plans_sub.add_parser("show", help="a plan's header and its targets as an aligned table")
    show.add_argument("plan_id", metavar="PLAN_ID", help="e.g. guangdong-14fyp (see `ipstats plans list`)")
    show.set_defaults(handler=_show)

    export = plans_sub.add_parser("export", help="all targets (or one plan's) to stdout")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--plan", metavar="PLAN_ID", help="only this plan")
    export.set_defaults(handler=_export)

    validate = plans_sub.add_parser("validate", help="load every catalog file and report faults")
    validate.set_defaults(handler=_validate)


# ----------------------------------------------------------------------------- formatting


def format_number(value: float | None) -> str:
    """20.0 -> '20', 13.5 -> '13.5', None -> ''."""
    if value is None:
        return ""
    value = float(value)
    if value != value:  # NaN
        return ""
    if value.is_integer():
        return str(int(value))
    return repr(value)


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide and full-width characters (CJK) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right_align: Sequence[int] = ()) -> str:
    """An aligned plain-text table that stays aligned with Chinese text."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    lines = ["  ".join(_pad(h, widths[i], i in right_align) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(cell, widths[i], i in right_align) for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines)


def _cell(raw: str | None, value: float | None) -> str:
    """'〔12000〕 = 12000', '１３ ５ = 13.5', '———'."""
    raw_text = " ".join((raw or "").split())
    number = format_number(value)
    if not number:
        return raw_text or "—"
    if not raw_text:
        return number
    return f"{raw_text} = {number}"


# ----------------------------------------------------------------------------- handlers


def _load_plans():
    from etl.catalog import CatalogError, load_plans

    try:
        return load_plans()
    except CatalogError as exc:
        print(f"ipstats plans: catalog error: {exc}", file=sys.stderr)
        return None


def _list(args: argparse.Namespace) -> int:
    from etl.catalog import region_by_code

    plans = _load_plans()
    if plans is None:
        return 1
    regions = region_by_code()
    rows = []
    for plan in plans:
        table = sum(1 for t in plan.targets if t.source == "table")
        text = len(plan.targets) - table
        period = f"{plan.base_year or ''}→{plan.target_year or ''}"
        rows.append([plan.plan_id, f"{plan.region_code} {regions[plan.region_code].name_zh}", period,
                     str(table), str(text), plan.name_zh])
    print(render_table(["plan_id", "地区", "基期→目标", "表内", "正文", "名称"], rows, right_align=(3, 4)))
    return 0


def _show(args: argparse.Namespace) -> int:
    from etl.catalog import indicator_by_code, region_by_code

    plans = _load_plans()
    if plans is None:
        return 1
    plan = next((p for p in plans if p.plan_id == args.plan_id), None)
    if plan is None:
        known = ", ".join(p.plan_id for p in plans)
        print(f"ipstats plans show: unknown plan {args.plan_id!r} (known: {known})", file=sys.stderr)
        return 2
    region = region_by_code()[plan.region_code]
    indicators = indicator_by_code()
    print(f"{plan.plan_id}  {plan.name_zh}")
    print(f"  {plan.name_en}")
    print(f"  地区 region: {plan.region_code} {region.name_zh} ({region.name_en})")
    print(f"  基期 base year: {plan.base_year}   目标年 target year: {plan.target_year}")
    print(f"  来源 source: {plan.seed} · {plan.source_table}")
    print()
    with_completion = any(t.completion_raw for t in plan.targets)
    headers = ["id", "序号", "类别", "指标", "单位", "基期值", "目标值", "目标类型", "比较", "属性"]
    if with_completion:
        headers.append("完成值")
    headers += ["指标代码", "注"]
    rows = []
    notes: list[str] = []
    for t in plan.targets:
        note_mark = ""
        if t.note:
            notes.append(t.note)
            note_mark = f"[{len(notes)}]"
        row = [
            t.target_id,
            str(t.row_no) if t.row_no is not None else ("正文" if t.source == "text" else ""),
            t.category,
            t.indicator_name_zh,
            t.unit,
            _cell(t.base_raw, t.base_value),
            _cell(t.target_raw, t.target_value) if t.source == "table" else format_number(t.target_value) or "—",
            f"{t.target_kind} {KIND_ZH.get(t.target_kind, '')}".strip(),
            t.comparator,
            t.attribute or "",
        ]
        if with_completion:
            row.append(_cell(t.completion_raw, t.completion_value))
        row += [t.indicator_code + ("" if t.indicator_code in indicators else " (?)"), note_mark]
        rows.append(row)
    print(render_table(headers, rows))
    text_targets = [t for t in plan.targets if t.source == "text"]
    if text_targets:
        print()
        print("正文出处 (text targets: where, and the words read):")
        for t in text_targets:
            print(f"  {t.target_id}: {t.source_ref}")
            print(f"  {' ' * len(t.target_id)}  读作 read: “{' '.join((t.target_raw or '').split())}”")
    if notes:
        print()
        print("注 (notes):")
        for i, note in enumerate(notes, start=1):
            print(f"  [{i}] {note}")
    return 0


def export_rows(plan_id: str | None = None) -> list[dict[str, str]]:
    """Every target as a dict of strings in EXPORT_COLUMNS order (values in the plan's printed unit)."""
    from etl.catalog import load_plans

    rows = []
    for plan in load_plans():
        if plan_id and plan.plan_id != plan_id:
            continue
        for t in plan.targets:
            record = {}
            for column in EXPORT_COLUMNS:
                value = getattr(t, column)
                if column.endswith("_value"):
                    record[column] = format_number(value)
                elif value is None:
                    record[column] = ""
                else:
                    record[column] = str(value)
            rows.append(record)
    return rows


def _export(args: argparse.Namespace) -> int:
    from etl.catalog import CatalogError, load_plans

    try:
        if args.plan and args.plan not in {p.plan_id for p in load_plans()}:
            print(f"ipstats plans export: unknown plan {args.plan!r}", file=sys.stderr)
            return 2
        rows = export_rows(args.plan)
    except CatalogError as exc:
        print(f"ipstats plans: catalog error: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    writer = csv.DictWriter(sys.stdout, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from etl.catalog import CatalogError, load_indicators, load_measures, load_plans, load_regions

    try:
        regions, measures, indicators = load_regions(), load_measures(), load_indicators()
        plans = load_plans()
    except CatalogError as exc:
        print(f"catalog error: {exc}", file=sys.stderr)
        return 1
    targets = sum(len(p.targets) for p in plans)
    print(f"catalog OK: {len(regions)} regions, {len(measures)} measures, {len(indicators)} indicators, "
          f"{len(plans)} plans, {targets} targets")
    return 0
