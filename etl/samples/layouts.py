"""The layouts of the sample exports, as data: which files exist for which period, what they are
called, which columns they carry and which quirks each file may show.

A *family* is one kind of export from one kind of sender (the province's city table of patents,
a city's district table of trademarks, ...). Its ``options`` list the presentation choices a file
of that family may take; each file draws its own choices deterministically, so the set mixes the
quirks of ``shared/specs/source-exports.md`` across files while every single file stays valid.

Choices that decide *what* a file says (the measures, the period wording and its period type,
the population unit) are drawn once per (kind, period) and shared by every file of that period:
a city's row then carries the same measures in the province table and in its own district
table, and a revision never shrinks a partition.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------- columns
# measure -> (flat header, two-row group, two-row sub header). A sub of None spans both rows.
COLUMN_HEADERS: dict[str, tuple[str, str, str | None]] = {
    "patent_invention_applications": ("发明专利申请量", "发明专利", "申请量"),
    "patent_invention_grants": ("发明专利授权量", "发明专利", "授权量"),
    "patent_invention_valid": ("有效发明专利量", "发明专利", "有效量"),
    "patent_utility_grants": ("实用新型专利授权量", "实用新型专利", "授权量"),
    "patent_design_grants": ("外观设计专利授权量", "外观设计专利", "授权量"),
    "patent_grants_total": ("专利授权量合计", "专利授权量", "合计"),
    "patent_pct_applications": ("PCT国际专利申请量", "PCT国际专利申请量", None),
    "patent_invention_high_value": ("高价值发明专利拥有量", "高价值发明专利拥有量", None),
    "patent_sei_invention_grants": ("战略性新兴产业发明专利授权量", "战略性新兴产业发明专利授权量", None),
    "patent_overseas_invention_grants": ("海外发明专利授权量", "海外发明专利授权量", None),
    "tm_applications": ("商标申请量", "商标", "申请量"),
    "tm_registrations": ("商标注册量", "商标", "注册量"),
    "tm_valid": ("有效注册商标量", "有效注册商标量", None),
    "tm_madrid_valid": ("马德里商标有效注册量", "马德里商标有效注册量", None),
    "tm_gi": ("地理标志商标", "地理标志商标", None),
    "tm_high_value": ("高价值商标拥有量", "高价值商标拥有量", None),
    "pledge_amount_patent": ("专利权质押金额", "专利权质押", "金额"),
    "pledge_amount_trademark": ("商标权质押金额", "商标权质押", "金额"),
    "pledge_amount_total": ("知识产权质押融资金额", "知识产权质押融资金额", None),
    "pledge_projects": ("质押项目数", "质押项目数", None),
    "case_admin_closed": ("专利、商标行政案件结案数量", "专利、商标行政案件结案数量", None),
    "case_copyright": ("版权案件查办量", "版权案件查办量", None),
    "case_aid_mediation": ("知识产权维权援助和调解办案量", "知识产权维权援助和调解办案量", None),
    "case_court_civil_closed": ("知识产权民事一审案件审结数", "知识产权民事一审案件审结数", None),
    "case_court_acceptance_rate": ("一审服判息诉率", "一审服判息诉率", None),
    "population": ("常住人口", "常住人口", None),
    "market_entities": ("市场主体数", "市场主体数", None),
}

# Unit family of each measure (the unit printed is chosen per file or per period).
UNIT_FAMILY = {m: "count" for m in COLUMN_HEADERS}
UNIT_FAMILY.update({
    "pledge_amount_patent": "money", "pledge_amount_trademark": "money", "pledge_amount_total": "money",
    "pledge_projects": "projects", "case_court_acceptance_rate": "rate", "population": "population",
    "market_entities": "entities",
})

STOCKS = {"patent_invention_valid", "patent_invention_high_value", "tm_valid", "tm_madrid_valid", "tm_gi",
          "tm_high_value", "population", "market_entities"}


def measures_for(kind: str, year: int, month: int) -> list[str]:
    """The measures that every export of ``kind`` for this period carries."""
    if kind == "patent":
        core = ["patent_invention_applications", "patent_invention_grants", "patent_invention_valid",
                "patent_utility_grants", "patent_design_grants", "patent_grants_total", "patent_pct_applications"]
        if month % 3 == 0 and year >= 2019:
            core += ["patent_invention_high_value", "patent_sei_invention_grants",
                     "patent_overseas_invention_grants"]
        return core
    if kind == "trademark":
        core = ["tm_applications", "tm_registrations", "tm_valid"]
        if month % 3 == 0:
            core += ["tm_madrid_valid", "tm_gi"] + (["tm_high_value"] if year >= 2019 else [])
        return core
    if kind == "pledge":
        return ["pledge_amount_patent", "pledge_amount_trademark", "pledge_amount_total", "pledge_projects"]
    if kind == "case":
        return ["case_admin_closed", "case_copyright", "case_aid_mediation", "case_court_civil_closed",
                "case_court_acceptance_rate"]
    if kind == "reference":
        return ["population", "market_entities"]
    raise ValueError(f"unknown source kind {kind!r}")


# ----------------------------------------------------------------------------- periods
_CN_QUARTER = {3: "一", 6: "二", 9: "三", 12: "四"}

# kind -> list of (wording id, weight); the wording is shared by all files of a (kind, period).
PERIOD_WORDINGS: dict[str, dict[str, list[tuple[str, int]]]] = {
    "patent": {"monthly": [("ytd", 6), ("ytd_dash", 1), ("month_split", 2)]},
    "trademark": {"monthly": [("ytd", 5), ("ytd_dash", 1)], "quarterly": [("quarter", 3), ("ytd", 1)]},
    "pledge": {"quarterly": [("pledge", 1)]},
    "case": {"half": [("case", 1)]},
    "reference": {"yearly": [("year", 1)]},
}


def period_text(wording: str, year: int, month: int) -> str:
    """The period as agencies write it in titles and file names."""
    if wording == "month_split" or month == 1 and wording in ("ytd", "ytd_dash"):
        return f"{year}年{month}月"
    if wording == "ytd":
        return f"{year}年1-{month}月"
    if wording == "ytd_dash":
        return f"{year}年1—{month}月"
    if wording == "quarter":
        return f"{year}年第{_CN_QUARTER[month]}季度"
    if wording == "pledge":
        return {3: f"{year}年第一季度", 6: f"{year}年上半年", 9: f"{year}年1-9月", 12: f"{year}年度"}[month]
    if wording == "case":
        return {6: f"{year}年上半年", 12: f"{year}年度"}[month]
    if wording == "year":
        return f"{year}年"
    raise ValueError(f"unknown period wording {wording!r}")


# ----------------------------------------------------------------------------- families
# scope: "province" (province total + its 21 cities) or "district" (a city + its districts).
# months: which month ends get a file; cadence picks the wording list of PERIOD_WORDINGS.
# names: file-name patterns ({p} period, {city} city name, {n} running issue number); a pattern
# without {p} leaves the period to the title. titles: main title patterns ({p} may be absent only
# when the file name has it, which the generator guarantees).
FAMILIES: dict[str, dict] = {
    "patent_cities": dict(
        kind="patent", scope="province", cadence="monthly", months=range(1, 13),
        names=["{p}全省各地市专利统计", "{p}广东省各地市专利授权状况统计", "广东省{p}专利统计数据",
               "专利统计月报（第{n}期）"],
        titles=["{p}全省各地市专利授权状况统计表", "广东省{p}各地级以上市专利统计表", "{p}广东省专利主要指标统计"],
        options=dict(fmt=[("xlsx", 3), ("csv", 1)], header=["two_row", "two_row", "flat"],
                     count_unit=["件"], money_unit=["万元"]),
    ),
    "patent_districts": dict(
        kind="patent", scope="district", cadence="monthly", months=range(1, 13),
        names=["{city}各县区{p}专利统计", "{city}{p}各县（市、区）专利情况", "{city}专利统计月报（第{n}期）"],
        titles=["{city}{p}各县（市、区）专利统计表", "{p}{city}各县区专利主要指标"],
        options=dict(fmt=[("xlsx", 2), ("csv", 1)], header=["two_row", "flat", "flat"],
                     count_unit=["件"], money_unit=["万元"]),
    ),
    "trademark_cities": dict(
        kind="trademark", scope="province", cadence="monthly_from_2020", months=range(1, 13),
        names=["{p}全省各地市商标统计", "{p}广东省商标注册情况", "商标统计（第{n}期）"],
        titles=["{p}全省各地市商标注册申请及注册情况统计表", "广东省{p}商标主要指标统计表"],
        options=dict(fmt=[("xlsx", 1), ("csv", 1)], header=["two_row", "flat"], count_unit=["件", "件", "万件"],
                     money_unit=["万元"]),
    ),
    "trademark_districts": dict(
        kind="trademark", scope="district", cadence="quarterly", months=(3, 6, 9, 12),
        names=["{city}{p}各县区商标统计", "{city}各县（市、区）{p}商标注册情况"],
        titles=["{city}{p}各县（市、区）商标统计表", "{p}{city}商标注册情况"],
        options=dict(fmt=[("xlsx", 1), ("csv", 1)], header=["two_row", "flat"], count_unit=["件"],
                     money_unit=["万元"]),
    ),
    "pledge_cities": dict(
        kind="pledge", scope="province", cadence="quarterly", months=(3, 6, 9, 12),
        names=["{p}全省知识产权质押融资情况", "{p}广东省专利商标质押融资统计"],
        titles=["{p}全省各地市知识产权质押融资登记情况表", "广东省{p}专利权、商标权质押融资统计表"],
        options=dict(fmt=[("xlsx", 2), ("csv", 1)], header=["two_row", "flat"], count_unit=["件"],
                     money_unit=["万元", "亿元", "元"], unit_style=["suffix", "unit_row"]),
    ),
    "case_cities": dict(
        kind="case", scope="province", cadence="half", months=(6, 12),
        names=["{p}全省知识产权案件统计", "{p}各地市知识产权保护案件情况"],
        titles=["{p}全省各地市知识产权保护案件统计表", "广东省{p}知识产权行政执法和司法保护情况"],
        options=dict(fmt=[("xlsx", 1), ("csv", 1)], header=["flat"], count_unit=["件"], money_unit=["万元"]),
    ),
    "reference_cities": dict(
        kind="reference", scope="province", cadence="yearly", months=(12,),
        names=["{p}全省各地市常住人口和市场主体", "广东省{p}各市常住人口及实有市场主体"],
        titles=["{p}末全省各地市常住人口和市场主体数", "广东省各地级以上市{p}末常住人口及市场主体情况"],
        options=dict(fmt=[("xlsx", 1), ("csv", 1)], header=["flat"], count_unit=["件"], money_unit=["万元"],
                     unit_style=["suffix", "unit_row"]),
    ),
    "reference_districts": dict(
        kind="reference", scope="district", cadence="yearly", months=(12,),
        names=["{city}各县区{p}常住人口和市场主体", "{city}{p}各县（市、区）人口及市场主体"],
        titles=["{city}各县（市、区）{p}末常住人口和市场主体数"],
        options=dict(fmt=[("xlsx", 1), ("csv", 1)], header=["flat"], count_unit=["件"], money_unit=["万元"],
                     unit_style=["suffix", "unit_row"]),
    ),
}

# Presentation choices shared by all families unless a family overrides them: (value, weight) or
# plain values (equal weight).
COMMON_OPTIONS: dict[str, list] = {
    "encoding": ["gb18030", "utf-8-sig", "utf-8"],
    "unit_style": ["title", "suffix", "unit_row"],
    "title_lines": [1, 2, 2, 3],
    "period_in": [("both", 4), ("title", 1), ("name", 1)],
    "total_pos": ["top", "top", "bottom"],
    "province_total": ["全省", "合计", "广东省", "全省合计"],
    "district_total": ["{city}", "合计", "全市"],
    "names": ["full", "full", "short"],
    "numbers": [("plain", 4), ("thousands", 2), ("fullwidth", 1), ("text", 1)],
    "missing": ["——", "-", "/", "暂无", "…", "—"],
    "zero_as_missing": [True, False],
    "blank_rows": [False, False, True],
    "seq_col": [False, True],
    "yoy_col": [False, False, True],
    "star": [False, False, True],
    "stray_spaces": [False, True],
    "note_marker": [False, False, True],
    "city_order": ["standard", "code"],
    "percent_sign": [False, True],
    "percent_numeric": [False, True],          # XLSX: rates as fractions with a 0.0% format
    "unit_row_label": ["", "", "单位"],
    "filer_line": [False, False, True],        # 填报单位/填报日期 line above the header
    "signoff": [False, False, True],           # 制表/审核/填报日期 line below the table
    "name_date_stamp": [False, False, False, "paren", "underscore"],
    "notes_sheet": [False, False, False, True],  # XLSX: a second sheet of instructions
    "offset_col": [False, False, False, True],   # XLSX: the table starts in column B
    "csv_padded": [False, True],
}

SENDERS = {
    "patent": "广东省知识产权局专利管理处", "trademark": "广东省知识产权局商标品牌处",
    "pledge": "广东省知识产权局运用促进处", "case": "广东省知识产权局保护处", "reference": "广东省统计局",
}
NOTES_SHEET = ["填报说明：", "1.本表由各地级以上市知识产权局按月汇总报送；",
               "2.金额单位以表头为准，累计数据为年初至本期末累计；", "3.如有疑问请联系统计科。"]

# The order in which provincial tables usually list the cities.
STANDARD_CITY_ORDER = ("440100", "440300", "440400", "440500", "440600", "440200", "441600", "441400",
                       "441300", "441500", "441900", "442000", "440700", "441700", "440800", "440900",
                       "441200", "441800", "445100", "445200", "445300")

SUBTITLES = {
    "patent": ["（快报数据）", "（按第一专利权人地址统计）", "（国内有效发明专利按省市统计）"],
    "trademark": ["（按申请人地址统计）", "（快报）"],
    "pledge": ["（按出质人所在地统计）"],
    "case": ["（含行政执法、司法保护和维权援助）"],
    "reference": ["（常住人口为年末数）"],
}

FOOTNOTES = {
    "patent": ["注：1.本表数据为累计数；2.有效发明专利量为期末数。", "数据来源：国家知识产权局专利统计数据库。",
               "说明：专利授权量合计=发明+实用新型+外观设计。"],
    "trademark": ["注：有效注册商标量为期末数。", "数据来源：国家知识产权局商标局。"],
    "pledge": ["注：金额为质押登记金额，按登记日统计。", "数据来源：国家知识产权局专利局、商标局质押登记系统。"],
    "case": ["注：服判息诉率=（一审审结数-上诉数）/一审审结数。", "数据来源：省市场监管局、省版权局、省高级人民法院。"],
    "reference": ["注：常住人口为年末数，2020年为第七次全国人口普查数。",
                  "数据来源：广东省统计局、广东省市场监督管理局。"],
}
STAR_NOTE = "注：带“*”的数据为快报数，以正式公布数据为准。"
INCLUDES_NOTE = "（含深汕特别合作区）"
