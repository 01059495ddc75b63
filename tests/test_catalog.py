"""The catalog pins the reading of every plan row of the seeds.

EXPECTED below is written by hand from the seed tables (shared/seeds): for each plan, every target
row with its indicator, printed unit, kind, raw cells and parsed values. The catalog files must say
exactly this, and every raw cell must stand in the seed where the row is printed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import yaml

from etl import catalog
from etl.catalog import CatalogError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
SPECS = PROJECT_ROOT.parent / "shared" / "specs"
PLANS_DIR = PROJECT_ROOT / "etl" / "catalog" / "plans"

# target_id: (indicator_code, unit, kind, base_raw, base_value, target_raw, target_value)
EXPECTED: dict[str, dict[str, tuple]] = {
    "guangdong-14fyp": {
        "r01": ("high_value_invention_patents_per_10k", "件", "level", "１３ ５", 13.5, "２０", 20),
        "r02": ("overseas_invention_grants", "万件", "period_total", "———", None, "(８)", 8),
        "r03": ("trademark_brand_index", "分", "level", "８７ ９５", 87.95, "９０", 90),
        "r04a": ("pledge_amount", "亿元", "period_total", "(９０７ ６)、", 907.6, "(２５００)、", 2500),
        "r04b": ("pledge_projects", "项", "period_total", "(３７６５)", 3765, "(５０００)", 5000),
        "r05": ("ip_royalty_trade", "亿元", "level", "———", None, "１１００", 1100),
        "r06": ("patent_intensive_industry_gdp_share", "%", "level", "———", None, "≥１９", 19),
        "r07": ("copyright_industry_gdp_share", "%", "level", "８ ７", 8.7, "９ ２", 9.2),
        "r08": ("gi_product_trade", "亿元", "period_total", "(７５２ ５)", 752.5, "(１５１０)", 1510),
        "r09": ("aid_mediation_cases", "件/年", "annual_flow", "———", None, "≥３０００", 3000),
        "r10": ("court_acceptance_rate", "%", "level", "———", None, "≥８５", 85),
        "r11": ("protection_satisfaction", "分", "level", "８０", 80, "≥８３", 83),
        "r12": ("ip_info_website_visits", "万人次/年", "annual_flow", "———", None, "５０", 50),
        "r13": ("ip_info_service_nodes", "家", "level", "———", None, "４０", 40),
        "r14": ("patent_agency_grant_rate", "%", "level", "５６ ５", 56.5, "６０", 60),
        # text and boxes
        "t01": ("fast_protection_city_share", "%", "level", None, None, "８０％ 以上地市建立知识产权快保护机制", 80),
        "t02": ("aid_stations", "个", "level", None, None, "建立约 ６００ 个维权援助服务站", 600),
        "t03": ("invention_patents_valid_manufacturing", "万件", "level", None, None,
                "规模以上制造业发明专利有效量达 ２３ 万件", 23),
        "t04": ("high_value_patent_cultivation_centres", "个", "level", None, None,
                "到 ２０２５ 年累计建成 ５００ 个高价值专利协同培育布局机构", 500),
        "t05": ("china_patent_awards", "项", "period_total", None, None, "中国专利奖获奖数量超过 １０００ 项", 1000),
        "t06": ("standard_essential_patents", "个", "annual_flow", None, None,
                "每年将 ５００ 个以上的专利转化为标准必要专利", 500),
        "t07": ("cluster_ip_operation_bodies", "家", "level", None, None,
                "建设 ２０ 家左右战略性产业集群知识产权协同运营机构", 20),
        "t08": ("park_ip_operation_bodies", "家", "level", None, None,
                "２０ 家左右重点园区知识产权综合运营服务机构", 20),
        "t09": ("pledge_amount", "亿元", "period_total", None, None,
                "全省专利、 商标质押融资金额达 ２５００ 亿元", 2500),
        "t10": ("ip_securitisation_products", "个", "period_total", None, None, "发行知识产权证券化产品达 ５０ 个", 50),
        "t11": ("city_ip_service_coverage", "%", "level", None, None,
                "地市级综合性知识产权公共服务机构覆盖率达到 ５０％", 50),
        "t12": ("ip_info_service_nodes", "家", "level", None, None,
                "各类知识产权信息公共服务节点网点数量超过 ４０ 家", 40),
        "t13": ("ip_talent_trained", "名", "period_total", None, None, "各培养 １０００ 名以上", 1000),
    },
    "guangdong-13fyp": {
        "r01": ("invention_patents_valid", "万件", "level", None, None, "２０", 20),
        "r02": ("invention_patents_valid_per_10k", "件", "level", None, None, "１９", 19),
        "r03": ("pct_applications_growth", "%", "avg_growth", None, None, "１０", 10),
        "r04": ("copyright_holdings_per_10k", "件", "level", None, None, "３６", 36),
        "r05": ("trademarks_valid", "万件", "level", None, None, "２１０", 210),
        "r06": ("madrid_trademarks_valid", "件", "level", None, None, "６０００", 6000),
        "r07": ("forest_plant_variety_applications", "件", "annual_flow", None, None, "１５", 15),
        "r08": ("agri_plant_variety_applications", "件", "level", None, None, "８０", 80),
        "r09": ("agri_plant_variety_grants", "件", "level", None, None, "２５", 25),
        "r10": ("agri_product_gi_registrations", "个", "level", None, None, "１００", 100),
        "r11": ("gi_trademarks", "件", "level", None, None, "５０", 50),
        "r12": ("ip_operation_service_bodies", "家", "level", None, None, "２０", 20),
        "r13": ("pledge_amount", "亿元", "annual_flow", None, None, "１００", 100),
        "r14": ("patent_intensive_clusters", "个", "level", None, None, "１０", 10),
        "r15": ("trademark_intensive_clusters", "个", "level", None, None, "１０", 10),
        "r16": ("copyright_industry_gdp_share", "%", "level", None, None, "≥９", 9),
        "r17": ("protection_satisfaction", "分", "level", None, None, "≥８０", 80),
        "r18": ("ip_service_revenue_growth", "%", "avg_growth", None, None, "２０", 20),
    },
    "huizhou-14fyp": {
        "r01": ("invention_patents_valid", "件", "level", "〔8612〕", 8612, "〔12000〕", 12000),
        "r02": ("high_value_invention_patents_per_10k", "件", "level", "8.88", 8.88, "10.8", 10.8),
        "r03": ("trademarks_valid", "件", "level", "〔97570〕", 97570, "〔150000〕", 150000),
        "r04": ("gi_products", "个", "level", "〔15〕", 15, "〔17〕", 17),
        "r05": ("copyright_registrations", "件", "level", "——", None, "10000", 10000),
        "r06": ("pledge_amount", "亿元", "period_total", "（17.37）", 17.37, "（80）", 80),
        "r07": ("patent_navigation_projects", "个", "period_total", "——", None, "15", 15),
        "r08": ("ip_intensive_industries", "个", "level", "——", None, "≥3", 3),
        "r09": ("protection_satisfaction", "分", "level", "80", 80, "≥83", 83),
        "r10": ("aid_mediation_cases", "件/年", "annual_flow", "——", None, "300", 300),
        "r11": ("ip_management_certified_entities", "家", "level", "200", 200, "400", 400),
        "r12": ("national_ip_pilot_areas", "个", "period_total", "——", None, "≥2", 2),
        "r13": ("ip_info_service_nodes", "个", "level", "——", None, "≥3", 3),
        "r14": ("ip_professionals_added", "人", "period_total", "——", None, "50", 50),
    },
    "qingyuan-14fyp": {
        "r01": ("high_value_invention_patents_per_10k", "件", "level", "0.88", 0.88, "≧1.2", 1.2),
        "r02": ("sei_invention_grants", "件", "level", "236", 236, "≧350", 350),
        "r05": ("high_value_trademarks_per_10k_entities", "件", "none", "", None, "", None),
        "r06": ("copyright_registrations_growth", "%", "avg_growth", "31", 31, "≧30%", 30),
        "r07": ("most_valuable_copyright_products", "件", "level", "-", None, "2", 2),
        "r08a": ("pledge_amount", "亿元", "period_total", "1.57、", 1.57, "3、", 3),
        "r08b": ("pledge_projects", "项", "period_total", "11", 11, "（30）", 30),
        "r09": ("ip_tech_contract_turnover", "万元", "period_total", "6645", 6645, "（10000）", 10000),
        "r10": ("gi_product_output", "亿元", "level", "83", 83, "103.53", 103.53),
        "r11": ("copyright_demo_units", "件", "level", "-", None, "2", 2),
        "r12": ("aid_mediation_cases", "件/年", "period_total", "4", 4, "(35)", 35),
        "r14": ("admin_cases_closed", "件", "period_total", "115", 115, "（605）", 605),
        "r15": ("copyright_cases", "件", "period_total", "12", 12, "（25）", 25),
        "r16": ("court_acceptance_rate", "%", "level", "-", None, "≧80", 80),
        "r17": ("ip_info_website_visits", "人次/年", "annual_flow", "-", None, "≧5000", 5000),
        "r18": ("ip_info_service_nodes", "家", "level", "-", None, "≧3", 3),
        "t01": ("high_value_invention_patents_per_10k", "件", "level", None, None,
                "每万人口高价值发明专利拥有量力争达到1.2件以上", 1.2),
        "t02": ("pledge_amount", "亿元", "period_total", None, None, "全市专利、商标质押融资金额累计达3亿元", 3),
        "t03": ("patent_navigation_projects", "个", "period_total", None, None, "完成重点产业专利导航不少于5个", 5),
    },
    "zhaoqing-opinions": {
        "t01": ("pledge_amount_patent_growth", "%", "avg_growth", None, None, "专利权质押融资金额实现年均增长30%", 30),
        "t02": ("pledge_amount_trademark_growth", "%", "avg_growth", None, None,
                "商标权质押融资金额实现年均增长20%", 20),
        "t03": ("pledge_amount", "亿元", "annual_flow", None, None, "全市知识产权质押融资年度金额达到15亿元", 15),
    },
}

# Guangdong 13th FYP: 完成值 as printed (decimal point lost in the PDF) and as read.
COMPLETION_13TH = {
    "r01": ("３５ １", 35.1), "r02": ("２７ ８", 27.8), "r03": ("１３ １", 13.1), "r04": ("１０３", 103),
    "r05": ("５４３ ０", 543.0), "r06": ("８８６２", 8862), "r07": ("２９", 29), "r08": ("９４５", 945),
    "r09": ("３９７", 397), "r10": ("５４", 54), "r11": ("８５", 85), "r12": ("５７", 57),
    "r13": ("１８１ ５", 181.5), "r14": ("１１", 11), "r15": ("１１", 11), "r16": ("８ ７", 8.7),
    "r17": ("７５ ０７", 75.07), "r18": ("２１ １", 21.1),
}

PLAN_HEADERS = {
    # plan_id: (region_code, seed, base_year, target_year)
    "guangdong-14fyp": ("440000", "002_4db324073991186c.txt", 2020, 2025),
    "guangdong-13fyp": ("440000", "002_4db324073991186c.txt", 2015, 2020),
    "huizhou-14fyp": ("441300", "004_c0d76037cfd9f746.txt", 2020, 2025),
    "qingyuan-14fyp": ("441800", "003_5700120920930d1e.txt", 2020, 2025),
    "zhaoqing-opinions": ("441200", "000_7f80ee0a48913296.txt", 2020, 2025),
}


@pytest.fixture(scope="module")
def plans() -> dict[str, catalog.Plan]:
    return {p.plan_id: p for p in catalog.load_plans()}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ----------------------------------------------------------------------------- plan rows


def test_the_five_plans_with_their_headers(plans):
    assert set(plans) == set(PLAN_HEADERS)
    for plan_id, (region, seed, base, target) in PLAN_HEADERS.items():
        plan = plans[plan_id]
        assert (plan.region_code, plan.seed, plan.base_year, plan.target_year) == (region, seed, base, target)
        assert (SEEDS / plan.seed).exists()
        assert len(plan.catalog_hash) == 64


@pytest.mark.parametrize("plan_id", sorted(EXPECTED))
def test_every_plan_row_reads_as_the_seed_prints_it(plans, plan_id):
    plan = plans[plan_id]
    assert [t.target_id for t in plan.targets] == list(EXPECTED[plan_id]), "rows added, lost or reordered"
    for target in plan.targets:
        code, unit, kind, base_raw, base_value, target_raw, target_value = EXPECTED[plan_id][target.target_id]
        got = (target.indicator_code, target.unit, target.target_kind, target.base_raw, target.base_value,
               target.target_raw, target.target_value)
        assert got == (code, unit, kind, base_raw, base_value, target_raw, target_value), target.target_id


def test_row_numbers_and_sources(plans):
    qingyuan = [t.row_no for t in plans["qingyuan-14fyp"].targets if t.source == "table"]
    assert qingyuan == [1, 2, 5, 6, 7, 8, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18]  # gaps as printed
    assert [t.row_no for t in plans["guangdong-13fyp"].targets] == list(range(1, 19))
    assert [t.row_no for t in plans["huizhou-14fyp"].targets] == list(range(1, 15))
    for plan in plans.values():
        for t in plan.targets:
            assert t.source == ("text" if t.target_id.startswith("t") else "table")
            assert (t.row_no is None) == (t.source == "text")


def test_attributes_categories_and_comparators(plans):
    for plan_id in ("guangdong-14fyp", "huizhou-14fyp", "qingyuan-14fyp"):
        assert {t.attribute for t in plans[plan_id].targets if t.source == "table"} == {"预期性"}
    assert [t.category for t in plans["huizhou-14fyp"].targets] == (
        ["创造"] * 5 + ["运用"] * 3 + ["保护"] * 2 + ["管理"] * 2 + ["服务"] * 2)
    gd14 = {t.target_id: t for t in plans["guangdong-14fyp"].targets}
    assert [gd14[f"r{n:02d}"].category for n in (1, 5, 9, 12)] == ["创造", "运用", "保护", "服务"]
    assert gd14["r04a"].category == "运用"
    # 约 / 左右 are read as "about": comparator '='
    assert {tid for tid, t in gd14.items() if t.comparator == "="} == {"t02", "t07", "t08"}


def test_guangdong_13th_completion_values(plans):
    plan = plans["guangdong-13fyp"]
    assert {t.target_id: (t.completion_raw, t.completion_value) for t in plan.targets} == COMPLETION_13TH
    assert all(t.base_raw is None and t.base_value is None for t in plan.targets)


def test_ambiguous_rows_carry_notes(plans):
    def note(plan_id: str, target_id: str) -> str:
        return plans[plan_id].target(target_id).note or ""

    assert "3亿元" in note("qingyuan-14fyp", "r08a") and "2020" in note("qingyuan-14fyp", "r08a")
    assert "30" in note("qingyuan-14fyp", "r08b")
    assert "件/年" in note("qingyuan-14fyp", "r12") and "brackets win" in note("qingyuan-14fyp", "r12")
    assert "previous period" in note("guangdong-14fyp", "r04a")
    assert "previous period" in note("guangdong-14fyp", "r08")
    assert "previous period" in note("huizhou-14fyp", "r06")
    assert note("huizhou-14fyp", "r05") and note("huizhou-14fyp", "r07")
    assert "年均" in note("guangdong-13fyp", "r07")
    # every reading that departs from the bracket notation says why
    for plan in plans.values():
        for t in plan.targets:
            if t.source == "table" and t.target_kind != catalog._expected_kind(
                    t.target_raw, t.unit, catalog.indicator_by_code()[t.indicator_code]):
                assert t.note, f"{plan.plan_id} {t.target_id}"


def test_every_note_has_a_chinese_rendering(plans):
    """zh reports print note_zh: every target with a note carries one, in Chinese."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    noted = [(plan.plan_id, t) for plan in plans.values() for t in plan.targets if t.note]
    assert len(noted) >= 31
    for plan_id, t in noted:
        assert t.note_zh and cjk.search(t.note_zh), f"{plan_id} {t.target_id}"
        assert not re.search(r"[A-Za-z]{4,}", t.note_zh), f"{plan_id} {t.target_id}: {t.note_zh}"
    assert "907.6" in plans["guangdong-14fyp"].target("r04a").note_zh
    assert "非2020年当年值" in plans["guangdong-14fyp"].target("r04a").note_zh
    assert all(t.note_zh is None for plan in plans.values() for t in plan.targets if not t.note)


def _seed_window(seed_text: str, name: str, lines_after: int = 8) -> list[str]:
    """Text around every seed line where the (whitespace-insensitive) name starts."""
    lines = seed_text.splitlines()
    head = _squash(name)[:6]
    windows = []
    for i, line in enumerate(lines):
        if head in _squash(line):
            windows.append("\n".join(lines[i:i + lines_after]))
    return windows


@pytest.mark.parametrize("plan_id", sorted(EXPECTED))
def test_raw_cells_stand_in_the_seed_where_the_row_is_printed(plans, plan_id):
    plan = plans[plan_id]
    seed = (SEEDS / plan.seed).read_text(encoding="utf-8")
    flat = _squash(seed)
    for t in plan.targets:
        raws = [r for r in (t.base_raw, t.target_raw, t.completion_raw) if r]
        if t.source == "text":
            for raw in raws:
                assert _squash(raw) in flat, f"{plan_id} {t.target_id}: {raw!r} not in the seed"
            continue
        name = t.indicator_name_zh if t.target_id[-1] != "b" else plan.target(t.target_id[:-1] + "a").indicator_name_zh
        windows = _seed_window(seed, name)
        assert windows, f"{plan_id} {t.target_id}: indicator name {name!r} not in the seed"
        for raw in raws:
            assert any(raw in w for w in windows), f"{plan_id} {t.target_id}: {raw!r} not printed near {name!r}"


def test_text_targets_quote_the_seed(plans):
    for plan in plans.values():
        seed = _squash((SEEDS / plan.seed).read_text(encoding="utf-8"))
        for t in plan.targets:
            if t.source == "text":
                assert t.target_raw and _squash(t.target_raw) in seed
                assert t.source_ref


# ----------------------------------------------------------------------------- indicators and measures


def test_indicators_are_consistent_and_all_used(plans):
    indicators = catalog.indicator_by_code()
    used = {t.indicator_code for p in plans.values() for t in p.targets}
    assert used == set(indicators), "an indicator of the catalog appears in no plan (or the reverse)"
    measures = catalog.measure_by_code()
    for ind in indicators.values():
        if ind.method in ("measure", "derived"):
            assert ind.measure_code in measures, ind.indicator_code
        if ind.method == "derived":
            assert ind.denominator in ("population", "market_entities")
            assert ind.name_zh.startswith("每万")
        if ind.aggregation == "growth":
            assert ind.unit == "%" and ind.growth_of, ind.indicator_code


def test_shared_concepts_have_one_code():
    assert catalog.resolve_indicator("发明专利有效量") == "invention_patents_valid"
    assert catalog.resolve_indicator("有效发明专利拥有量") == "invention_patents_valid"
    assert catalog.resolve_indicator("有效商标注册量") == "trademarks_valid"
    assert catalog.resolve_indicator("有效注册商标量") == "trademarks_valid"
    assert catalog.resolve_indicator("知识产权质押融资年度金额") == "pledge_amount"
    assert catalog.resolve_indicator("知识产权信息公共服务网点") == "ip_info_service_nodes"
    assert catalog.resolve_indicator("ＰＣＴ 申请量年均增长率") == "pct_applications_growth"
    assert catalog.resolve_indicator("版权产业对国民经济的贡献率") == "copyright_industry_gdp_share"
    assert catalog.resolve_indicator("不存在的指标") is None
    ind = catalog.indicator_by_code()
    assert (ind["invention_patents_valid"].method, ind["invention_patents_valid"].measure_code) == (
        "measure", "patent_invention_valid")
    assert (ind["high_value_invention_patents_per_10k"].method,
            ind["high_value_invention_patents_per_10k"].denominator) == ("derived", "population")
    assert ind["high_value_trademarks_per_10k_entities"].denominator == "market_entities"
    assert ind["pct_applications_growth"].measure_code == "patent_pct_applications"
    assert ind["pledge_amount_patent_growth"].measure_code == "pledge_amount_patent"
    assert ind["pledge_amount_trademark_growth"].measure_code == "pledge_amount_trademark"
    assert ind["copyright_registrations_growth"].method == "tidy"
    assert ind["ip_service_revenue_growth"].method == "tidy"


def _spec_measures() -> dict[str, tuple[str, list[str], str, str]]:
    """code -> (zh, aliases, basis, unit) from the spec's canonical measures table."""
    text = (SPECS / "source-exports.md").read_text(encoding="utf-8")
    section = text.split("## Canonical measures", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            names = [n.strip() for n in cells[1].split(",")]
            rows[cells[0].strip("`")] = (names[0], names[1:], cells[2], cells[3])
    return rows


def test_measures_are_exactly_the_spec_table():
    spec = _spec_measures()
    assert len(spec) == 27
    measures = catalog.measure_by_code()
    assert list(measures) == list(spec)
    for code, (zh, aliases, basis, unit) in spec.items():
        m = measures[code]
        assert (m.name_zh, list(m.aliases), m.basis, m.canonical_unit) == (zh, aliases, basis, unit), code
    assert catalog.resolve_measure("有效发明专利拥有量") == "patent_invention_valid"
    assert catalog.resolve_measure(" PCT专利申请量 ") == "patent_pct_applications"
    assert catalog.resolve_measure("质押笔数") == "pledge_projects"
    assert {m.source_kind for m in measures.values()} == {"patent", "trademark", "pledge", "case", "reference"}


# ----------------------------------------------------------------------------- regions


CITIES = {
    "广州": "440100", "韶关": "440200", "深圳": "440300", "珠海": "440400", "汕头": "440500", "佛山": "440600",
    "江门": "440700", "湛江": "440800", "茂名": "440900", "肇庆": "441200", "惠州": "441300", "梅州": "441400",
    "汕尾": "441500", "河源": "441600", "阳江": "441700", "清远": "441800", "东莞": "441900", "中山": "442000",
    "潮州": "445100", "揭阳": "445200", "云浮": "445300",
}


def test_regions_cover_the_province_cities_and_three_cities_counties():
    regions = catalog.region_by_code()
    assert regions["440000"].level == "province"
    assert sorted(c for c, r in regions.items() if r.level == "city") == sorted(CITIES.values())
    for short, code in CITIES.items():
        assert catalog.resolve_region(short) == code
        assert catalog.resolve_region(short + "市") == code
    children = {p: sorted(c for c, r in regions.items() if r.parent_code == p) for p in ("441200", "441300", "441800")}
    assert children["441200"] == ["441202", "441203", "441204", "441223", "441224", "441225", "441226", "441284",
                                  "441290"]
    assert children["441300"] == ["441302", "441303", "441322", "441323", "441324"]
    assert children["441800"] == ["441802", "441803", "441821", "441823", "441825", "441826", "441881", "441882"]
    assert regions["441290"].level == "zone" and regions["441290"].name_zh == "肇庆高新区"


@pytest.mark.parametrize("name, code", [
    ("广东省", "440000"), ("广东", "440000"), ("全省", "440000"), ("合计", "440000"),
    ("惠城区", "441302"), ("惠城", "441302"), ("博罗县", "441322"), ("博罗", "441322"),
    ("四会市", "441284"), ("四会", "441284"), ("连山壮族瑶族自治县", "441825"), ("连南", "441826"),
    ("肇庆高新区", "441290"), ("肇庆高新技术产业开发区", "441290"),
    ("惠州市本级", "441300"), ("清远本级", "441800"),
    ("　惠 州 市 ", "441300"),        # ideographic and ASCII spaces
    ("Ｇｕａｎｇｚｈｏｕ", None),       # full-width ASCII is folded, but no English aliases
    ("441300", "441300"),
])
def test_region_aliases(name, code):
    assert catalog.resolve_region(name) == code


@pytest.mark.parametrize("name", ["市本级", "本级", "高新区", "火星市", "", None, "惠州市区"])
def test_unknown_or_unqualified_region_names_resolve_to_none(name):
    assert catalog.resolve_region(name) is None


def test_normalise_name_folds_full_width_and_spaces():
    assert catalog.normalise_name("ＰＣＴ　申请量 ") == "PCT申请量"
    assert catalog.normalise_name("（８）") == "(8)"


def test_parse_raw_number():
    assert catalog.parse_raw_number("１３ ５", lost_decimal_points=True) == [13.5]
    assert catalog.parse_raw_number("１３ ５") == [13.0, 5.0]
    assert catalog.parse_raw_number("(９０７ ６)、", lost_decimal_points=True) == [907.6]
    assert catalog.parse_raw_number("〔150000〕") == [150000.0]
    assert catalog.parse_raw_number("1,234（含…）") == [1234.0]
    assert catalog.parse_raw_number("≧30%") == [30.0]
    assert catalog.is_missing_cell("———") and catalog.is_missing_cell("-") and catalog.is_missing_cell("")
    assert not catalog.is_missing_cell("０")


def test_periods_have_zh_labels():
    rows = catalog.period_rows(2024, 2024)
    labels = {(r["period_type"], str(r["period_end"])): r["label_zh"] for r in rows}
    assert labels[("month", "2024-06-30")] == "2024年6月"
    assert labels[("quarter", "2024-06-30")] == "2024年第二季度"
    assert labels[("half", "2024-06-30")] == "2024年上半年"
    assert labels[("half", "2024-12-31")] == "2024年下半年"
    assert labels[("year", "2024-12-31")] == "2024年"
    assert labels[("month", "2024-02-29")] == "2024年2月"
    assert len(rows) == 12 + 4 + 2 + 1
    assert len(catalog.period_rows()) == (2035 - 2010 + 1) * 19


# ----------------------------------------------------------------------------- validation


GOOD_ROW = {
    "target_id": "r01", "indicator_code": "invention_patents_valid", "indicator_name_zh": "有效发明专利拥有量",
    "unit": "件", "source": "table", "source_ref": "表 1 第1行", "row_no": 1, "category": "创造",
    "base_raw": "〔8612〕", "base_value": 8612, "target_raw": "〔12000〕", "target_value": 12000,
    "target_kind": "level", "comparator": ">=", "attribute": "预期性", "note": None,
}


def _write_plan(tmp_path: Path, rows: list[dict], **header) -> Path:
    data = {"plan_id": "broken-plan", "name_zh": "测试", "name_en": "test", "region_code": "441300",
            "seed": "004_c0d76037cfd9f746.txt", "source_table": "表 1", "base_year": 2020, "target_year": 2025}
    data.update(header)
    data["targets"] = rows
    path = tmp_path / "broken-plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_good_plan_file_loads(tmp_path):
    plan = catalog.load_plan_file(_write_plan(tmp_path, [GOOD_ROW]))
    assert plan.targets[0].target_value == 12000 and plan.targets[0].base_year == 2020


@pytest.mark.parametrize("change, problem", [
    ({"unit": "公斤"}, "unknown unit '公斤'"),
    ({"unit": "万元"}, "not convertible"),
    ({"target_kind": "period_total"}, "contradicts the brackets"),
    ({"target_raw": "（80）", "target_value": 80, "target_kind": "level"}, "contradicts the brackets"),
    ({"target_raw": "≥3000", "target_value": 3000, "unit": "件/年"}, "the notation reads annual_flow"),
    ({"target_value": None}, "needs a target_value"),
    ({"target_raw": "——"}, "needs a target_raw"),
    ({"target_kind": "none"}, "target kind none"),
    ({"target_value": 1200}, "does not match target_raw"),
    ({"base_value": 8621}, "does not match base_raw"),
    ({"base_raw": "——"}, "prints no value"),
    ({"indicator_code": "no_such_indicator"}, "unknown indicator code 'no_such_indicator'"),
    ({"target_kind": "someday"}, "unknown target kind"),
    ({"comparator": ">"}, "unknown comparator"),
    ({"category": "其他"}, "unknown category"),
    ({"attribute": "强制性"}, "unknown attribute"),
    ({"row_no": None}, "needs row_no"),
    ({"colour": "red"}, "unknown field"),
])
def test_validation_names_file_row_and_problem(tmp_path, change, problem):
    row = {**GOOD_ROW, **change}
    path = _write_plan(tmp_path, [row])
    with pytest.raises(CatalogError) as info:
        catalog.load_plan_file(path)
    message = str(info.value)
    assert "broken-plan.yaml" in message
    assert "target r01" in message
    assert ("(row 1)" in message) == (row["row_no"] is not None)
    assert problem in message


def test_lost_decimal_points_only_where_the_plan_says_so(tmp_path):
    row = {**GOOD_ROW, "base_raw": "８ ７", "base_value": 8.7, "target_raw": "９ ２", "target_value": 9.2,
           "unit": "件"}
    with pytest.raises(CatalogError, match="does not match base_raw"):
        catalog.load_plan_file(_write_plan(tmp_path, [row]))
    plan = catalog.load_plan_file(_write_plan(tmp_path, [row], lost_decimal_points=True))
    assert plan.targets[0].base_value == 8.7


def test_header_faults(tmp_path):
    with pytest.raises(CatalogError, match=r"broken-plan\.yaml: unknown region '449999'"):
        catalog.load_plan_file(_write_plan(tmp_path, [GOOD_ROW], region_code="449999"))
    with pytest.raises(CatalogError, match="does not match the file name"):
        catalog.load_plan_file(_write_plan(tmp_path, [GOOD_ROW], plan_id="other"))
    with pytest.raises(CatalogError, match="duplicate target_id 'r01'"):
        catalog.load_plan_file(_write_plan(tmp_path, [GOOD_ROW, GOOD_ROW]))
    path = tmp_path / "broken-plan.yaml"
    path.write_text("plan_id: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        catalog.load_plan_file(path)


def test_a_kind_departing_from_the_notation_needs_a_note(tmp_path):
    row = {**GOOD_ROW, "base_raw": "——", "base_value": None, "target_raw": "15", "target_value": 15,
           "target_kind": "period_total", "unit": "件"}
    with pytest.raises(CatalogError, match="add a note"):
        catalog.load_plan_file(_write_plan(tmp_path, [row]))
    row["note"] = "新增: added over the period"
    with pytest.raises(CatalogError, match=r"broken-plan\.yaml, target r01 \(row 1\): field 'note_zh' is missing"):
        catalog.load_plan_file(_write_plan(tmp_path, [row]))  # a note needs its Chinese rendering
    row["note_zh"] = "新增数，按规划期间累计数评估。"
    loaded = catalog.load_plan_file(_write_plan(tmp_path, [row])).targets[0]
    assert loaded.target_kind == "period_total" and loaded.note_zh == "新增数，按规划期间累计数评估。"


# ----------------------------------------------------------------------------- CLI


def _run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    from etl.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_export_csv(capsys):
    code, out, _ = _run_cli(capsys, "plans", "export", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    required = ["plan_id", "indicator_code", "indicator_name_zh", "unit", "base_year", "base_value", "base_raw",
                "target_year", "target_value", "target_raw", "target_kind", "comparator", "attribute", "note",
                "target_id", "source", "row_no", "completion_value"]
    assert set(required) <= set(rows[0])
    assert len(rows) == sum(len(v) for v in EXPECTED.values())
    by_key = {(r["plan_id"], r["target_id"]): r for r in rows}
    r04a = by_key[("guangdong-14fyp", "r04a")]
    assert (r04a["unit"], r04a["base_value"], r04a["base_raw"], r04a["target_value"], r04a["target_kind"]) == (
        "亿元", "907.6", "(９０７ ６)、", "2500", "period_total")
    assert by_key[("guangdong-13fyp", "r17")]["completion_value"] == "75.07"
    assert by_key[("qingyuan-14fyp", "r05")]["target_value"] == ""


def test_cli_list_show_and_unknown_plan(capsys):
    code, out, _ = _run_cli(capsys, "plans", "list")
    assert code == 0 and all(p in out for p in PLAN_HEADERS)
    code, out, _ = _run_cli(capsys, "plans", "show", "huizhou-14fyp")
    assert code == 0
    assert "〔12000〕 = 12000" in out and "有效发明专利拥有量" in out
    from etl.commands.plans import display_width

    table = [line for line in out.splitlines() if line.startswith(("id ", "r0", "r1"))]
    assert len(table) == 15
    # aligned: the unit column starts at the same display column on every line
    starts = {display_width(line[:line.index(" 件" if " 件" in line else " 单位")]) for line in table
              if " 件 " in line or " 单位 " in line}
    assert len(starts) == 1
    code, _, err = _run_cli(capsys, "plans", "show", "nowhere-plan")
    assert code == 2 and "unknown plan" in err
    code, out, _ = _run_cli(capsys, "plans", "validate")
    assert code == 0 and "82 targets" in out
