"""Plan monitoring against a real warehouse (DuckDB and PostgreSQL): indicator values from
hand-made observations and tidy values, the marts, and the closed Guangdong 13th FYP."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from etl.catalog import load_plan
from etl.progress import evaluate_plan, refresh_marts
from etl.warehouse import bulk_insert, read_frame, transaction
from tests.conftest import SHARED_DIR

GD = "440000"


def obs(measure: str, period_end: date, period_type: str, basis: str, value: float, unit: str,
        batch: str, source_kind: str = "patent") -> dict:
    return dict(region_code=GD, measure_code=measure, period_end=period_end, period_type=period_type,
                basis=basis, value=value, unit=unit, source_kind=source_kind, batch_id=batch, source_row=3)


def tidy(indicator: str, year: int, value: float, unit: str, batch: str = "tidy-1") -> dict:
    return dict(region_code=GD, indicator_code=indicator, year=year, value=value, unit=unit, batch_id=batch,
                source_row=2)


def load(engine, observations: list[dict] = (), indicator_values: list[dict] = ()) -> None:
    with transaction(engine) as conn:
        if observations:
            bulk_insert(conn, "obs_observations", pd.DataFrame(observations))
        if indicator_values:
            bulk_insert(conn, "obs_indicator_values", pd.DataFrame(indicator_values))


HAND_MADE = [
    # population (万人): 2021 10000, 2022 11000
    obs("population", date(2021, 12, 31), "year", "stock", 10000.0, "万人", "b-pop21", "reference"),
    obs("population", date(2022, 12, 31), "year", "stock", 11000.0, "万人", "b-pop22", "reference"),
    # high-value invention patents (件): 2021 160000, 2022-06 187000, 2022 198000
    obs("patent_invention_high_value", date(2021, 12, 31), "year", "stock", 160000.0, "件", "b-hv21"),
    obs("patent_invention_high_value", date(2022, 6, 30), "month", "stock", 187000.0, "件", "b-hv2206"),
    obs("patent_invention_high_value", date(2022, 12, 31), "year", "stock", 198000.0, "件", "b-hv22"),
    # 2023-06: no 2023 population yet -> the 2022 year-end's: 209000 / 11000 = 19
    obs("patent_invention_high_value", date(2023, 6, 30), "month", "stock", 209000.0, "件", "b-hv2306"),
    # pledge amounts (万元): 2021 full year 3,000,000; 2022 H1 YTD 1,500,000; Dec 2022 YTD (no year row)
    # 4,000,000 -> the 2022 flow; a 当月 (basis period) December row that must be ignored
    obs("pledge_amount_total", date(2021, 12, 31), "year", "period", 3_000_000.0, "万元", "b-pl21", "pledge"),
    obs("pledge_amount_total", date(2022, 6, 30), "half", "ytd", 1_500_000.0, "万元", "b-pl22h1", "pledge"),
    obs("pledge_amount_total", date(2022, 12, 31), "month", "ytd", 4_000_000.0, "万元", "b-pl2212", "pledge"),
    obs("pledge_amount_total", date(2022, 12, 31), "month", "period", 123.0, "万元", "b-pl2212", "pledge"),
    # aid and mediation cases (件): 2021 2800; 2022 H1 YTD 1600 (a partial year)
    obs("case_aid_mediation", date(2021, 12, 31), "year", "period", 2800.0, "件", "b-case21", "case"),
    obs("case_aid_mediation", date(2022, 6, 30), "half", "ytd", 1600.0, "件", "b-case22h1", "case"),
    # valid invention patents (件): computed 2021 480000 and 2022 500000; a tidy 2021 value of 490000 wins
    obs("patent_invention_valid", date(2021, 12, 31), "year", "stock", 480000.0, "件", "b-iv21"),
    obs("patent_invention_valid", date(2022, 12, 31), "year", "stock", 500000.0, "件", "b-iv22"),
]
HAND_MADE_TIDY = [
    tidy("trademark_brand_index", 2021, 88.5, "分"),
    tidy("invention_patents_valid", 2021, 49.0, "万件"),   # 49 万件 = 490000 件
]


def test_indicator_values_and_progress_from_hand_made_observations(engine):
    load(engine, HAND_MADE, HAND_MADE_TIDY)
    written = refresh_marts(engine)
    with engine.connect() as conn:
        values = read_frame(conn, "SELECT * FROM mart_indicator_values WHERE region_code = :r", {"r": GD})
        progress_count = conn.exec_driver_sql("SELECT COUNT(*) FROM mart_progress").scalar()
    assert written == progress_count > 0
    values["period_end"] = pd.to_datetime(values["period_end"]).dt.date
    got = {(r.indicator_code, r.period_end.isoformat(), r.period_type): (r.value, r.value_source)
           for r in values.itertuples()}
    # per 10,000 people: 160000 / 10000 = 16; 187000 / 11000 = 17 (2022 population); 198000 / 11000 = 18
    assert got[("high_value_invention_patents_per_10k", "2021-12-31", "year")] == (16.0, "derived")
    assert got[("high_value_invention_patents_per_10k", "2022-06-30", "month")] == (17.0, "derived")
    assert got[("high_value_invention_patents_per_10k", "2022-12-31", "year")] == (18.0, "derived")
    assert got[("high_value_invention_patents_per_10k", "2023-06-30", "month")] == (19.0, "derived")
    # 万元 -> 亿元: 300; the H1 YTD 150; Dec YTD 400 is the 2022 flow (the 当月 row is not)
    assert got[("pledge_amount", "2021-12-31", "year")] == (300.0, "measure")
    assert got[("pledge_amount", "2022-06-30", "half")] == (150.0, "measure")
    assert got[("pledge_amount", "2022-12-31", "year")] == (400.0, "measure")
    # the tidy value wins for the year it covers, converted to the indicator's unit (件)
    assert got[("invention_patents_valid", "2021-12-31", "year")] == (490000.0, "tidy")
    assert got[("invention_patents_valid", "2022-12-31", "year")] == (500000.0, "measure")
    assert got[("trademark_brand_index", "2021-12-31", "year")] == (88.5, "tidy")
    assert not any(code.startswith("level:") for code, _, _ in got)
    lineage = json.loads(values[(values.indicator_code == "high_value_invention_patents_per_10k")
                                & (values.period_type == "month")].iloc[0]["inputs"])
    assert {item["batch_id"] for item in lineage} == {"b-hv2206", "b-pop22"}

    mid = evaluate_plan(engine, "guangdong-14fyp", date(2022, 6, 30)).set_index("target_id")
    # r01 level, b 13.5, T 20: v = 17 at 2022-06; c = 3.5 / 6.5 = 0.538461…; e = 18/60 = 0.3;
    # ratio = 1.794871…: on_track
    r01 = mid.loc["r01"]
    assert (r01.latest_value, r01.latest_label, r01.value_source) == (17.0, "2022-06", "derived")
    assert r01.completion == pytest.approx(3.5 / 6.5) and r01.elapsed == pytest.approx(0.3)
    assert r01.ratio == pytest.approx(3.5 / 6.5 / 0.3) and r01.status == "on_track"
    # r04a period_total (2500 亿元): S = 300 + 150 = 450 at 2022-06; c = 0.18; e = 0.3; ratio 0.6: behind
    r04a = mid.loc["r04a"]
    assert (r04a.cumulative_value, r04a.latest_label) == (450.0, "2022-06")
    assert r04a.completion == pytest.approx(0.18) and r04a.ratio == pytest.approx(0.6)
    assert r04a.status == "behind"
    assert {i["batch_id"] for i in json.loads(r04a.observations_used)} == {"b-pl21", "b-pl22h1"}
    # r09 annual_flow (≥3000 件/年): the H1 YTD does not count; v = 2800 (2021); c = ratio = 0.9333…
    r09 = mid.loc["r09"]
    assert (r09.latest_value, r09.latest_label) == (2800.0, "2021")
    assert r09.ratio == pytest.approx(2800 / 3000) and r09.status == "behind"
    # r03 tidy score: b 87.95, T 90, v 88.5 (2021): c = 0.55 / 2.05; e = 0.2; ratio 1.3414…: on_track
    r03 = mid.loc["r03"]
    assert (r03.latest_value, r03.latest_label, r03.value_source) == (88.5, "2021", "tidy")
    assert r03.ratio == pytest.approx(0.55 / 2.05 / 0.2) and r03.status == "on_track"
    # a target without data is no_data
    assert mid.loc["r02", "status"] == "no_data"

    year_end = evaluate_plan(engine, "guangdong-14fyp", "2022-12").set_index("target_id")
    r04a = year_end.loc["r04a"]
    # S = 300 + 400 = 700; c = 0.28; e = 0.4; ratio = 0.7: behind. g = 400/300 - 1 = 1/3;
    # S_2025 = 700 + 400 × (4/3 + 16/9 + 64/27) = 700 + 2192.59… = 2892.59… >= 2500: meets
    assert r04a.cumulative_value == 700.0 and r04a.ratio == pytest.approx(0.7)
    assert r04a.projected_value == pytest.approx(700 + 400 * (4 / 3 + 16 / 9 + 64 / 27))
    assert bool(r04a.projected_meets) is True

    # the mart holds the same figures as the in-memory evaluation
    with engine.connect() as conn:
        stored = read_frame(conn, "SELECT * FROM mart_progress WHERE plan_id = 'guangdong-14fyp' "
                                  "AND as_of = :d ORDER BY target_id", {"d": date(2022, 12, 31)})
    stored = stored.set_index("target_id")
    assert stored.loc["r04a", "cumulative_value"] == 700.0
    assert stored.loc["r01", "status"] == year_end.loc["r01", "status"]
    assert stored.loc["r01", "latest_label"] == "2022"
    assert len(stored) == len(year_end)
    # every note has its Chinese twin (catalog reading + computed notes) for the zh reports
    assert (stored["note"].notna() == stored["note_zh"].notna()).all()
    assert stored.loc["r04a", "note_zh"].startswith("表中同一行列有两项数值")
    assert (stored.loc["r05", "note"], stored.loc["r05", "note_zh"]) == ("no value after 2020", "2020年以后暂无数据")


def test_refresh_marts_covers_every_plan_month_and_a_single_as_of(engine):
    load(engine, HAND_MADE, HAND_MADE_TIDY)
    refresh_marts(engine)
    with engine.connect() as conn:
        months = read_frame(conn, "SELECT plan_id, MIN(as_of) AS first, MAX(as_of) AS last, COUNT(*) AS n "
                                  "FROM mart_progress GROUP BY plan_id")
        targets = read_frame(conn, "SELECT plan_id, COUNT(*) AS n FROM plan_targets GROUP BY plan_id")
    months = months.set_index("plan_id")
    targets = targets.set_index("plan_id")["n"]
    # 14th-FYP plans: 2021-01 .. 2023-06 (the latest value): 30 months per target
    assert pd.Timestamp(months.loc["guangdong-14fyp", "first"]).date() == date(2021, 1, 31)
    assert pd.Timestamp(months.loc["guangdong-14fyp", "last"]).date() == date(2023, 6, 30)
    assert months.loc["guangdong-14fyp", "n"] == 30 * targets["guangdong-14fyp"]
    # one month only: its rows replaced, the others kept
    written = refresh_marts(engine, as_of=date(2022, 6, 30))
    assert written == int(targets.sum())
    with engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT COUNT(*) FROM mart_progress").scalar()
    assert total == int(months["n"].sum())


def test_unknown_plan_is_a_clear_error(engine):
    with pytest.raises(KeyError, match="no-such-plan"):
        evaluate_plan(engine, "no-such-plan", date(2022, 12, 31))


# ----------------------------------------------------------------------------- 13th FYP (closed)

# Rows the printed table (seed 002, 广东省“十三五”时期知识产权主要指标完成情况) shows short of target:
#   10 农产品地理标志登记            个  100   -> 54
#   16 版权产业对国民经济的贡献率    %   ≥9    -> 8.7
#   17 知识产权保护社会满意度        分  ≥80   -> 75.07
# Every other row's completion value reaches its target.
SHORT_OF_TARGET = {"agri_product_gi_registrations", "copyright_industry_gdp_share", "protection_satisfaction"}
SEED_LINES = ["农产品地理标志登记 个 １００ ５４", "版权产业对国民经济的贡献率 ％ ≥９ ８ ７",
              "知识产权保护社会满意度 分 ≥８０ ７５ ０７"]


def test_closed_13th_fyp_verdicts_from_printed_completion_values(engine):
    seed = (SHARED_DIR / "seeds" / "002_4db324073991186c.txt").read_text(encoding="utf-8")
    for line in SEED_LINES:  # the expectation above is what the seed prints
        assert line in seed
    plan = load_plan("guangdong-13fyp")
    assert len(plan.targets) == 18
    # the printed completion values, as the `indicator` source kind supplies them: tidy 2020 values
    load(engine, indicator_values=[tidy(t.indicator_code, 2020, t.completion_value, t.unit, "seed-002")
                                   for t in plan.targets])
    for as_of in (date(2020, 12, 31), date(2023, 6, 30)):
        frame = evaluate_plan(engine, "guangdong-13fyp", as_of)
        verdicts = dict(zip(frame["indicator_code"], frame["verdict"], strict=True))
        assert {code for code, v in verdicts.items() if v == "not_achieved"} == SHORT_OF_TARGET
        assert {code for code, v in verdicts.items() if v == "achieved"} == set(verdicts) - SHORT_OF_TARGET
    frame = frame.set_index("indicator_code")
    # values are shown in the plan's unit (35.1 万件), with the year as their label
    assert frame.loc["invention_patents_valid", "latest_value"] == pytest.approx(35.1)
    assert frame.loc["invention_patents_valid", "latest_label"] == "2020"
    # a printed growth rate is the growth: 13.1 % against 10 %
    assert frame.loc["pct_applications_growth", "observed_growth"] == pytest.approx(0.131)
    # no base: c = 75.07 / 80 = 0.938375 = ratio at e = 1: behind, and the verdict is not_achieved
    assert frame.loc["protection_satisfaction", "completion"] == pytest.approx(0.938375)
    assert frame.loc["protection_satisfaction", "status"] == "behind"
