"""Reports rendered from the synthetic sample exports, generated and ingested by the real
pipeline (cached between runs, keyed on that code): every plan for a month, a quarter and a
year; text complete; PDF readable; escaping; reproducible archive; phone layout in a real
headless Chromium."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.test_report_support import (
    CHROMIUM,
    LEFTOVERS,
    PERIODS,
    add_load_lineage,
    pdf_text,
    phone_render,
    plan_ids,
    sample_warehouse_file,
    squeeze,
    visible_text,
)

FIXED_TIME = datetime(2025, 1, 5, 9, 0, 0)


@pytest.fixture(scope="module")
def report_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report_home")


@pytest.fixture(scope="module")
def rendered(report_home: Path, request: pytest.FixtureRequest):
    """Every plan's report for each of PERIODS, rendered once for the module (DuckDB)."""
    import shutil

    from etl import warehouse
    from etl.reports.jobs import render_period

    previous = {k: os.environ.get(k) for k in ("IPSTATS_HOME", "IPSTATS_SAMPLE_DATA")}
    os.environ["IPSTATS_SAMPLE_DATA"] = "1"  # the sample exports are synthetic: the reports must say so
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider: build afresh
    cache_dir = Path(cache.mkdir("ipstats_report_samples")) if cache else report_home / "samples_cache"
    cached = sample_warehouse_file(cache_dir)
    os.environ["IPSTATS_HOME"] = str(report_home / "home")
    shutil.copyfile(cached, report_home / "warehouse.duckdb")
    engine = warehouse.get_engine(f"duckdb:///{report_home / 'warehouse.duckdb'}")
    add_load_lineage(engine)
    out = report_home / "out"
    reports = {(report.plan_id, report.period): report for period in PERIODS  # two drawing processes
               for report in render_period(engine, period, out_dir=out, langs=["zh"], workers=2,
                                           generated_at=FIXED_TIME)}
    assert len(reports) == len(plan_ids(engine)) * len(PERIODS)
    yield engine, reports
    warehouse.dispose_engines()
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _module_home(report_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPSTATS_HOME", str(report_home / "home"))
    monkeypatch.setenv("IPSTATS_SAMPLE_DATA", "1")


def _indicator_names(engine, plan_id: str, lang: str = "zh") -> list[str]:
    from etl.warehouse import read_frame

    column = "indicator_name_en" if lang == "en" else "indicator_name_zh"
    with engine.connect() as conn:
        frame = read_frame(conn, f"SELECT DISTINCT {column} AS n FROM mart_progress WHERE plan_id = :p", {"p": plan_id})
    return sorted(frame["n"].dropna())


def test_every_plan_renders_for_a_month_a_quarter_and_a_year(rendered) -> None:
    engine, reports = rendered
    assert len(plan_ids(engine)) >= 5
    for (plan, period), report in reports.items():
        html = report.html.read_text(encoding="utf-8")
        text_seen = visible_text(html)
        assert not LEFTOVERS.search(text_seen), (plan, period, LEFTOVERS.search(text_seen))
        assert "<script" not in html.lower()
        pdf = pdf_text(report.pdf)
        assert not LEFTOVERS.search(pdf), (plan, period, LEFTOVERS.search(pdf))
        flat = squeeze(pdf)
        for name in _indicator_names(engine, plan):
            assert squeeze(name) in flat, f"{plan} {period}: {name} missing from the PDF"
        assert "模拟样例数据" in text_seen and "模拟样例数据" in flat  # synthetic data is said to be so
        assert report.xlsx.stat().st_size > 0 and report.fingerprint and report.version == 1


def test_kinds_differ_and_header_prints_what_officials_ask(rendered) -> None:
    _, reports = rendered
    monthly = visible_text(reports[("guangdong-14fyp", "2024-06")].html.read_text(encoding="utf-8"))
    quarterly = visible_text(reports[("guangdong-14fyp", "2024-Q2")].html.read_text(encoding="utf-8"))
    annual = visible_text(reports[("guangdong-14fyp", "2024")].html.read_text(encoding="utf-8"))
    assert "月度监测简报" in monthly and "2024年6月" in monthly and "预测" not in monthly.split("三、")[0]
    assert "季度监测报告" in quarterly and "2024年第二季度" in quarterly and "预计" in quarterly
    assert "年度评估报告" in annual and "2024年度" in annual
    for seen in (monthly, quarterly, annual):
        for heading in ("地区", "广东省", "评估截止", "数据截至", "生成时间", "2025-01-05 09:00", "一、总体情况",
                        "进度最慢的指标", "二、指标进展", "创造", "运用", "保护", "四、数据质量", "五、说明与数据来源"):
            assert heading in seen, heading
    closed = visible_text(reports[("guangdong-13fyp", "2024")].html.read_text(encoding="utf-8"))
    assert "规划期已结束" in closed and ("已实现" in closed or "未实现" in closed)
    # zh reports print the notes (catalog readings and computed notes) in Chinese only
    from etl.catalog import load_plans

    english = [t.note for plan in load_plans() for t in plan.targets if t.note]
    for (plan, period), report in reports.items():
        notes = visible_text(report.html.read_text(encoding="utf-8")).split("五、说明与数据来源", 1)[1]
        for sentence in ("no base: completion", "Printed without brackets", "projection without growth",
                         "previous period", "comparator", *english):
            assert sentence not in notes, (plan, period, sentence)
    annual14 = visible_text(reports[("guangdong-14fyp", "2024")].html.read_text(encoding="utf-8"))
    assert "口径说明：" in annual14 and "非2020年当年值" in annual14
    assert "无基期值：完成度" in annual14  # r05 prints no base: the computed note, in Chinese


def test_data_quality_section_reports_the_period_s_loads(rendered) -> None:
    _, reports = rendered
    raw = reports[("huizhou-14fyp", "2024-06")].html.read_text(encoding="utf-8")
    june = visible_text(raw)
    quality = june.split("四、数据质量", 1)[1].split("五、说明与数据来源", 1)[0]
    assert "修订1个" in quality and "隔离1个" in quality
    assert "broken&lt;export&gt;.xlsx" in raw and "broken<export>.xlsx" in quality  # escaped, shown as text
    assert "header row not found" in quality and "sample_trademark_2024-06_v2.xlsx" in quality
    assert "trademark（1/12）" in quality and "地市合计与全省数相差2件" in quality
    assert "被拒绝的数据行 1项" in quality
    year = visible_text(reports[("huizhou-14fyp", "2024")].html.read_text(encoding="utf-8"))
    assert "隔离1个" in year.split("四、数据质量", 1)[1]


def test_xlsx_appendix_holds_the_table_and_the_series(rendered) -> None:
    from openpyxl import load_workbook

    engine, reports = rendered
    report = reports[("huizhou-14fyp", "2024")]
    book = load_workbook(report.xlsx, read_only=True)
    assert book.sheetnames == ["指标", "序列", "年度路径", "说明"]
    rows = list(book["指标"].iter_rows(values_only=True))
    assert len(rows) - 1 == len(_indicator_names(engine, "huizhou-14fyp"))
    assert len(list(book["序列"].iter_rows(values_only=True))) > 10


def test_archive_renders_again_identically_and_versions_on_change(rendered) -> None:
    from etl.reports import render_report, verify_archived

    engine, reports = rendered
    first = reports[("zhaoqing-opinions", "2024")]
    assert verify_archived(engine, first.archive_id)["identical"]
    again = render_report(engine, "zhaoqing-opinions", "2024", rerender=True)
    assert again.reused_archive and again.identical_to_archive and again.version == 1
    reused = render_report(engine, "zhaoqing-opinions", "2024")
    assert reused.reused_archive and reused.archive_id == first.archive_id
    assert again.generated_at == FIXED_TIME
    with engine.begin() as conn:
        conn.execute(text("UPDATE mart_progress SET latest_value = latest_value + 1 "
                          "WHERE plan_id = 'zhaoqing-opinions' AND as_of = :d AND latest_value IS NOT NULL"),
                     {"d": date(2024, 12, 31)})
    changed = render_report(engine, "zhaoqing-opinions", "2024")
    assert changed.version == 2 and changed.fingerprint != first.fingerprint and not changed.reused_archive
    assert "第2版" in changed.html.read_text(encoding="utf-8")


def test_markup_in_names_and_notes_shows_as_text(rendered, tmp_path: Path) -> None:
    from etl.reports import render_report

    engine, _ = rendered
    with engine.begin() as conn:
        conn.execute(text("UPDATE mart_progress SET note = '<script>alert(1)</script> & <b>bold</b>', "
                          "note_zh = '<script>alert(1)</script> & <b>bold</b>' "  # zh reports print note_zh
                          "WHERE plan_id = 'qingyuan-14fyp'"))
        conn.execute(text("UPDATE ref_regions SET name_zh = '清远市<img src=x onerror=alert(1)>' "
                          "WHERE region_code = '441800'"))
    report = render_report(engine, "qingyuan-14fyp", "2024-06", out_dir=tmp_path)
    html = report.html.read_text(encoding="utf-8")
    assert "<script" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "清远市&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert(1)</script>" in pdf_text(report.pdf)  # shown as text in print too


def test_english_rendering_uses_catalog_english_names(rendered, tmp_path: Path) -> None:
    from etl.reports import render_report

    engine, _ = rendered
    report = render_report(engine, "huizhou-14fyp", "2024-Q2", lang="en", out_dir=tmp_path)
    seen = visible_text(report.html.read_text(encoding="utf-8"))
    assert "Quarterly monitoring report" in seen and "Q2 2024" in seen and "Huizhou" in seen
    assert not LEFTOVERS.search(seen)
    for name in _indicator_names(engine, "huizhou-14fyp", "en"):
        assert name in seen
    assert report.html.name == "report_huizhou-14fyp_2024-Q2_en.html"


@pytest.mark.browser
def test_html_fits_a_390px_phone_and_is_not_blank(rendered, tmp_path: Path) -> None:
    """A real Chromium emulating a 390 px phone: the page is not wider than the screen (the wide
    table scrolls inside its own box) and the screenshot shows a page, not a blank."""
    import io

    from PIL import Image, ImageStat

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    _, reports = rendered
    for plan, period in (("guangdong-14fyp", "2024-Q2"), ("guangdong-13fyp", "2024")):
        page = tmp_path / f"{plan}.html"
        page.write_text(reports[(plan, period)].html.read_text(encoding="utf-8"), encoding="utf-8")
        widths, png = phone_render(page.as_uri(), tmp_path / f"profile-{plan}")
        assert widths["inner"] == 390, widths
        assert widths["scroll"] <= 390, f"{plan}: page wider than the phone: {widths}"
        (tmp_path / f"{plan}.png").write_bytes(png)
        image = Image.open(io.BytesIO(png)).convert("L")
        assert image.size == (390, 2000)
        stat = ImageStat.Stat(image)
        assert stat.stddev[0] > 20, f"screenshot looks blank (stddev {stat.stddev[0]:.1f})"
        dark = sum(image.histogram()[:128]) / (image.size[0] * image.size[1])
        assert dark > 0.01, f"almost no text on the screenshot ({dark:.3%})"
