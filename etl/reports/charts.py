"""One chart per indicator: actual values against the target path and the target line.

Readable in greyscale (the three series differ by marker and line style, not only colour) and
labelled in Chinese with WenQuanYi Micro Hei. Charts are drawn once per report and the same
PNG bytes go into the e-mail (CID), the archived HTML (data: URI) and the PDF."""

from __future__ import annotations

import hashlib
import io
import json
import os
from functools import cache
from typing import Any

from etl.reports.i18n import is_missing, label, parse_date, unit_text
from etl.reports.narrative import yearly_path

CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
CHART_STYLE_VERSION = "2"  # bump when the drawing changes: cached PNGs are keyed on it
CHART_DPI = 100
_MEMORY_CACHE: dict[str, bytes] = {}
CHART_SIZE_INCHES = (6.0, 2.9)


@cache
def _matplotlib():
    """Import matplotlib on the Agg backend and register the CJK font (once per process)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import font_manager, pyplot

    family = None
    extra = os.environ.get("IPSTATS_CJK_FONT")
    for path in ((extra,) if extra else ()) + CJK_FONT_FILES:
        if path and os.path.exists(path):
            font_manager.fontManager.addfont(path)
            family = font_manager.FontProperties(fname=path).get_name()
            break
    matplotlib.rcParams.update({
        "font.family": [family] if family else ["sans-serif"],
        "font.sans-serif": ([family] if family else []) + ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.hashsalt": "ipstats",
        "path.simplify": True,
    })
    return matplotlib, pyplot


def chart_points(row: dict[str, Any]) -> dict[str, list]:
    """The series of one row: yearly actuals, the yearly target path, and the latest part-year value."""
    path = yearly_path(row)
    actual = [(p["year"], float(p["actual"])) for p in path if not is_missing(p["actual"])]
    target_path = [(p["year"], float(p["path"])) for p in path if not is_missing(p["path"])]
    latest: list[tuple[float, float]] = []
    day = parse_date(row.get("latest_period_end"))
    value = row.get("cumulative_value") if row.get("target_kind") == "period_total" else row.get("latest_value")
    if day is not None and day.month != 12 and not is_missing(value):
        latest = [(day.year - 1 + day.month / 12, float(value))]
    return {"actual": actual, "path": target_path, "latest": latest}


def has_chart(row: dict[str, Any]) -> bool:
    points = chart_points(row)
    return bool(points["actual"] or points["latest"])


def render_chart(row: dict[str, Any], lang: str = "zh") -> bytes:
    """The PNG of one indicator's chart."""
    _, plt = _matplotlib()
    points = chart_points(row)
    name = (row.get("indicator_name_en") if lang == "en" else None) or row.get("indicator_name_zh") or ""
    unit = unit_text(row.get("unit"), lang)
    fig, ax = plt.subplots(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI)
    try:
        if points["path"]:
            xs, ys = zip(*points["path"], strict=True)
            ax.plot(xs, ys, linestyle="--", color="#777777", marker="s", markersize=4, markerfacecolor="white",
                    linewidth=1.4, label=label(lang, "chart.path"))
        target = row.get("target_value")
        if not is_missing(target) and row.get("target_kind") not in ("avg_growth", "none"):
            ax.axhline(float(target), linestyle=":", color="#333333", linewidth=1.4,
                       label=f"{label(lang, 'chart.target')} {row.get('target_year') or ''}".strip())
        if points["actual"]:
            xs, ys = zip(*points["actual"], strict=True)
            ax.plot(xs, ys, linestyle="-", color="#0d47a1", marker="o", markersize=5, linewidth=2.0,
                    label=label(lang, "chart.actual"))
        if points["latest"]:
            xs, ys = zip(*points["latest"], strict=True)
            ax.plot(xs, ys, linestyle="none", color="#0d47a1", marker="D", markersize=6, markerfacecolor="white",
                    markeredgewidth=1.6, label=label(lang, "chart.latest"))
        ax.set_title(f"{name}（{unit}）" if unit and lang == "zh" else (f"{name} ({unit})" if unit else name),
                     fontsize=10, loc="left")
        ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
        ax.tick_params(labelsize=8)
        years = [x for series in points.values() for x, _ in series]
        years += [int(y) for y in (row.get("base_year"), row.get("target_year")) if not is_missing(y)]
        if years:
            ax.set_xlim(min(years) - 0.4, max(years) + 0.4)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.yaxis.get_major_locator().set_params(nbins=5)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        fig.subplots_adjust(left=0.11, right=0.98, top=0.88, bottom=0.1)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=CHART_DPI, metadata={"Software": None},
                    pil_kwargs={"compress_level": 3})
        return buffer.getvalue()
    finally:
        plt.close(fig)


def chart_key(row: dict[str, Any], lang: str) -> str:
    """A hash of everything the chart shows: equal keys give identical PNGs."""
    shown = {"points": chart_points(row), "lang": lang, "style": CHART_STYLE_VERSION,
             **{k: row.get(k) for k in ("indicator_name_zh", "indicator_name_en", "unit", "target_value",
                                        "target_year", "target_kind")}}
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def cached_chart(row: dict[str, Any], lang: str = "zh") -> bytes:
    """The chart's PNG, drawn once per content: reports of the same as-of date (the December
    brief, the fourth-quarter report and the annual evaluation) and re-renders reuse it, from
    memory or from ``IPSTATS_HOME/reports/cache/charts``."""
    from etl.config import get_settings

    key = chart_key(row, lang)
    if key in _MEMORY_CACHE:
        return _MEMORY_CACHE[key]
    path = get_settings().reports_dir / "cache" / "charts" / f"{key[:2]}" / f"{key}.png"
    if path.exists():
        png = path.read_bytes()
    else:
        png = render_chart(row, lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.part")
        temporary.write_bytes(png)
        temporary.replace(path)
    if len(_MEMORY_CACHE) > 2000:
        _MEMORY_CACHE.clear()
    _MEMORY_CACHE[key] = png
    return png
