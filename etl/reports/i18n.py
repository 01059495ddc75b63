"""Words of the reports in Chinese (default) and English, and number formatting."""

from __future__ import annotations

import math
from datetime import date

CATEGORY_ORDER = ("创造", "运用", "保护", "管理", "服务")
CATEGORY_EN = {"创造": "Creation", "运用": "Utilisation", "保护": "Protection", "管理": "Administration",
               "服务": "Services"}
STATUS_ORDER = ("achieved", "on_track", "behind", "off_track", "no_data")
VERDICT_ORDER = ("achieved", "not_achieved", "no_data")
# Colours pass for text on white and differ in lightness, so greyscale print still separates them;
# the status is always printed as text too.
STATUS_COLOURS = {"achieved": "#1b5e20", "on_track": "#1565c0", "behind": "#8a5300", "off_track": "#b71c1c",
                  "no_data": "#555555", "not_achieved": "#b71c1c"}
STATUS_BACKGROUNDS = {"achieved": "#e3f1e4", "on_track": "#e3edf9", "behind": "#fdf0d5", "off_track": "#fbe1e1",
                      "no_data": "#eeeeee", "not_achieved": "#fbe1e1"}

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "kind.monthly": "月度监测简报", "kind.quarterly": "季度监测报告", "kind.annual": "年度评估报告",
        "status.achieved": "已完成", "status.on_track": "符合进度", "status.behind": "进度滞后",
        "status.off_track": "严重滞后", "status.no_data": "无数据",
        "verdict.achieved": "已实现", "verdict.not_achieved": "未实现", "verdict.no_data": "无数据",
        "projection.meets": "预计可完成", "projection.misses": "预计难以完成", "projection.none": "无法测算",
        "region": "地区", "period": "报告期", "as_of": "评估截止", "data_as_of": "数据截至",
        "generated_at": "生成时间", "version": "版次", "plan": "规划",
        "summary": "一、总体情况", "table": "二、指标进展", "details": "三、分指标情况",
        "quality": "四、数据质量", "notes": "五、说明与数据来源",
        "col.indicator": "指标", "col.unit": "单位", "col.base": "基期值", "col.latest": "最新值",
        "col.target": "目标值", "col.completion": "完成进度", "col.elapsed": "时序进度", "col.status": "状态",
        "col.projection": "预测", "col.verdict": "评估结论", "col.count": "项数",
        "furthest": "进度最慢的指标", "no_furthest": "没有进度滞后的指标。",
        "no_data": "暂无数据", "none": "无", "no_target": "未设定",
        "no_rows": "该规划在本期没有可评估的指标。",
        "chart.actual": "实际值", "chart.path": "目标路径", "chart.target": "规划目标", "chart.latest": "最新值",
        "q.files": "本期数据文件", "q.loaded": "入库", "q.revised": "修订", "q.unchanged": "重复（未变化）",
        "q.quarantined": "隔离", "q.rejections": "被拒绝的数据行", "q.validation": "校验未通过",
        "q.reconciliation": "对账提示", "q.missing": "无数据的指标", "q.none": "无",
        "q.scope": "统计范围：数据期在本报告期内的文件（无法识别数据期的隔离文件按接收日期计）。",
        "q.more": "另有{n}条未列出。",
        "sample": "本报告使用的是系统生成的模拟样例数据，不是官方统计数据，数值仅用于演示，不得引用。",
        "source.table": "规划表", "source.text": "规划正文", "source.row": "第{n}行",
        "fingerprint": "数据指纹", "revision": "（第{v}版，数据更新后重新生成，替代此前版本）",
        "footer": "本报告由知识产权统计监测平台根据数据仓库自动生成。",
        "unit.items": "项",
        "note_label": "口径说明：",
    },
    "en": {
        "kind.monthly": "Monthly monitoring brief", "kind.quarterly": "Quarterly monitoring report",
        "kind.annual": "Annual evaluation report",
        "status.achieved": "Achieved", "status.on_track": "On track", "status.behind": "Behind",
        "status.off_track": "Off track", "status.no_data": "No data",
        "verdict.achieved": "Achieved", "verdict.not_achieved": "Not achieved", "verdict.no_data": "No data",
        "projection.meets": "Likely to be met", "projection.misses": "Unlikely to be met",
        "projection.none": "Not projectable",
        "region": "Region", "period": "Period", "as_of": "Evaluated at", "data_as_of": "Data up to",
        "generated_at": "Generated", "version": "Version", "plan": "Plan",
        "summary": "1. Overview", "table": "2. Indicator progress", "details": "3. Indicators in detail",
        "quality": "4. Data quality", "notes": "5. Notes and sources",
        "col.indicator": "Indicator", "col.unit": "Unit", "col.base": "Base", "col.latest": "Latest",
        "col.target": "Target", "col.completion": "Completion", "col.elapsed": "Time elapsed",
        "col.status": "Status", "col.projection": "Projection", "col.verdict": "Verdict", "col.count": "Count",
        "furthest": "Furthest behind", "no_furthest": "No indicator is behind schedule.",
        "no_data": "no data", "none": "none", "no_target": "none set",
        "no_rows": "The plan has no indicator to evaluate for this period.",
        "chart.actual": "Actual", "chart.path": "Target path", "chart.target": "Plan target",
        "chart.latest": "Latest",
        "q.files": "Data files of the period", "q.loaded": "loaded", "q.revised": "revised",
        "q.unchanged": "unchanged duplicates", "q.quarantined": "quarantined",
        "q.rejections": "Rejected data rows", "q.validation": "Failed validations",
        "q.reconciliation": "Reconciliation warnings", "q.missing": "Indicators without data", "q.none": "none",
        "q.scope": "Scope: files whose data period falls in this reporting period (quarantined files "
                   "without a recognisable period by date received).",
        "q.more": "{n} more not listed.",
        "sample": "This report uses synthetic sample data generated by the system, not official statistics; "
                  "the figures are for demonstration only and must not be quoted.",
        "source.table": "plan table", "source.text": "plan text", "source.row": "row {n}",
        "fingerprint": "Input fingerprint", "revision": " (version {v}, regenerated after a data update; "
                                                        "replaces earlier versions)",
        "footer": "Generated automatically from the data warehouse by the IP statistics monitoring platform.",
        "unit.items": "",
        "note_label": "Note: ",
    },
}

UNITS_EN = {"件": "", "万件": "×10k", "亿元": "×100m yuan", "万元": "×10k yuan", "元": "yuan", "项": "",
            "个": "", "家": "", "人": "persons", "万人": "×10k persons", "件/万人": "per 10k people",
            "件/年": "per year", "分": "points", "%": "%", "次": "", "人次": "person-times", "所": "",
            "万件/年": "×10k per year", "亿元/年": "×100m yuan per year"}

CN_QUARTERS = "一二三四"


def label(lang: str, key: str, **fmt: object) -> str:
    text = LABELS.get(lang, LABELS["zh"]).get(key) or LABELS["zh"][key]
    return text.format(**fmt) if fmt else text


def unit_text(unit: str | None, lang: str) -> str:
    """The unit as printed after a number ('' when none)."""
    if not unit:
        return ""
    if lang == "en":
        return UNITS_EN.get(unit, unit)
    return unit


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value: float | int | None, lang: str = "zh") -> str:
    """Up to two decimals, trailing zeros dropped; thousands separators in English only."""
    if is_missing(value):
        return label(lang, "no_data")
    number = float(value)  # type: ignore[arg-type]
    rounded = round(number, 2)
    if rounded == int(rounded):
        text = f"{int(rounded):,}" if lang == "en" else str(int(rounded))
    else:
        text = f"{rounded:,.2f}" if lang == "en" else f"{rounded:.2f}"
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", "-0.0"} else text


# Units of things counted one by one: a projection of 10344.62 件 is printed as 10345件 (but a
# per-10,000-people ratio of 1.04 件 keeps its decimals).
COUNT_UNITS = {"件", "个", "家", "人", "项", "所", "次", "人次", "件/年", "个/年", "项/年", "家/年"}


def fmt_quantity(value: float | None, unit: str | None, lang: str = "zh", whole: bool = False) -> str:
    """Number and unit: '10980件', '1.57亿元', '12,000' (en units follow after a space);
    ``whole`` rounds counts of things (estimates) to whole numbers."""
    if is_missing(value):
        return label(lang, "no_data")
    if whole and unit in COUNT_UNITS and abs(float(value)) >= 100:  # type: ignore[arg-type]
        value = round(float(value))  # type: ignore[arg-type]
    number = fmt_number(value, lang)
    shown = unit_text(unit, lang)
    if not shown:
        return number
    if lang == "en":
        return f"{number}%" if shown == "%" else f"{number} {shown}"
    return f"{number}{shown}"


def fmt_percent(share: float | None, lang: str = "zh") -> str:
    """A share (0.699) as '69.9%'."""
    if is_missing(share):
        return label(lang, "no_data")
    return f"{float(share) * 100:.1f}%"  # type: ignore[arg-type]


def parse_date(value: object) -> date | None:
    if is_missing(value) or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def time_point(period_end: object, period_type: object, lang: str = "zh") -> str:
    """'2024年底' / '2024年6月底' / 'end-2024' / 'end of June 2024' (empty when unknown)."""
    day = parse_date(period_end)
    if day is None:
        return ""
    if lang == "en":
        return f"end-{day.year}" if day.month == 12 else f"end of {day.strftime('%B')} {day.year}"
    if day.month == 12:
        return f"{day.year}年底"
    if period_type == "quarter":
        return f"{day.year}年第{CN_QUARTERS[(day.month - 1) // 3]}季度末"
    return f"{day.year}年{day.month}月底"


def period_label(period_end: object, period_type: object, lang: str = "zh") -> str:
    """The latest value's period as a table cell: '2024年' / '2024年6月' / '2024' / 'Jun 2024'."""
    day = parse_date(period_end)
    if day is None:
        return ""
    if period_type == "year":
        return str(day.year) if lang == "en" else f"{day.year}年"
    if lang == "en":
        return day.strftime("%b %Y")
    if period_type == "quarter":
        return f"{day.year}年{CN_QUARTERS[(day.month - 1) // 3]}季度"
    return f"{day.year}年{day.month}月"


def in_sentence(name: str, lang: str) -> str:
    """An English indicator name inside a sentence: 'Invention patents …' -> 'invention patents …'
    (acronyms such as IP or PCT keep their capitals)."""
    if lang != "en" or len(name) < 2 or not name[0].isupper() or not name[1].islower():
        return name
    return name[0].lower() + name[1:]
