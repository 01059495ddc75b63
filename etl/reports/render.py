"""Render one report bundle to HTML (e-mail and standalone), PDF (WeasyPrint) and XLSX.

The HTML carries its styles inline so e-mail clients keep them, has no scripts, fits a 390 px
phone (the wide indicator table scrolls inside its own container) and prints on A4."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from markupsafe import Markup

from etl.config import TEMPLATES_DIR
from etl.reports.i18n import label

FONT_STACK = "'WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC','Noto Sans CJK SC',Arial,sans-serif"

# class name -> inline CSS; a callable takes (colour, background) for status-coloured elements.
STYLES: dict[str, str | Callable[..., str]] = {
    "body": "margin:0;padding:0;background:#f2f2f2;",
    "page": (f"max-width:680px;margin:0 auto;background:#ffffff;padding:16px 14px;font-family:{FONT_STACK};"
             "color:#1a1a1a;font-size:15px;line-height:1.6;box-sizing:border-box;overflow-wrap:anywhere;"),
    "kicker": "font-size:13px;color:#8b1a1a;font-weight:bold;letter-spacing:1px;",
    "h1": "font-size:21px;line-height:1.35;margin:4px 0 2px 0;color:#111111;",
    "subtitle": "font-size:14px;color:#444444;margin:0 0 10px 0;",
    "h2": "font-size:17px;margin:22px 0 8px 0;padding-bottom:4px;border-bottom:2px solid #8b1a1a;color:#111111;",
    "h3": "font-size:15px;margin:14px 0 6px 0;color:#222222;",
    "p": "margin:6px 0 10px 0;",
    "small_p": "margin:6px 0;font-size:12px;color:#555555;",
    "meta_table": "border-collapse:collapse;width:100%;font-size:13px;margin:4px 0;",
    "meta_key": "padding:3px 8px 3px 0;color:#666666;white-space:nowrap;vertical-align:top;width:6em;",
    "q_key": "padding:3px 8px 3px 0;color:#666666;vertical-align:top;width:40%;",
    "meta_val": "padding:3px 0;vertical-align:top;",
    "sample": ("margin:12px 0;padding:8px 10px;border:2px dashed #8a5300;background:#fff8e6;color:#5c3800;"
               "font-size:13px;font-weight:bold;"),
    "count_table": "border-collapse:separate;border-spacing:4px;width:100%;table-layout:fixed;margin:4px 0;",
    "count_cell": "text-align:center;vertical-align:top;padding:6px 2px;border:1px solid #dddddd;font-size:12px;",
    "count_num": "font-size:20px;",
    "list": "margin:4px 0 8px 0;padding-left:22px;",
    "li": "margin:3px 0;",
    "li_small": "margin:3px 0;font-size:13px;",
    "scroll": "width:100%;overflow-x:auto;-webkit-overflow-scrolling:touch;",
    "scroll_print": "width:100%;",
    "ind_table": "border-collapse:collapse;width:100%;min-width:600px;font-size:12px;line-height:1.4;",
    "th": ("padding:5px 4px;border-bottom:2px solid #333333;text-align:right;font-weight:bold;"
           "white-space:nowrap;background:#f5f5f5;"),
    "th_center": ("padding:5px 4px;border-bottom:2px solid #333333;text-align:center;font-weight:bold;"
                  "white-space:nowrap;background:#f5f5f5;"),
    "th_left": "padding:5px 4px;border-bottom:2px solid #333333;text-align:left;background:#f5f5f5;",
    "category": "padding:6px 4px 3px 4px;font-weight:bold;color:#8b1a1a;border-bottom:1px solid #999999;",
    "td_name": "padding:5px 4px;border-bottom:1px solid #e0e0e0;text-align:left;vertical-align:top;min-width:8em;",
    "td": "padding:5px 4px;border-bottom:1px solid #e0e0e0;text-align:right;vertical-align:top;white-space:nowrap;",
    "small": "font-size:11px;color:#666666;",
    "card": "margin:10px 0 16px 0;padding:8px 0 4px 0;border-top:1px solid #e0e0e0;page-break-inside:avoid;",
    "card_head": "font-size:15px;margin-bottom:2px;",
    "img": "display:block;width:100%;max-width:600px;height:auto;border:0;margin:4px 0;",
    "footer": "margin:24px 0 4px 0;font-size:11px;color:#777777;border-top:1px solid #e0e0e0;padding-top:6px;",
    "badge": lambda colour, background: (f"display:inline-block;padding:0 6px;border:1px solid {colour};"
                                         f"color:{colour};background:{background};font-size:12px;"
                                         "font-weight:bold;border-radius:3px;white-space:nowrap;"),
    "td_status": lambda colour, background: (f"padding:5px 4px;border-bottom:1px solid #e0e0e0;text-align:center;"
                                             f"vertical-align:top;white-space:nowrap;font-weight:bold;"
                                             f"color:{colour};background:{background};"),
    "status_text": lambda colour: f"color:{colour};font-weight:bold;",
}

# Only print and the PDF read this; e-mail clients that drop <style> lose nothing.
PRINT_CSS = f"""
@page {{ size: A4; margin: 14mm 12mm 16mm 12mm;
  @bottom-center {{ content: counter(page) " / " counter(pages); font-size: 9pt; color: #777;
                    font-family: {FONT_STACK}; }} }}
@media print {{
  body {{ background: #ffffff !important; }}
  .s-page {{ max-width: none !important; padding: 0 !important; }}
  .s-scroll {{ overflow: visible !important; }}
  .s-ind-table {{ min-width: 0 !important; font-size: 9pt !important; }}
  .s-card {{ page-break-inside: avoid; }}
  .s-img {{ width: 62% !important; }}
  tr {{ page-break-inside: avoid; }}
  h2, h3 {{ page-break-after: avoid; }}
}}
"""


PUNCTUATION = {"zh": {"colon": "：", "comma": "，", "lparen": "（", "rparen": "）"},
               "en": {"colon": ": ", "comma": ", ", "lparen": " (", "rparen": ")"}}

PRINT_ONLY_CSS = """
.s-page { max-width: none; padding: 0; }
.s-ind-table { min-width: 0; font-size: 9pt; }
"""


def _class_name(name: str, *args: str) -> str:
    return "s-" + "-".join([name.replace("_", "-"), *(a.strip("#").lower() for a in args)])


def style_attribute(name: str, *args: str) -> Markup:
    """Screen and e-mail: the style inline (clients drop stylesheets), plus a class for print."""
    style = STYLES[name]
    text = style(*args) if callable(style) else style
    return Markup(' class="{}" style="{}"').format(_class_name(name, *args), text)


def class_attribute(name: str, *args: str) -> Markup:
    """The PDF: classes only, styled by :func:`class_stylesheet` (WeasyPrint parses a shared
    stylesheet far faster than thousands of inline declarations)."""
    return Markup(' class="{}"').format(_class_name(name, *args))


@cache
def class_stylesheet() -> str:
    """Every STYLES entry as a class rule, status-coloured ones for every status colour."""
    from etl.reports.i18n import STATUS_BACKGROUNDS, STATUS_COLOURS

    rules = []
    for name, style in STYLES.items():
        if not callable(style):
            rules.append(f".{_class_name(name)} {{ {style} }}")
            continue
        for key, colour in STATUS_COLOURS.items():
            args = (colour, STATUS_BACKGROUNDS[key]) if style.__code__.co_argcount == 2 else (colour,)
            rules.append(f".{_class_name(name, *args)} {{ {style(*args)} }}")
    return "\n".join(dict.fromkeys(rules))


@cache
def template_environment():
    """The Jinja2 environment: autoescape on for every template, undefined names fail loudly."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml"), default_for_string=True,
                                     default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["st"] = style_attribute
    return env


def template_name(kind: str) -> str:
    return {"monthly": "monthly.html", "quarterly": "quarterly.html", "annual": "annual.html"}[kind]


def render_html(view: dict[str, Any], image_src: Callable[[str], str], for_print: bool = False) -> str:
    """The report's HTML; ``image_src(chart_id)`` gives a ``cid:`` or ``data:`` URL. ``for_print``
    drops the screen-only scrolling of the wide table (the PDF gets the whole table)."""
    env = template_environment()
    lang = view["lang"]
    columns = 7 if view["kind"] == "monthly" or (view["kind"] == "annual" and view["closed"]) else 8
    css = PRINT_CSS + ("\n" + class_stylesheet() + PRINT_ONLY_CSS if for_print else "")
    return env.get_template(template_name(view["kind"])).render(
        **view, t=lambda key, **fmt: label(lang, key, **fmt), image_src=image_src, print_css=Markup(css),
        table_columns=columns, for_print=for_print, st=class_attribute if for_print else style_attribute,
        **PUNCTUATION[lang])


def render_text(view: dict[str, Any]) -> str:
    """The plain-text part of the e-mail: header, summary and one sentence per indicator."""
    lang = view["lang"]
    lines = [f"{view['plan_name']}", f"{view['period_title']} {view['kind_title']}{view['revision_note']}", ""]
    for key, value in (("region", view["region_name"]), ("as_of", view["as_of"]), ("data_as_of", view["data_as_of"]),
                       ("generated_at", view["generated_at"])):
        lines.append(f"{label(lang, key)}: {value}")
    if view["sample_data"]:
        lines += ["", label(lang, "sample")]
    lines += ["", label(lang, "summary"), view["summary_sentence"], ""]
    for indicator in view["indicators"]:
        lines.append(f"- [{indicator['status']}] {indicator['sentence']}")
    lines += ["", "完整报告见附件（PDF、XLSX）。" if lang == "zh" else "The full report is attached (PDF, XLSX).",
              label(lang, "footer")]
    return "\n".join(lines) + "\n"


def data_uri_source(charts: dict[str, bytes]) -> Callable[[str], str]:
    encoded = {key: base64.b64encode(png).decode("ascii") for key, png in charts.items()}
    return lambda chart: f"data:image/png;base64,{encoded[chart]}"


def cid_source(domain: str = "ipstats") -> Callable[[str], str]:
    return lambda chart: f"cid:{chart}@{domain}"


def render_pdf(html: str, generated_at: datetime, utc_offset: str = "+08:00") -> bytes:
    """PDF through WeasyPrint; the creation date is the report's generation time, so the bytes
    depend on the inputs only."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(TEMPLATES_DIR)).render()
    stamp = generated_at.replace(tzinfo=None).isoformat(timespec="seconds") + utc_offset
    document.metadata.created = stamp
    document.metadata.modified = stamp
    return document.write_pdf()


def render_xlsx(view: dict[str, Any], inputs: dict[str, Any], generated_at: datetime) -> bytes:
    """The appendix workbook: the indicator table, the value series and the yearly paths."""
    import xlsxwriter

    lang = view["lang"]
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": f"{view['plan_name']} {view['period_title']} {view['kind_title']}",
                             "author": "ipstats", "created": generated_at.replace(tzinfo=None),
                             "comments": f"fingerprint {view['fingerprint']}"})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    pct = workbook.add_format({"num_format": "0.0%"})
    zh = lang == "zh"

    sheet = workbook.add_worksheet("指标" if zh else "Indicators")
    headers = (["目标编号", "类别", "指标", "单位", "目标类型", "基期年", "基期值", "最新值", "最新值期间", "目标年",
                "目标值", "完成进度", "时序进度", "进度比", "状态", "评估结论", "预测值", "预测", "来源", "说明"]
               if zh else
               ["Target id", "Category", "Indicator", "Unit", "Target kind", "Base year", "Base", "Latest",
                "Latest period", "Target year", "Target", "Completion", "Time elapsed", "Ratio", "Status", "Verdict",
                "Projected", "Projection", "Source", "Note"])
    sheet.write_row(0, 0, headers, bold)
    views = {v["target_id"]: v for v in view["indicators"]}
    for i, row in enumerate(inputs["rows"], start=1):
        v = views.get(row.get("target_id"), {})
        name = (row.get("indicator_name_en") if not zh else None) or row.get("indicator_name_zh")
        values = [row.get("target_id"), v.get("category"), name, row.get("unit"), row.get("target_kind"),
                  row.get("base_year"), row.get("base_value"), row.get("latest_value"), row.get("latest_label"),
                  row.get("target_year"), row.get("target_value")]
        for col, value in enumerate(values):
            if value is not None:
                sheet.write(i, col, value)
        for col, key in ((11, "completion"), (12, "elapsed"), (13, "ratio")):
            if row.get(key) is not None:
                sheet.write_number(i, col, float(row[key]), pct)
        sheet.write(i, 14, v.get("status", ""))
        if row.get("verdict"):
            sheet.write(i, 15, label(lang, f"verdict.{row['verdict']}"))
        if row.get("projected_value") is not None:
            sheet.write_number(i, 16, float(row["projected_value"]))
        sheet.write(i, 17, v.get("projection", ""))
        sheet.write(i, 18, v.get("source", ""))
        sheet.write(i, 19, v.get("note", ""))
    sheet.freeze_panes(1, 3)
    sheet.set_column(0, 1, 10)
    sheet.set_column(2, 2, 34)
    sheet.set_column(3, 19, 12)
    sheet.autofilter(0, 0, max(1, len(inputs["rows"])), len(headers) - 1)

    series = workbook.add_worksheet("序列" if zh else "Series")
    series.write_row(0, 0, ["指标代码", "地区代码", "期末日期", "期间类型", "数值", "单位", "来源"] if zh else
                     ["Indicator code", "Region code", "Period end", "Period type", "Value", "Unit", "Source"], bold)
    for i, point in enumerate(inputs.get("series", []), start=1):
        series.write_row(i, 0, [point.get("indicator_code"), point.get("region_code"), point.get("period_end"),
                                point.get("period_type")])
        if point.get("value") is not None:
            series.write_number(i, 4, float(point["value"]))
        series.write_row(i, 5, [point.get("unit") or "", point.get("value_source") or ""])
    series.set_column(0, 6, 14)

    paths = workbook.add_worksheet("年度路径" if zh else "Yearly paths")
    paths.write_row(0, 0, ["目标编号", "指标", "年份", "实际值", "目标路径值"] if zh else
                    ["Target id", "Indicator", "Year", "Actual", "Target path"], bold)
    line = 1
    for row in inputs["rows"]:
        try:
            points = json.loads(row.get("yearly_path") or "[]")
        except (TypeError, ValueError):
            points = []
        for point in points:
            paths.write(line, 0, row.get("target_id"))
            paths.write(line, 1, row.get("indicator_name_zh") if zh else row.get("indicator_name_en"))
            paths.write(line, 2, point.get("year"))
            for col, key in ((3, "actual"), (4, "path")):
                if point.get(key) is not None:
                    paths.write_number(line, col, float(point[key]))
            line += 1
    paths.set_column(0, 4, 14)

    about = workbook.add_worksheet("说明" if zh else "About")
    facts = [(label(lang, "plan"), view["plan_name"]), (label(lang, "region"), view["region_name"]),
             (label(lang, "period"), view["period_title"]), (label(lang, "as_of"), view["as_of"]),
             (label(lang, "data_as_of"), view["data_as_of"]), (label(lang, "generated_at"), view["generated_at"]),
             (label(lang, "version"), f"v{view['version']}"), (label(lang, "fingerprint"), view["fingerprint"])]
    if view["sample_data"]:
        facts.append(("!", label(lang, "sample")))
    for i, (key, value) in enumerate(facts):
        about.write(i, 0, key, bold)
        about.write(i, 1, value)
    about.set_column(0, 0, 14)
    about.set_column(1, 1, 80)
    workbook.close()
    return buffer.getvalue()
