"""Period wordings of titles and file names (etl/ingest/parse_period.py), value cells
(parse_values.py) and header cells (layouts.py): small pure functions, exact results."""

from __future__ import annotations

from datetime import date

import pytest

from etl.ingest.layouts import analyse_header, match_measure
from etl.ingest.parse_period import agree, find_period
from etl.ingest.parse_values import parse_number


@pytest.mark.parametrize(("text", "period_type", "start", "end"), [
    ("2024年1-6月全省各地市专利授权状况统计表", "month", date(2024, 1, 1), date(2024, 6, 30)),
    ("2024年1—6月", "month", date(2024, 1, 1), date(2024, 6, 30)),
    ("２０２４年１－９月", "month", date(2024, 1, 1), date(2024, 9, 30)),
    ("2024年1至12月", "month", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024年6月专利统计", "month", date(2024, 1, 1), date(2024, 6, 30)),
    ("2024年第二季度商标", "quarter", date(2024, 1, 1), date(2024, 6, 30)),
    ("2024年二季度", "quarter", date(2024, 1, 1), date(2024, 6, 30)),
    ("2024年前三季度", "quarter", date(2024, 1, 1), date(2024, 9, 30)),
    ("2024年第四季度", "quarter", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024年上半年", "half", date(2024, 1, 1), date(2024, 6, 30)),
    ("2024年下半年", "half", date(2024, 7, 1), date(2024, 12, 31)),
    ("2024年度全省案件", "year", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024年全年", "year", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024年全省常住人口", "year", date(2024, 1, 1), date(2024, 12, 31)),
    ("patent_2024-06", "month", date(2024, 1, 1), date(2024, 6, 30)),
    ("patent_202406", "month", date(2024, 1, 1), date(2024, 6, 30)),
    ("trademark_2024Q3", "quarter", date(2024, 1, 1), date(2024, 9, 30)),
    ("pledge_2024H1", "half", date(2024, 1, 1), date(2024, 6, 30)),
    ("population_2024", "year", date(2024, 1, 1), date(2024, 12, 31)),
])
def test_period_wordings(text: str, period_type: str, start: date, end: date) -> None:
    period = find_period(text)
    assert period is not None
    assert (period.period_type, period.period_start, period.period_end) == (period_type, start, end)


@pytest.mark.parametrize("text", ["全省专利统计表", "单位：件", "专利统计月报（第283期）", "export_20240715",
                                  "填报日期：2024年7月10日", "2016-2025年常住人口"])
def test_no_period(text: str) -> None:
    assert find_period(text) is None


def test_closes_year() -> None:
    assert find_period("2024年1-12月").closes_year
    assert find_period("2024年第四季度").closes_year
    assert find_period("2024年度").closes_year
    assert not find_period("2024年下半年").closes_year
    assert not find_period("2024年1-11月").closes_year


def test_agreement() -> None:
    assert agree(find_period("2024年6月"), find_period("2024年1-6月"))
    assert agree(find_period("2024年上半年"), find_period("2024年1-6月"))
    assert agree(find_period("2024年"), find_period("2024年1-6月"))  # a bare year is weak
    assert not agree(find_period("2024年1-6月"), find_period("2024年1-9月"))
    assert not agree(find_period("2024年"), find_period("2023年1-6月"))
    assert not agree(find_period("2024年度"), find_period("2024年1-6月"))


@pytest.mark.parametrize(("raw", "value", "percent"), [
    ("３５１２", 3512.0, False), ("３５．１", 35.1, False), ("１，２３４", 1234.0, False),
    (" 1,234 ", 1234.0, False), ("1234*", 1234.0, False), ("1,234（含港澳台）", 1234.0, False),
    ("12.5%", 12.5, True), ("１２．５％", 12.5, True), (3512, 3512.0, False), (0.5, 0.5, False),
    ("-3", -3.0, False), ("0", 0.0, False),
])
def test_number_cells(raw: object, value: float, percent: bool) -> None:
    parsed = parse_number(raw)
    assert (parsed.value, parsed.percent, parsed.error) == (value, percent, None)


@pytest.mark.parametrize("raw", ["２７ ８", "1 234", "12,34", "abc", "1.2.3", "1,2345"])
def test_bad_number_cells(raw: str) -> None:
    parsed = parse_number(raw)
    assert parsed.value is None and parsed.error


@pytest.mark.parametrize("raw", ["——", "—", "-", "/", "…", "暂无", "", None, "  "])
def test_missing_cells(raw: object) -> None:
    parsed = parse_number(raw)
    assert (parsed.value, parsed.error) == (None, None)


@pytest.mark.parametrize(("top", "bottom", "measure"), [
    ("发明专利", "申请量", "patent_invention_applications"),
    ("发明专利", "有效量", "patent_invention_valid"),
    ("专利授权量", "合计", "patent_grants_total"),
    ("专利授权量", "发明", "patent_invention_grants"),
    ("专利授权量", "实用新型", "patent_utility_grants"),
    ("商标", "注册量", "tm_registrations"),
    ("专利权质押", "金额（亿元）", "pledge_amount_patent"),
    ("有效注册商标量", None, "tm_valid"),
    ("马德里商标累计有效注册量", None, "tm_madrid_valid"),
    ("常住人口（万人）", None, "population"),
])
def test_header_matching(top: str, bottom: str | None, measure: str) -> None:
    code, _, _ = match_measure(analyse_header(top), analyse_header(bottom) if bottom else None)
    assert code == measure


def test_header_parts() -> None:
    part = analyse_header("金额（亿元）")
    assert (part.name, part.unit) == ("金额", "亿元")
    part = analyse_header("发明专利授权量（当月）")
    assert (part.name, part.single_period) == ("发明专利授权量", "month")
    part = analyse_header("本年累计")
    assert (part.name, part.single_period) == ("", None)
    assert analyse_header("同比增长（%）").ignored
    assert analyse_header("上年同期").ignored
    assert analyse_header("2023年1-6月").years == (2023,)
    assert analyse_header("服判息诉率%").unit == "%"
