"""The export parser against the quirks of shared/specs/source-exports.md (one test per quirk,
1-11 and 13; quirk 12, revisions, belongs to the pipeline), plus units, regions and layouts.
Every export is built in tmp_path by the test itself."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from etl.ingest.parse import FileQuarantined, ParsedFile, Rejection, parse_file
from tests.fixtures_exports import (
    PATENT_MERGES,
    has_value,
    patent_rows,
    value_of,
    write_csv,
    write_xlsx,
)

PROVINCE, GUANGZHOU, SHENZHEN, HUIZHOU = "440000", "440100", "440300", "441300"


def patent_xlsx(tmp_path: Path, name: str = "patent_export.xlsx", **kwargs) -> Path:
    return write_xlsx(tmp_path, name, patent_rows(**kwargs), merges=PATENT_MERGES)


# ----------------------------------------------------------------------------- quirk 1


def test_quirk01_title_lines_above_the_header(tmp_path: Path) -> None:
    rows = [
        ["2024年1-6月全省各地市专利授权状况统计表"],
        ["单位：件"],
        ["填报单位：广东省知识产权局", None, None, "填报日期：2024年7月10日"],
        ["地区", "发明专利授权量", "外观设计专利授权量"],
        ["广州", 8000, 9000],
        ["深圳", 15000, 20000],
    ]
    path = write_xlsx(tmp_path, "export.xlsx", rows, merges=["A1:C1", "A2:C2"])
    parsed = parse_file(path)
    assert parsed.layout == "wide_1row_header"
    assert parsed.title.startswith("2024年1-6月全省各地市专利授权状况统计表")
    assert (parsed.period_type, parsed.period_start, parsed.period_end) == ("month", date(2024, 1, 1),
                                                                           date(2024, 6, 30))
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants") == 8000
    assert value_of(parsed, SHENZHEN, "patent_design_grants") == 20000
    assert set(parsed.observations["source_row"]) == {5, 6}
    assert parsed.rejections == []


def test_quirk01_no_title_at_all(tmp_path: Path) -> None:
    rows = [["地区", "发明专利授权量"], ["广州", 8000]]
    parsed = parse_file(write_csv(tmp_path, "专利_2024年1-6月.csv", rows))
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants") == 8000
    assert parsed.observations["source_row"].tolist() == [2]


# ----------------------------------------------------------------------------- quirk 2


def test_quirk02_two_row_header_with_merged_cells(tmp_path: Path) -> None:
    parsed = parse_file(patent_xlsx(tmp_path))
    assert parsed.layout == "wide_2row_header"
    assert value_of(parsed, GUANGZHOU, "patent_invention_applications") == 20000
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants") == 8000
    assert value_of(parsed, GUANGZHOU, "patent_design_grants") == 9000
    assert value_of(parsed, GUANGZHOU, "patent_invention_valid") == 150000
    columns = dict(zip(parsed.observations["measure_code"], parsed.observations["source_column"], strict=False))
    assert columns["patent_invention_grants"] == "发明专利 / 授权量"
    assert columns["patent_invention_valid"] == "有效发明专利量"
    assert len(parsed.observations) == 3 * 4


def test_quirk02_two_row_header_in_csv_with_blank_group_cells(tmp_path: Path) -> None:
    rows = [
        ["地区", "专利授权量", None, None, None, "发明专利", None],
        [None, "合计", "发明", "实用新型", "外观设计", "申请量", "有效量"],
        ["广州", 100, 40, 35, 25, 90, 1000],
    ]
    parsed = parse_file(write_csv(tmp_path, "patent_2024-06.csv", rows))
    assert value_of(parsed, GUANGZHOU, "patent_grants_total") == 100
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants") == 40
    assert value_of(parsed, GUANGZHOU, "patent_utility_grants") == 35
    assert value_of(parsed, GUANGZHOU, "patent_design_grants") == 25
    assert value_of(parsed, GUANGZHOU, "patent_invention_applications") == 90
    assert value_of(parsed, GUANGZHOU, "patent_invention_valid") == 1000


# ----------------------------------------------------------------------------- quirk 3


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_quirk03_csv_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    rows = [
        ["2024年第二季度全省商标注册情况"],
        ["地区", "商标申请量", "商标注册量", "有效注册商标量"],
        ["广州市", 52000, 41000, 1500000],
        ["揭阳", 3000, 2000, 90000],
        ["注：有效注册商标量为期末数"],
    ]
    parsed = parse_file(write_csv(tmp_path, f"tm_{encoding}.csv", rows, encoding=encoding))
    assert parsed.encoding == encoding if encoding != "gbk" else parsed.encoding == "gb18030"
    assert parsed.source_kind == "trademark"
    assert (parsed.period_type, parsed.period_end) == ("quarter", date(2024, 6, 30))
    assert value_of(parsed, GUANGZHOU, "tm_applications", basis="ytd") == 52000
    assert value_of(parsed, "445200", "tm_valid") == 90000


def test_quirk03_undecodable_bytes_are_not_mistaken_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "tm_2024Q2.csv"
    path.write_bytes("地区,商标申请量\n东莞,1234\n".encode("gb18030"))
    parsed = parse_file(path)
    assert value_of(parsed, "441900", "tm_applications") == 1234


# ----------------------------------------------------------------------------- quirk 4


def test_quirk04_fullwidth_digits_separators_and_spaces(tmp_path: Path) -> None:
    rows = [
        ["地区", "发明专利授权量", "专利授权量", "有效发明专利量", "高价值发明专利拥有量"],
        ["广　州", "３５１２", "１，２３４", " 1,234,567 ", "  88 "],
        ["深圳", "３５１２．０", "12,345.5", "\u3000７\u3000", "0"],
    ]
    parsed = parse_file(write_csv(tmp_path, "专利统计2024年6月.csv", rows))
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants") == 3512
    assert value_of(parsed, GUANGZHOU, "patent_grants_total") == 1234
    assert value_of(parsed, GUANGZHOU, "patent_invention_valid") == 1234567
    assert value_of(parsed, GUANGZHOU, "patent_invention_high_value") == 88
    assert value_of(parsed, SHENZHEN, "patent_invention_grants") == 3512
    assert value_of(parsed, SHENZHEN, "patent_grants_total") == 12345.5
    assert value_of(parsed, SHENZHEN, "patent_invention_valid") == 7
    assert value_of(parsed, SHENZHEN, "patent_invention_high_value") == 0  # zero is a value
    assert parsed.rejections == []


def test_quirk04_fullwidth_decimal_point_in_a_rate(tmp_path: Path) -> None:
    rows = [["地区", "一审服判息诉率（%）"], ["广州", "３５．１"], ["深圳", "９２．５％"]]
    parsed = parse_file(write_csv(tmp_path, "案件_2024年度.csv", rows))
    assert value_of(parsed, GUANGZHOU, "case_court_acceptance_rate") == 35.1
    assert value_of(parsed, SHENZHEN, "case_court_acceptance_rate") == 92.5


def test_quirk04_malformed_thousands_separator_is_rejected(tmp_path: Path) -> None:
    rows = [["地区", "发明专利授权量"], ["广州", "12,34"]]
    parsed = parse_file(write_csv(tmp_path, "patent_2024-06.csv", rows))
    assert parsed.observations.empty
    assert "thousands separators" in parsed.rejections[0].reason


# ----------------------------------------------------------------------------- quirk 5


@pytest.mark.parametrize("raw", ["２７ ８", "27 8", "1 234", "27\u30008"])
def test_quirk05_digits_separated_by_space_are_rejected(tmp_path: Path, raw: str) -> None:
    rows = [["2024年全省质押融资统计（单位：万元）"],
            ["地区", "专利权质押金额", "商标权质押金额"],
            ["广州", raw, "27.8"]]
    parsed = parse_file(write_xlsx(tmp_path, "pledge.xlsx", rows))
    assert not has_value(parsed, GUANGZHOU, "pledge_amount_patent")
    assert value_of(parsed, GUANGZHOU, "pledge_amount_trademark") == 27.8
    [rejection] = parsed.rejections
    assert isinstance(rejection, Rejection)
    assert (rejection.row_no, rejection.column_name, rejection.raw_value) == (3, "专利权质押金额", raw)
    assert "ambiguous" in rejection.reason
    for part in ("pledge.xlsx", "row 3", "专利权质押金额", raw):
        assert part in rejection.reason


# ----------------------------------------------------------------------------- quirk 6


@pytest.mark.parametrize("marker", ["——", "—", "-", "/", "…", "暂无", "", None, " ", "－", "……"])
def test_quirk06_missing_markers_mean_missing_not_zero(tmp_path: Path, marker: object) -> None:
    rows = [["地区", "发明专利授权量", "有效发明专利量"], ["广州", marker, 10], ["深圳", 5, marker]]
    parsed = parse_file(write_xlsx(tmp_path, "patent_2024年1-6月.xlsx", rows))
    assert not has_value(parsed, GUANGZHOU, "patent_invention_grants")
    assert not has_value(parsed, SHENZHEN, "patent_invention_valid")
    assert value_of(parsed, GUANGZHOU, "patent_invention_valid") == 10
    assert value_of(parsed, SHENZHEN, "patent_invention_grants") == 5
    assert parsed.rejections == []
    assert 0 not in parsed.observations["value"].tolist()


# ----------------------------------------------------------------------------- quirk 7


def test_quirk07_footnote_lines_end_the_table(tmp_path: Path) -> None:
    rows = patent_rows(data=[
        ["广州", 20000, 8000, 9000, 150000],
        ["深圳", 40000, 15000, 20000, 300000],
        [None],
        ["注：1. 广州数据为初步统计；2. 深圳含前海。"],
        ["数据来源：国家知识产权局", None, None, None, None],
        ["说明：有效发明专利量为期末数。"],
        ["东莞", 1, 2, 3, 4],  # below the footnotes: not part of the table
    ])
    parsed = parse_file(write_xlsx(tmp_path, "patent.xlsx", rows, merges=PATENT_MERGES + ("A8:E8",)))
    assert set(parsed.observations["region_code"]) == {GUANGZHOU, SHENZHEN}
    assert parsed.rejections == []
    assert any("footnote" in note for note in parsed.notes)


# ----------------------------------------------------------------------------- quirk 8


def test_quirk08_total_row_at_the_top_and_blank_rows(tmp_path: Path) -> None:
    rows = patent_rows(data=[
        ["全省", 80000, 30000, 50000, 600000],
        [None, None, None, None, None],
        ["广州", 20000, 8000, 9000, 150000],
        [],
        ["深圳", 40000, 15000, 20000, 300000],
    ])
    parsed = parse_file(write_xlsx(tmp_path, "patent.xlsx", rows, merges=PATENT_MERGES))
    assert value_of(parsed, PROVINCE, "patent_invention_grants") == 30000
    assert value_of(parsed, SHENZHEN, "patent_invention_grants") == 15000
    assert parsed.rejections == []
    assert parsed.rows_read == 3


def test_quirk08_total_row_at_the_bottom(tmp_path: Path) -> None:
    rows = [["2024年6月专利"], ["地区", "发明专利授权量"], ["广州", 8000], ["深圳", 15000], [None], ["合计", 30000]]
    parsed = parse_file(write_csv(tmp_path, "p.csv", rows))
    assert value_of(parsed, PROVINCE, "patent_invention_grants") == 30000


def test_quirk08_total_row_of_a_district_table_is_the_city(tmp_path: Path) -> None:
    rows = [["2024年1-6月惠州市各县（区）专利授权情况"],
            ["县（市、区）", "发明专利授权量"],
            ["惠城区", 500], ["惠阳", 300], ["博罗县", 200], ["合计", 1000]]
    parsed = parse_file(write_csv(tmp_path, "惠州专利.csv", rows))
    assert value_of(parsed, HUIZHOU, "patent_invention_grants") == 1000
    assert value_of(parsed, "441302", "patent_invention_grants") == 500
    assert not has_value(parsed, PROVINCE, "patent_invention_grants")


# ----------------------------------------------------------------------------- quirk 9


def test_quirk09_value_markers(tmp_path: Path) -> None:
    rows = [
        ["地区", "发明专利授权量", "有效发明专利量", "一审服判息诉率"],
        ["广州", "1234*", "1,234（含港澳台）", "12.5%"],
        ["深圳", "５６７＊", "89(初步数)", "99%"],
    ]
    parsed = parse_file(write_csv(tmp_path, "综合_2024年度.csv", rows))
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants") == 1234
    assert value_of(parsed, GUANGZHOU, "patent_invention_valid") == 1234
    assert value_of(parsed, GUANGZHOU, "case_court_acceptance_rate") == 12.5
    assert value_of(parsed, SHENZHEN, "patent_invention_grants") == 567
    assert value_of(parsed, SHENZHEN, "patent_invention_valid") == 89
    assert value_of(parsed, SHENZHEN, "case_court_acceptance_rate") == 99
    assert parsed.rejections == []


def test_quirk09_percent_in_a_count_column_is_rejected(tmp_path: Path) -> None:
    rows = [["地区", "发明专利授权量"], ["广州", "12.5%"]]
    parsed = parse_file(write_csv(tmp_path, "patent_2024-06.csv", rows))
    assert parsed.observations.empty
    assert "percentage" in parsed.rejections[0].reason


def test_quirk09_percent_formatted_xlsx_cell(tmp_path: Path) -> None:
    rows = [["地区", "一审服判息诉率"], ["广州", 0.925]]
    parsed = parse_file(write_xlsx(tmp_path, "cases_2024年度.xlsx", rows, percent_cells=["B2"]))
    assert value_of(parsed, GUANGZHOU, "case_court_acceptance_rate") == 92.5


# ----------------------------------------------------------------------------- quirk 10


def test_quirk10_same_region_twice_rejects_both_rows(tmp_path: Path) -> None:
    rows = [["地区", "发明专利授权量", "有效发明专利量"],
            ["广州", 8000, 150000], ["深圳", 15000, 300000], ["广州市", 8100, 151000]]
    parsed = parse_file(write_csv(tmp_path, "patent_2024年1-6月.csv", rows))
    assert not has_value(parsed, GUANGZHOU, "patent_invention_grants")
    assert not has_value(parsed, GUANGZHOU, "patent_invention_valid")
    assert value_of(parsed, SHENZHEN, "patent_invention_grants") == 15000
    assert [(r.row_no, r.column_name, r.raw_value) for r in parsed.rejections] == [(2, "地区", "广州"),
                                                                                  (4, "地区", "广州市")]
    for rejection in parsed.rejections:
        assert "440100" in rejection.reason and "rows 2, 4" in rejection.reason
        assert "none of these rows is loaded" in rejection.reason


# ----------------------------------------------------------------------------- quirk 11


def test_quirk11_period_only_in_the_title(tmp_path: Path) -> None:
    parsed = parse_file(patent_xlsx(tmp_path, name="export.xlsx", title="2024年第三季度全省专利统计"))
    assert (parsed.period_type, parsed.period_end) == ("quarter", date(2024, 9, 30))
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants") == 8000


@pytest.mark.parametrize(("file_name", "period_type", "period_end"), [
    ("广东省专利统计_2024年1-6月.xlsx", "month", date(2024, 6, 30)),
    ("patent_2024-06.xlsx", "month", date(2024, 6, 30)),
    ("2024年上半年专利.xlsx", "half", date(2024, 6, 30)),
    ("patent_2024Q3.xlsx", "quarter", date(2024, 9, 30)),
    ("专利2024年度.xlsx", "year", date(2024, 12, 31)),
])
def test_quirk11_period_only_in_the_file_name(tmp_path: Path, file_name: str, period_type: str,
                                              period_end: date) -> None:
    parsed = parse_file(patent_xlsx(tmp_path, name="x.xlsx", title="全省各地市专利授权状况统计表"),
                        original_name=file_name)
    assert parsed.source_file == file_name
    assert (parsed.period_type, parsed.period_end) == (period_type, period_end)


def test_quirk11_title_and_file_name_agree(tmp_path: Path) -> None:
    parsed = parse_file(patent_xlsx(tmp_path), original_name="专利_2024年6月.xlsx")
    assert (parsed.period_type, parsed.period_start, parsed.period_end) == ("month", date(2024, 1, 1),
                                                                           date(2024, 6, 30))


def test_quirk11_title_and_file_name_contradict(tmp_path: Path) -> None:
    with pytest.raises(FileQuarantined) as caught:
        parse_file(patent_xlsx(tmp_path), original_name="专利_2024年1-9月.xlsx")
    assert "contradicts" in caught.value.reason
    assert "2024年1-6月" in caught.value.reason and "2024年1-9月" in caught.value.reason
    assert "专利_2024年1-9月.xlsx" in str(caught.value)


def test_quirk11_period_missing(tmp_path: Path) -> None:
    with pytest.raises(FileQuarantined) as caught:
        parse_file(patent_xlsx(tmp_path, title="全省各地市专利授权状况统计表"), original_name="专利统计.xlsx")
    assert "period missing" in caught.value.reason


# ----------------------------------------------------------------------------- quirk 13


def test_quirk13_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty_2024年6月.csv").write_bytes(b"")
    with pytest.raises(FileQuarantined, match="empty file"):
        parse_file(tmp_path / "empty_2024年6月.csv")
    (tmp_path / "bom_only.csv").write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(FileQuarantined, match="empty file"):
        parse_file(tmp_path / "bom_only.csv")


def test_quirk13_empty_workbook(tmp_path: Path) -> None:
    with pytest.raises(FileQuarantined, match="empty file"):
        parse_file(write_xlsx(tmp_path, "empty_2024年6月.xlsx", []))


def test_quirk13_truncated_xlsx(tmp_path: Path) -> None:
    whole = patent_xlsx(tmp_path, name="whole.xlsx").read_bytes()
    path = tmp_path / "专利_2024年1-6月.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(FileQuarantined) as caught:
        parse_file(path)
    assert "unreadable XLSX" in caught.value.reason


def test_quirk13_xlsx_with_a_damaged_member(tmp_path: Path) -> None:
    whole = patent_xlsx(tmp_path, name="whole.xlsx")
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    with pytest.raises(FileQuarantined, match="unreadable XLSX"):
        parse_file(damaged)


def test_quirk13_unknown_header_layout(tmp_path: Path) -> None:
    rows = [["2024年6月统计"], ["地区", "软件著作权数", "驰名商标认定"], ["广州", 1, 2]]
    with pytest.raises(FileQuarantined) as caught:
        parse_file(write_csv(tmp_path, "unknown.csv", rows))
    assert "unknown header layout" in caught.value.reason


def test_quirk13_sheet_without_region_column(tmp_path: Path) -> None:
    rows = [["2024年1-6月全省专利统计"], ["指标", "发明专利授权量", "有效发明专利量"], ["本期", 30000, 600000]]
    with pytest.raises(FileQuarantined) as caught:
        parse_file(write_xlsx(tmp_path, "noregion.xlsx", rows))
    assert "no region column" in caught.value.reason


def test_quirk13_legacy_xls_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "old_2024年6月.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(FileQuarantined, match="legacy .xls"):
        parse_file(path)


# ----------------------------------------------------------------------------- year rows, bases


def test_december_ytd_file_also_yields_year_rows(tmp_path: Path) -> None:
    rows = [["2024年1-12月全省专利统计"], ["地区", "发明专利授权量", "有效发明专利量"], ["广州", 16000, 155000]]
    parsed = parse_file(write_csv(tmp_path, "p.csv", rows))
    frame = parsed.observations.sort_values(["measure_code", "period_type"])
    assert list(zip(frame["measure_code"], frame["period_type"], frame["basis"], frame["period_end"],
                    frame["value"], strict=True)) == [
        ("patent_invention_grants", "month", "ytd", date(2024, 12, 31), 16000.0),
        ("patent_invention_grants", "year", "period", date(2024, 12, 31), 16000.0),
        ("patent_invention_valid", "month", "stock", date(2024, 12, 31), 155000.0),
        ("patent_invention_valid", "year", "stock", date(2024, 12, 31), 155000.0),
    ]


def test_fourth_quarter_ytd_yields_year_rows_and_rates(tmp_path: Path) -> None:
    rows = [["地区", "商标注册量", "一审服判息诉率（%）"], ["广州", 80000, 90.5]]
    parsed = parse_file(write_csv(tmp_path, "2024年第四季度.csv", rows))
    assert value_of(parsed, GUANGZHOU, "tm_registrations", "quarter", "ytd") == 80000
    assert value_of(parsed, GUANGZHOU, "tm_registrations", "year", "period") == 80000
    assert value_of(parsed, GUANGZHOU, "case_court_acceptance_rate", "year", "rate") == 90.5


def test_annual_file_yields_only_year_rows(tmp_path: Path) -> None:
    rows = [["2024年度全省知识产权案件统计"], ["地区", "行政案件结案数", "一审服判息诉率（%）"], ["深圳", 1200, 95.0]]
    parsed = parse_file(write_csv(tmp_path, "cases.csv", rows))
    assert parsed.source_kind == "case"
    assert set(parsed.observations["period_type"]) == {"year"}
    assert value_of(parsed, SHENZHEN, "case_admin_closed", "year", "period") == 1200
    assert value_of(parsed, SHENZHEN, "case_court_acceptance_rate", "year", "rate") == 95.0


def test_half_year_files(tmp_path: Path) -> None:
    rows = [["地区", "行政案件结案数", "有效发明专利量"], ["深圳", 600, 300000]]
    first = parse_file(write_csv(tmp_path, "cases_2024年上半年.csv", rows))
    assert (first.period_type, first.period_start, first.period_end) == ("half", date(2024, 1, 1),
                                                                        date(2024, 6, 30))
    assert value_of(first, SHENZHEN, "case_admin_closed", "half", "ytd") == 600
    assert set(first.observations["period_type"]) == {"half"}
    second = parse_file(write_csv(tmp_path, "cases_2024年下半年.csv", rows))
    assert (second.period_start, second.period_end) == (date(2024, 7, 1), date(2024, 12, 31))
    assert value_of(second, SHENZHEN, "case_admin_closed", "half", "period") == 600
    assert not has_value(second, SHENZHEN, "case_admin_closed") or \
        "year" not in set(second.observations.query("measure_code == 'case_admin_closed'")["period_type"])
    assert value_of(second, SHENZHEN, "patent_invention_valid", "year", "stock") == 300000


def test_single_month_columns_have_basis_period(tmp_path: Path) -> None:
    rows = [
        ["2024年6月全省专利授权情况"],
        ["地区", "发明专利授权量", None, "有效发明专利量"],
        [None, "当月", "本年累计", None],
        ["广州", 1300, 8000, 150000],
    ]
    parsed = parse_file(write_xlsx(tmp_path, "p.xlsx", rows, merges=["B2:C2", "A2:A3", "D2:D3"]))
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants", "month", "period") == 1300
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants", "month", "ytd") == 8000
    assert value_of(parsed, GUANGZHOU, "patent_invention_valid", "month", "stock") == 150000


def test_comparison_columns_are_skipped(tmp_path: Path) -> None:
    rows = [
        ["地区", "发明专利授权量", None, None, "排名"],
        [None, "2024年1-6月", "2023年1-6月", "同比增长（%）", None],
        ["广州", 8000, 7000, 14.3, 1],
    ]
    parsed = parse_file(write_csv(tmp_path, "patent_2024年1-6月.csv", rows))
    assert parsed.observations["value"].tolist() == [8000.0]
    assert len(parsed.notes) >= 3


# ----------------------------------------------------------------------------- units


def test_unit_conversions_money(tmp_path: Path) -> None:
    rows = [
        ["2024年上半年全省知识产权质押融资情况"],
        ["地区", "专利权质押金额（亿元）", "商标权质押金额（元）", "知识产权质押融资金额", "质押项目数"],
        ["单位", None, None, "万元", "项"],
        ["广州", "12.5", "3,500,000", "128500", 42],
    ]
    parsed = parse_file(write_csv(tmp_path, "pledge.csv", rows))
    assert parsed.source_kind == "pledge"
    assert value_of(parsed, GUANGZHOU, "pledge_amount_patent") == 125000.0
    assert value_of(parsed, GUANGZHOU, "pledge_amount_trademark") == 350.0
    assert value_of(parsed, GUANGZHOU, "pledge_amount_total") == 128500.0
    assert value_of(parsed, GUANGZHOU, "pledge_projects") == 42
    assert set(parsed.observations["unit"]) == {"万元", "项"}


def test_unit_from_title_line_and_counts_in_wan_jian(tmp_path: Path) -> None:
    rows = [["2024年1-6月全省专利授权"], ["单位：万件"], ["地区", "发明专利授权量", "专利授权量"],
            ["全省", "3.51", 35.1]]
    parsed = parse_file(write_xlsx(tmp_path, "p.xlsx", rows))
    assert value_of(parsed, PROVINCE, "patent_invention_grants") == 35100
    assert value_of(parsed, PROVINCE, "patent_grants_total") == 351000


def test_unknown_unit_rejects_the_values(tmp_path: Path) -> None:
    rows = [["地区", "专利权质押金额（万美元）", "商标权质押金额（万元）"], ["广州", 100, 200], ["深圳", "—", 300]]
    parsed = parse_file(write_csv(tmp_path, "pledge_2024H1.csv", rows))
    assert not has_value(parsed, GUANGZHOU, "pledge_amount_patent")
    assert value_of(parsed, GUANGZHOU, "pledge_amount_trademark") == 200
    [rejection] = parsed.rejections
    assert (rejection.row_no, rejection.column_name, rejection.raw_value) == (2, "专利权质押金额（万美元）", "100")
    assert "unknown unit '万美元'" in rejection.reason


def test_money_without_unit_is_rejected_not_assumed(tmp_path: Path) -> None:
    rows = [["地区", "专利权质押金额", "质押项目数"], ["广州", 100, 5]]
    parsed = parse_file(write_csv(tmp_path, "pledge_2024年度.csv", rows))
    assert value_of(parsed, GUANGZHOU, "pledge_projects") == 5
    assert not has_value(parsed, GUANGZHOU, "pledge_amount_patent")
    assert "no unit stated" in parsed.rejections[0].reason


def test_reference_population_in_persons_and_wan(tmp_path: Path) -> None:
    rows = [["2024年各市常住人口和市场主体"], ["地区", "常住人口（人）", "实有市场主体（户）"],
            ["广州", "18,827,000", 3200000], ["清远市", 3970000, "——"]]
    parsed = parse_file(write_xlsx(tmp_path, "reference.xlsx", rows))
    assert parsed.source_kind == "reference"
    assert (parsed.period_type, parsed.period_end) == ("year", date(2024, 12, 31))
    assert value_of(parsed, GUANGZHOU, "population", "year", "stock") == 1882.7
    assert value_of(parsed, "441800", "population") == 397.0
    assert value_of(parsed, GUANGZHOU, "market_entities") == 3200000
    rows = [["地区", "年末常住人口（万人）"], ["惠州", 607.78]]
    parsed = parse_file(write_csv(tmp_path, "人口_2023年.csv", rows))
    assert value_of(parsed, HUIZHOU, "population") == 607.78


def test_reference_with_a_year_column(tmp_path: Path) -> None:
    rows = [["2016-2025年常住人口"], ["地区", "年份", "常住人口（万人）"],
            ["惠州", 2020, 604.29], ["惠州", "2021年", 606.6], ["肇庆高新区", 2021, 20.1], ["广州", "20x1", 1]]
    parsed = parse_file(write_csv(tmp_path, "population_history.csv", rows))
    assert parsed.layout == "wide_year_1row_header"
    assert (parsed.period_start, parsed.period_end) == (date(2020, 1, 1), date(2021, 12, 31))
    frame = parsed.observations
    assert list(zip(frame["region_code"], frame["period_end"], frame["value"], strict=True)) == [
        (HUIZHOU, date(2020, 12, 31), 604.29), (HUIZHOU, date(2021, 12, 31), 606.6),
        ("441290", date(2021, 12, 31), 20.1)]
    assert parsed.rejections[0].raw_value == "20x1"


# ----------------------------------------------------------------------------- regions


def test_unknown_region_rejects_the_row_with_the_name(tmp_path: Path) -> None:
    rows = [["地区", "发明专利授权量"], ["广州", 8000], ["珠三角九市", 50000], ["其中：深圳", 15000],
            ["肇庆高新技术产业开发区", 12], ["连南", 1]]
    parsed = parse_file(write_csv(tmp_path, "patent_2024-06.csv", rows))
    assert value_of(parsed, SHENZHEN, "patent_invention_grants") == 15000
    assert value_of(parsed, "441290", "patent_invention_grants") == 12
    assert value_of(parsed, "441826", "patent_invention_grants") == 1
    [rejection] = parsed.rejections
    assert (rejection.row_no, rejection.column_name, rejection.raw_value) == (3, "地区", "珠三角九市")
    assert "unknown region name '珠三角九市'" in rejection.reason
    assert "patent_2024-06.csv: row 3" in rejection.reason


# ----------------------------------------------------------------------------- tidy indicator layout


def test_tidy_indicator_layout(tmp_path: Path) -> None:
    rows = [
        ["region", "indicator", "year", "value", "unit"],
        ["广东省", "知识产权保护社会满意度（分）", 2023, "82.5", "分"],
        ["惠州", "地理标志产品交易额", "2024", "35,000", "万元"],
        ["清远", "专利密集型产业增加值占地区生产总值比重", 2024, "12.5%", None],
        ["清远", "不存在的指标", 2024, 1, "个"],
        ["火星", "知识产权保护社会满意度", 2024, 80, "分"],
        ["广州", "知识产权保护社会满意度", 2024, "８０．１", "万元"],
        ["深圳", "知识产权保护社会满意度", 2024, "—", "分"],
    ]
    parsed = parse_file(write_csv(tmp_path, "indicators_2024.csv", rows, encoding="gb18030"))
    assert (parsed.source_kind, parsed.layout, parsed.period_type) == ("indicator", "tidy_indicator", "year")
    assert (parsed.period_start, parsed.period_end) == (date(2023, 1, 1), date(2024, 12, 31))
    assert parsed.observations.empty
    values = parsed.indicator_values
    assert list(values.columns) == ["region_code", "indicator_code", "year", "value", "unit", "source_row"]
    assert values.to_dict("records") == [
        {"region_code": PROVINCE, "indicator_code": "protection_satisfaction", "year": 2023, "value": 82.5,
         "unit": "分", "source_row": 2},
        {"region_code": HUIZHOU, "indicator_code": "gi_product_trade", "year": 2024, "value": 3.5,
         "unit": "亿元", "source_row": 3},
        {"region_code": "441800", "indicator_code": "patent_intensive_industry_gdp_share", "year": 2024,
         "value": 12.5, "unit": "%", "source_row": 4},
    ]
    reasons = {r.row_no: r.reason for r in parsed.rejections}
    assert set(reasons) == {5, 6, 7}
    assert "unknown indicator" in reasons[5]
    assert "unknown region name '火星'" in reasons[6]
    assert "cannot be converted" in reasons[7]


def test_tidy_duplicates_are_rejected(tmp_path: Path) -> None:
    rows = [["地区", "指标", "年份", "数值", "单位"],
            ["广州", "作品登记量", 2024, 100, "件"], ["广州市", "版权登记量", 2024, 101, "件"],
            ["广州", "作品登记量", 2023, 90, "件"]]
    parsed = parse_file(write_csv(tmp_path, "tidy.csv", rows))
    assert parsed.indicator_values[["year", "value"]].values.tolist() == [[2023, 90.0]]
    assert [r.row_no for r in parsed.rejections] == [2, 3]
    assert "none of these rows is loaded" in parsed.rejections[0].reason


# ----------------------------------------------------------------------------- contract shape


def test_parsed_file_contract(tmp_path: Path) -> None:
    parsed = parse_file(patent_xlsx(tmp_path), original_name="received/专利_2024年1-6月.xlsx")
    assert isinstance(parsed, ParsedFile)
    assert parsed.source_file == "专利_2024年1-6月.xlsx"
    assert parsed.source_kind == "patent"
    assert list(parsed.observations.columns) == ["region_code", "measure_code", "period_end", "period_type",
                                                 "basis", "value", "unit", "source_row", "source_column"]
    assert str(parsed.observations["value"].dtype) == "float64"
    assert str(parsed.observations["source_row"].dtype) == "int64"
    assert all(isinstance(d, date) for d in parsed.observations["period_end"])
    assert list(parsed.indicator_values.columns) == ["region_code", "indicator_code", "year", "value", "unit",
                                                     "source_row"]


# ----------------------------------------------------------------------------- more layout cases


def test_city_total_word_outside_a_district_table_is_rejected(tmp_path: Path) -> None:
    rows = [["地区", "发明专利授权量"], ["广州", 8000], ["惠城区", 500], ["全市", 9000]]
    parsed = parse_file(write_csv(tmp_path, "patent_2024-06.csv", rows))
    assert set(parsed.observations["region_code"]) == {GUANGZHOU, "441302"}
    [rejection] = parsed.rejections
    assert (rejection.row_no, rejection.raw_value) == (4, "全市")
    assert "names no region" in rejection.reason


def test_two_columns_for_one_measure_are_ambiguous(tmp_path: Path) -> None:
    rows = [["地区", "有效发明专利量", "发明专利有效量", "发明专利授权量"], ["广州", 1, 2, 3]]
    parsed = parse_file(write_csv(tmp_path, "patent_2024-06.csv", rows))
    assert parsed.observations["measure_code"].tolist() == ["patent_invention_grants"]
    assert [r.column_name for r in parsed.rejections] == ["有效发明专利量", "发明专利有效量"]
    assert all("ambiguous header" in r.reason for r in parsed.rejections)


def test_exact_header_beats_sub_header_alone(tmp_path: Path) -> None:
    rows = [["2024年第一季度质押融资"], ["地区", "专利权质押", None, "质押项目数"],
            [None, "金额（万元）", "项目数", None], ["广州", 100, 3, 7]]
    parsed = parse_file(write_csv(tmp_path, "pledge.csv", rows))
    assert value_of(parsed, GUANGZHOU, "pledge_projects") == 7
    assert value_of(parsed, GUANGZHOU, "pledge_amount_patent") == 100
    assert "more exactly" in parsed.rejections[0].reason


def test_unit_row_with_unit_label_in_the_region_column(tmp_path: Path) -> None:
    rows = [["2024年全省常住人口"], ["地区", "常住人口", "市场主体数"], ["单位", "万人", "万户"],
            ["广州", 1882.7, "３２０．５"]]
    parsed = parse_file(write_xlsx(tmp_path, "ref.xlsx", rows))
    assert value_of(parsed, GUANGZHOU, "population") == 1882.7
    assert value_of(parsed, GUANGZHOU, "market_entities") == 3205000


def test_population_without_unit_is_rejected(tmp_path: Path) -> None:
    rows = [["地区", "常住人口"], ["广州", 1882.7]]
    parsed = parse_file(write_csv(tmp_path, "人口2024年.csv", rows))
    assert parsed.observations.empty
    assert "no unit stated for population" in parsed.rejections[0].reason


def test_title_unit_applies_only_to_columns_of_its_kind(tmp_path: Path) -> None:
    rows = [["2024年上半年质押融资（单位：亿元）"], ["地区", "知识产权质押融资金额", "质押项目数"], ["广州", 1.5, 12]]
    parsed = parse_file(write_csv(tmp_path, "pledge.csv", rows))
    assert value_of(parsed, GUANGZHOU, "pledge_amount_total") == 15000
    assert value_of(parsed, GUANGZHOU, "pledge_projects") == 12


def test_mixed_kinds_take_the_kind_named_in_the_title(tmp_path: Path) -> None:
    rows = [["2024年1-6月全省商标主要指标"], ["地区", "商标申请量", "有效注册商标量", "发明专利授权量"],
            ["广州", 1, 2, 3]]
    parsed = parse_file(write_csv(tmp_path, "x.csv", rows))
    assert parsed.source_kind == "trademark"
    assert len(parsed.observations) == 3
    assert any("several source kinds" in n for n in parsed.notes)


def test_first_sheet_empty_reads_the_next(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    sheet = workbook.create_sheet("数据")
    for row in [["2024年6月专利"], ["地区", "发明专利授权量"], ["广州", 8000]]:
        sheet.append(row)
    workbook.save(tmp_path / "two_sheets.xlsx")
    parsed = parse_file(tmp_path / "two_sheets.xlsx")
    assert parsed.sheet == "数据"
    assert value_of(parsed, GUANGZHOU, "patent_invention_grants") == 8000


def test_no_data_rows_is_quarantined(tmp_path: Path) -> None:
    rows = [["2024年6月专利"], ["地区", "发明专利授权量"], ["注：本月无数据"]]
    with pytest.raises(FileQuarantined, match="no data rows"):
        parse_file(write_csv(tmp_path, "p.csv", rows))


def test_rejections_name_file_row_column_and_value(tmp_path: Path) -> None:
    rows = [["2024年6月专利"], ["地区", "发明专利授权量", "有效发明专利量"],
            ["广州", "abc", "12,34"], ["未知市", 1, 2], [None, 5, 6]]
    parsed = parse_file(write_csv(tmp_path, "p.csv", rows))
    assert [(r.row_no, r.column_name, r.raw_value) for r in parsed.rejections] == [
        (3, "发明专利授权量", "abc"), (3, "有效发明专利量", "12,34"), (4, "地区", "未知市"), (5, "地区", "")]
    for r in parsed.rejections:
        assert r.reason.startswith(f"p.csv: row {r.row_no}, column '{r.column_name}', value '{r.raw_value}': ")


def test_unit_row_with_missing_markers_and_title_with_two_units(tmp_path: Path) -> None:
    rows = [["2024年第一季度质押融资"], ["单位：万元、项"], ["地区", "专利权质押金额", "质押项目数", "一审服判息诉率"],
            [None, "亿元", "-", "—"], ["广州", 1.5, 12, 90]]
    parsed = parse_file(write_csv(tmp_path, "pledge.csv", rows))
    assert value_of(parsed, GUANGZHOU, "pledge_amount_patent") == 15000
    assert value_of(parsed, GUANGZHOU, "pledge_projects") == 12
    assert value_of(parsed, GUANGZHOU, "case_court_acceptance_rate") == 90
    rows = [["2024年第一季度质押融资（单位：万元、项）"], ["地区", "专利权质押金额", "质押项目数"], ["广州", 1.5, 12]]
    parsed = parse_file(write_csv(tmp_path, "pledge2.csv", rows))
    assert value_of(parsed, GUANGZHOU, "pledge_amount_patent") == 1.5
    assert value_of(parsed, GUANGZHOU, "pledge_projects") == 12


def test_district_table_with_the_city_row_and_a_total(tmp_path: Path) -> None:
    rows = [["2024年6月惠州专利"], ["地区", "发明专利授权量"], ["惠州市", 1000], ["惠城区", 500], ["合计", 1000]]
    parsed = parse_file(write_csv(tmp_path, "p.csv", rows))
    assert parsed.observations["region_code"].tolist() == ["441302"]
    assert [r.row_no for r in parsed.rejections] == [3, 5]


def test_region_cells_with_codes(tmp_path: Path) -> None:
    rows = [["地区", "发明专利授权量"], ["440100 广州市", 1], ["440300", 2], ["440400深圳", 3],
            ["汕尾市（含深汕特别合作区）", 4], ["*湛江", 5], ["*注：带*的为快报数"]]
    parsed = parse_file(write_csv(tmp_path, "patent_2024-06.csv", rows))
    assert parsed.observations[["region_code", "value"]].values.tolist() == [[GUANGZHOU, 1.0], [SHENZHEN, 2.0],
                                                                             ["441500", 4.0], ["440800", 5.0]]
    assert parsed.rejections[0].raw_value == "440400深圳"


def test_three_row_header_with_month_and_cumulative_columns(tmp_path: Path) -> None:
    rows = [
        ["2024年6月全省专利统计"],
        ["地区", "发明专利", None, None, None, "有效发明专利量（件）"],
        [None, "申请量", None, "授权量", None, None],
        [None, "当月", "累计", "本月", "1-6月累计", None],
        ["广州", 2100, 12000, 1300, 8000, 150000],
    ]
    merges = ["A2:A4", "B2:E2", "B3:C3", "D3:E3", "F2:F4"]
    xlsx = parse_file(write_xlsx(tmp_path, "p.xlsx", rows, merges=merges))
    csv_ = parse_file(write_csv(tmp_path, "p.csv", rows))
    for parsed in (xlsx, csv_):
        assert parsed.layout == "wide_3row_header"
        assert value_of(parsed, GUANGZHOU, "patent_invention_applications", "month", "period") == 2100
        assert value_of(parsed, GUANGZHOU, "patent_invention_applications", "month", "ytd") == 12000
        assert value_of(parsed, GUANGZHOU, "patent_invention_grants", "month", "period") == 1300
        assert value_of(parsed, GUANGZHOU, "patent_invention_grants", "month", "ytd") == 8000
        assert value_of(parsed, GUANGZHOU, "patent_invention_valid", "month", "stock") == 150000
        assert parsed.rejections == []
    assert set(xlsx.observations["source_column"]) == {"发明专利 / 申请量 / 当月", "发明专利 / 申请量 / 累计",
                                                       "发明专利 / 授权量 / 本月", "发明专利 / 授权量 / 1-6月累计",
                                                       "有效发明专利量（件）"}


def test_period_from_the_header_when_title_and_name_have_none(tmp_path: Path) -> None:
    rows = [["地区", "2024年1-9月", None], [None, "商标申请量", "有效注册商标量"], ["广州", 90000, 1600000]]
    parsed = parse_file(write_csv(tmp_path, "trademarks.csv", rows))
    assert (parsed.period_type, parsed.period_end) == ("month", date(2024, 9, 30))
    assert value_of(parsed, GUANGZHOU, "tm_applications", "month", "ytd") == 90000


def test_tidy_without_year_column_takes_the_year_of_the_file_name(tmp_path: Path) -> None:
    rows = [["地区", "指标", "数值", "单位"], ["惠州", "作品登记量", "1,200", "件"]]
    parsed = parse_file(write_csv(tmp_path, "补充指标_2024年度.csv", rows))
    assert parsed.indicator_values[["region_code", "indicator_code", "year", "value"]].values.tolist() == [
        [HUIZHOU, "copyright_registrations", 2024, 1200.0]]
    with pytest.raises(FileQuarantined, match="no year column"):
        parse_file(write_csv(tmp_path, "补充指标.csv", rows))
