"""The spec's arithmetic (shared/specs/plan-monitoring.md), table-driven, with expectations worked
out by hand in the comments: a 2020 -> 2025 plan, so the plan runs 60 months from the end of 2020.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from etl.progress.compute import (
    Point,
    TargetSpec,
    Thresholds,
    classify_ratio,
    elapsed_share,
    evaluate_target,
    period_label,
)
from etl.progress.settings import load_thresholds

Y0, Y = 2020, 2025


def year(y: int, value: float) -> Point:
    return Point(date(y, 12, 31), value, "year", key=f"y{y}")


def month(y: int, m: int, value: float, period_type: str = "month") -> Point:
    from calendar import monthrange

    return Point(date(y, m, monthrange(y, m)[1]), value, period_type, key=f"m{y}-{m:02d}")


def spec(kind: str, base: float | None, target: float | None, **kw) -> TargetSpec:
    return TargetSpec(kind, Y0, base, Y, target, **kw)


def approx(x: float | None):
    return None if x is None else pytest.approx(x, rel=1e-9, abs=1e-12)


# ----------------------------------------------------------------------------- elapsed share

@pytest.mark.parametrize(("base_year", "target_year", "at", "expected"), [
    (2020, 2025, date(2022, 12, 31), 0.4),     # 24 / 60 (the spec's example)
    (2020, 2025, date(2023, 6, 30), 0.5),      # 30 / 60
    (2020, 2025, date(2021, 1, 31), 1 / 60),   # one month in
    (2020, 2025, date(2020, 12, 31), 0.0),     # at the base
    (2020, 2025, date(2027, 3, 31), 1.0),      # capped after the target year
    (2015, 2020, date(2020, 12, 31), 1.0),
])
def test_elapsed_share_counts_months_from_the_end_of_the_base_year(base_year, target_year, at, expected):
    assert elapsed_share(base_year, target_year, at) == approx(expected)


@pytest.mark.parametrize(("ratio", "status"), [
    (0.95, "on_track"),          # exactly the on-track threshold
    (0.9499, "behind"),          # just below it
    (0.6, "behind"),             # exactly the off-track threshold
    (0.5999, "off_track"),       # just below it
    (1.7, "on_track"),
    (0.0, "off_track"),
])
def test_classify_ratio_boundaries(ratio, status):
    assert classify_ratio(ratio, Thresholds()) == status


def test_period_labels():
    assert period_label(date(2023, 12, 31), "year") == "2023"
    assert period_label(date(2024, 6, 30), "month") == "2024-06"
    assert period_label(date(2024, 6, 30), "half") == "2024-06"


# ----------------------------------------------------------------------------- level

# b = 10, T = 30 (T - b = 20); values at 2023-06 (e = 0.5) unless stated; ratio = c / e.
LEVEL_CASES = [
    # id, points, as_of, expected {field: value}
    ("ratio exactly 0.95", [month(2023, 6, 19.5)], date(2023, 6, 30),
     # c = (19.5 - 10) / 20 = 0.475; ratio = 0.475 / 0.5 = 0.95
     dict(status="on_track", completion=0.475, elapsed=0.5, ratio=0.95, latest_label="2023-06")),
    ("ratio just below 0.95", [month(2023, 6, 19.4)], date(2023, 6, 30),
     # c = 9.4 / 20 = 0.47; ratio = 0.94
     dict(status="behind", completion=0.47, ratio=0.94)),
    ("ratio exactly 0.6", [month(2023, 6, 16.0)], date(2023, 6, 30),
     # c = 6 / 20 = 0.3; ratio = 0.6
     dict(status="behind", completion=0.3, ratio=0.6)),
    ("ratio just below 0.6", [month(2023, 6, 15.9)], date(2023, 6, 30),
     # c = 5.9 / 20 = 0.295; ratio = 0.59
     dict(status="off_track", completion=0.295, ratio=0.59)),
    ("achieved early", [month(2023, 6, 31.0)], date(2023, 6, 30),
     # v = 31 >= T = 30: achieved whatever the pace; c = 21 / 20 = 1.05
     dict(status="achieved", completion=1.05, ratio=2.1)),
    ("no value after the base year", [year(2020, 10.0)], date(2023, 6, 30),
     dict(status="no_data", latest_value=None, completion=None, ratio=None, elapsed=0.5)),
    ("no value at all", [], date(2023, 6, 30), dict(status="no_data")),
    ("later points are ignored", [year(2022, 18.0), year(2024, 29.0)], date(2023, 12, 31),
     # as of 2023-12 only 2022 is known: c = 8 / 20 = 0.4, e = 24 / 60 = 0.4, ratio = 1
     dict(status="on_track", latest_value=18.0, latest_label="2022", completion=0.4, elapsed=0.4, ratio=1.0)),
    ("a sub-year stock is the latest value", [year(2023, 20.0), month(2024, 6, 22.0)], date(2024, 9, 30),
     # v = 22 at 2024-06: c = 12 / 20 = 0.6; e = 42 / 60 = 0.7; ratio = 0.857142857…
     dict(status="behind", latest_value=22.0, latest_label="2024-06", latest_period_type="month",
          completion=0.6, elapsed=0.7, ratio=0.6 / 0.7)),
]


@pytest.mark.parametrize(("points", "as_of", "expected"), [c[1:] for c in LEVEL_CASES],
                         ids=[c[0] for c in LEVEL_CASES])
def test_level(points, as_of, expected):
    result = evaluate_target(spec("level", 10.0, 30.0), points, as_of)
    for name, value in expected.items():
        got = getattr(result, name)
        assert got == (approx(value) if isinstance(value, float) else value), name


def test_level_without_base_is_v_over_t():
    # 〔12000〕-style stock without a base: c = v / T = 4800 / 12000 = 0.4; e = 0.4; ratio = 1.0
    result = evaluate_target(spec("level", None, 12000.0), [year(2022, 4800.0)], date(2022, 12, 31))
    assert (result.status, result.completion, result.ratio) == ("on_track", approx(0.4), approx(1.0))
    assert "no base" in result.note
    assert result.note_zh == "无基期值：完成度 = 最新值 ÷ 目标值"  # the zh reports' twin


def test_level_threshold_reached_is_achieved():
    # ≥83 with base 80: v = 83 reaches the threshold
    result = evaluate_target(spec("level", 80.0, 83.0), [year(2021, 83.0)], date(2021, 12, 31))
    assert result.status == "achieved"


def test_level_of_a_flow_uses_full_years_only():
    # a flow indicator: the 2023-06 year-to-date figure is a partial year and does not count
    points = [year(2022, 300.0), month(2023, 6, 200.0)]
    result = evaluate_target(spec("level", 236.0, 350.0, full_years_only=True), points, date(2023, 6, 30))
    # v = 300 (2022): c = 64 / 114 = 0.5614035…; e = 0.4; ratio = 1.4035087…
    assert result.latest_label == "2022"
    assert result.completion == approx(64 / 114)
    assert result.ratio == approx(64 / 114 / 0.4)


def test_level_projection_and_path():
    # b = 10 (2020), v = 14 (2022): g = 1.4^(1/2) - 1 = 0.18321596…;
    # v_2025 = 14 × 1.4^(3/2) = 14 × 1.6565023… = 23.1910327… >= 20: meets
    result = evaluate_target(spec("level", 10.0, 20.0), [year(2022, 14.0)], date(2022, 12, 31))
    assert result.observed_growth == approx(0.1832159566199232)
    assert result.projected_value == approx(23.1910327497505)
    assert result.projected_meets is True
    # path: 10 × 2^((y - 2020) / 5): 2020 10, 2021 11.4869835…, 2025 20
    path = {row["year"]: row for row in result.yearly_path}
    assert sorted(path) == [2020, 2021, 2022, 2023, 2024, 2025]
    assert path[2020]["path"] == approx(10.0) and path[2025]["path"] == approx(20.0)
    assert path[2021]["path"] == approx(11.486983549970)
    assert path[2022]["actual"] == 14.0 and path[2020]["actual"] == 10.0 and path[2023]["actual"] is None


def test_level_single_value_without_base_projects_flat():
    # no base and one value: g = 0, v_2025 = v = 8 < 20
    result = evaluate_target(spec("level", None, 20.0), [year(2022, 8.0)], date(2022, 12, 31))
    assert result.observed_growth == 0.0
    assert result.projected_value == 8.0 and result.projected_meets is False


# ----------------------------------------------------------------------------- period_total

def test_period_total_sums_flows_since_the_base_year():
    # T = (100); 2021 20 + 2022 25 = S 45; c = 0.45; e = 0.4; ratio = 1.125
    points = [year(2020, 99.0), year(2021, 20.0), year(2022, 25.0)]
    result = evaluate_target(spec("period_total", 907.6, 100.0), points, date(2022, 12, 31))
    assert result.cumulative_value == 45.0
    assert result.latest_value == 25.0 and result.latest_label == "2022"
    assert (result.completion, result.elapsed, result.ratio) == (approx(0.45), approx(0.4), approx(1.125))
    assert result.status == "on_track"
    # g = 25 / 20 - 1 = 0.25; S_2025 = 45 + 25×1.25 + 25×1.25² + 25×1.25³ = 45 + 31.25 + 39.0625 + 48.828125
    assert result.observed_growth == approx(0.25)
    assert result.projected_value == approx(164.140625)
    assert result.projected_meets is True
    assert result.points_used == ["y2021", "y2022"]
    # path: T × (y - 2020) / 5 cumulated; actual: cumulative sums
    path = {row["year"]: row for row in result.yearly_path}
    assert [path[y]["path"] for y in range(2020, 2026)] == [0, 20, 40, 60, 80, 100]
    assert [path[y]["actual"] for y in (2020, 2021, 2022, 2023)] == [0.0, 20.0, 45.0, None]


def test_period_total_adds_the_year_to_date_flow():
    # 2021 20 (full year) + 2022-06 YTD 8: S = 28 at 2022-06; e = 18 / 60 = 0.3; c = 0.28;
    # ratio = 0.9333…: behind. Projection from full years: f = 20, g = 0: S_2025 = 20 + 4 × 20 = 100
    points = [year(2021, 20.0), month(2022, 6, 8.0, "half")]
    result = evaluate_target(spec("period_total", None, 100.0), points, date(2022, 6, 30))
    assert result.cumulative_value == 28.0 and result.latest_label == "2022-06"
    assert (result.elapsed, result.completion, result.ratio) == (approx(0.3), approx(0.28), approx(0.28 / 0.3))
    assert result.status == "behind"
    assert result.projected_value == approx(100.0) and result.projected_meets is True


def test_period_total_boundary_exactly_0_6_and_achieved():
    # S = 24 at 2022-12: c = 0.24, e = 0.4, ratio = 0.6: behind (not off_track)
    result = evaluate_target(spec("period_total", None, 100.0), [year(2021, 12.0), year(2022, 12.0)],
                             date(2022, 12, 31))
    assert result.ratio == approx(0.6) and result.status == "behind"
    # S = 40 + 40 + 30 = 110 >= 100 by 2023: achieved
    result = evaluate_target(spec("period_total", None, 100.0),
                             [year(2021, 40.0), year(2022, 40.0), year(2023, 30.0)], date(2023, 12, 31))
    assert result.status == "achieved" and result.cumulative_value == 110.0


def test_period_total_names_missing_years():
    result = evaluate_target(spec("period_total", None, 100.0), [year(2021, 20.0), year(2023, 30.0)],
                             date(2023, 12, 31))
    assert result.cumulative_value == 50.0
    assert "2022" in result.note


# ----------------------------------------------------------------------------- annual_flow

ANNUAL_FLOW_CASES = [
    # T = 3000 件/年; ratio = c = v / T on the latest full year
    ("ratio exactly 0.95", [year(2022, 2850.0)], dict(status="on_track", completion=0.95, ratio=0.95)),
    ("just below 0.95", [year(2022, 2847.0)], dict(status="behind", completion=0.949, ratio=0.949)),
    ("exactly 0.6", [year(2022, 1800.0)], dict(status="behind", ratio=0.6)),
    ("just below 0.6", [year(2022, 1797.0)], dict(status="off_track", ratio=0.599)),
    ("achieved", [year(2021, 2000.0), year(2022, 3100.0)], dict(status="achieved", latest_value=3100.0)),
    ("a part year does not count", [year(2021, 2700.0), month(2022, 6, 2000.0)],
     dict(status="behind", latest_value=2700.0, latest_label="2021", ratio=0.9)),
    ("only a part year: no data", [month(2022, 6, 2000.0)], dict(status="no_data", latest_value=None)),
]


@pytest.mark.parametrize(("points", "expected"), [c[1:] for c in ANNUAL_FLOW_CASES],
                         ids=[c[0] for c in ANNUAL_FLOW_CASES])
def test_annual_flow(points, expected):
    result = evaluate_target(spec("annual_flow", None, 3000.0), points, date(2022, 12, 31))
    for name, value in expected.items():
        got = getattr(result, name)
        assert got == (approx(value) if isinstance(value, float) else value), name


def test_annual_flow_projection():
    # earliest value after y0 (2021: 2000) to v (2022: 2420): g = 0.21;
    # v_2025 = 2420 × 1.21³ = 2420 × 1.771561 = 4287.17762
    result = evaluate_target(spec("annual_flow", None, 3000.0), [year(2021, 2000.0), year(2022, 2420.0)],
                             date(2022, 12, 31))
    assert result.observed_growth == approx(0.21)
    assert result.projected_value == approx(4287.17762)
    assert result.projected_meets is True


# ----------------------------------------------------------------------------- avg_growth

AVG_GROWTH_RATE_CASES = [
    # the indicator is itself the printed rate (in %): g = v / 100, r = 0.30, ratio = c = g / r
    ("rate 28.5 = 0.95 of 30", 28.5, dict(status="on_track", completion=0.95, observed_growth=0.285)),
    ("rate 28.4", 28.4, dict(status="behind", completion=28.4 / 30)),
    ("rate 18 = 0.6 of 30", 18.0, dict(status="behind", completion=0.6)),
    ("rate 17.9", 17.9, dict(status="off_track")),
    ("rate 33", 33.0, dict(status="achieved", projected_meets=True, projected_value=None)),
]


@pytest.mark.parametrize(("rate", "expected"), [c[1:] for c in AVG_GROWTH_RATE_CASES],
                         ids=[c[0] for c in AVG_GROWTH_RATE_CASES])
def test_avg_growth_of_a_printed_rate(rate, expected):
    result = evaluate_target(spec("avg_growth", 31.0, 30.0, value_is_rate=True), [year(2022, rate)],
                             date(2022, 12, 31))
    for name, value in expected.items():
        got = getattr(result, name)
        assert got == (approx(value) if isinstance(value, float) else value), name
    assert result.ratio == result.completion


def test_avg_growth_from_levels():
    # b = 100 (2020), v = 144 (2022): g = 1.44^(1/2) - 1 = 0.2; r = 0.3: c = ratio = 0.6666…: behind
    result = evaluate_target(spec("avg_growth", 100.0, 30.0), [year(2022, 144.0)], date(2022, 12, 31))
    assert result.observed_growth == approx(0.2)
    assert result.ratio == approx(2 / 3) and result.status == "behind"
    assert result.projected_meets is False and result.projected_value is None
    # v = 169: g = 0.3 = r exactly: achieved
    result = evaluate_target(spec("avg_growth", 100.0, 30.0), [year(2022, 169.0)], date(2022, 12, 31))
    assert result.status == "achieved" and result.projected_meets is True


def test_avg_growth_uses_fractional_years():
    # b = 100, v = 121 at 2022-06: 18 months = 1.5 years; g = 1.21^(2/3) - 1 = 0.1355081…
    result = evaluate_target(spec("avg_growth", 100.0, 30.0), [month(2022, 6, 121.0)], date(2022, 6, 30))
    assert result.observed_growth == approx(0.135508127002)  # exp(0.1906204 / 1.5) - 1
    assert result.latest_label == "2022-06"


def test_avg_growth_base_from_the_data_or_the_earliest_value():
    # no printed base: the 2020 value in the data (200) -> 2022 (288): g = 1.44^(1/2) - 1 = 0.2
    result = evaluate_target(spec("avg_growth", None, 20.0), [year(2020, 200.0), year(2022, 288.0)],
                             date(2022, 12, 31))
    assert result.observed_growth == approx(0.2) and result.status == "achieved"
    # no base at all: from the earliest value after y0 (2021: 100) to 2023 (121): g = 0.1
    result = evaluate_target(spec("avg_growth", None, 20.0), [year(2021, 100.0), year(2023, 121.0)],
                             date(2023, 12, 31))
    assert result.observed_growth == approx(0.1) and result.completion == approx(0.5)
    assert result.status == "off_track"
    # a single value and no base: growth needs two values
    result = evaluate_target(spec("avg_growth", None, 20.0), [year(2021, 100.0)], date(2023, 12, 31))
    assert result.status == "no_data"


# ----------------------------------------------------------------------------- none, verdicts

def test_none_kind_and_missing_target_are_no_data_never_errors():
    result = evaluate_target(spec("none", None, None), [year(2022, 5.0)], date(2022, 12, 31))
    assert result.status == "no_data" and result.latest_value == 5.0 and result.ratio is None
    result = evaluate_target(spec("level", 1.0, None), [], date(2022, 12, 31))
    assert result.status == "no_data"
    result = evaluate_target(TargetSpec("level", None, None, None, 5.0), [], date(2022, 12, 31))
    assert result.status == "no_data"


@pytest.mark.parametrize(("value", "status", "verdict"), [
    (20.0, "achieved", "achieved"),
    # c = 9 / 10 = 0.9 at e = 1: behind, and the plan is over: not achieved
    (19.0, "behind", "not_achieved"),
])
def test_closed_plan_gets_a_verdict(value, status, verdict):
    result = evaluate_target(spec("level", 10.0, 20.0), [year(2025, value)], date(2026, 3, 31))
    assert (result.status, result.verdict, result.elapsed) == (status, verdict, 1.0)


def test_ended_plan_without_final_year_data_has_no_verdict_yet():
    result = evaluate_target(spec("level", 10.0, 20.0), [year(2024, 19.0)], date(2026, 3, 31))
    assert result.verdict is None
    assert "no value for 2025" in result.note
    assert "尚无2025年数据" in result.note_zh and len(result.notes_zh) == len(result.notes)


# ----------------------------------------------------------------------------- configuration

def test_thresholds_from_the_environment(monkeypatch):
    assert load_thresholds() == Thresholds(0.95, 0.6)
    monkeypatch.setenv("IPSTATS_ON_TRACK_RATIO", "0.9")
    monkeypatch.setenv("IPSTATS_OFF_TRACK_RATIO", "0.5")
    thresholds = load_thresholds()
    assert thresholds == Thresholds(0.9, 0.5)
    # ratio 0.94 (see LEVEL_CASES) is on track at 0.9
    result = evaluate_target(spec("level", 10.0, 30.0), [month(2023, 6, 19.4)], date(2023, 6, 30), thresholds)
    assert result.status == "on_track"


def test_thresholds_from_a_yaml_file(monkeypatch, tmp_path):
    path = tmp_path / "thresholds.yaml"
    path.write_text("on_track_ratio: 0.8\noff_track_ratio: 0.4\n", encoding="utf-8")
    monkeypatch.setenv("IPSTATS_PROGRESS_THRESHOLDS", str(path))
    assert load_thresholds() == Thresholds(0.8, 0.4)
    monkeypatch.setenv("IPSTATS_OFF_TRACK_RATIO", "bad")
    with pytest.raises(ValueError, match="IPSTATS_OFF_TRACK_RATIO"):
        load_thresholds()


def test_values_after_the_target_year_do_not_count():
    # a 2015 -> 2020 plan judged in 2023: the 2020 value (19 < 20) decides, not 2022's 25
    closed = TargetSpec("level", 2015, None, 2020, 20.0)
    result = evaluate_target(closed, [year(2020, 19.0), year(2022, 25.0)], date(2023, 6, 30))
    assert (result.latest_label, result.verdict) == ("2020", "not_achieved")


def test_avg_growth_from_levels_shows_the_rate_as_latest_value():
    # b = 100, v = 144 two years later: g = 20 %, shown as the latest value (the plan's unit is %)
    result = evaluate_target(spec("avg_growth", 100.0, 30.0), [year(2022, 144.0)], date(2022, 12, 31))
    assert result.latest_value == approx(20.0)
    assert "from 2020 (100) to 2022 (144)" in result.note
    assert "2020（100）至2022（144）年均增长20.00%" in result.note_zh


def test_compute_progress_picks_the_rate_or_the_levels_of_a_growth_indicator():
    """A supplied rate counts for the plan it covers; for a later plan, the levels give the growth."""
    import pandas as pd

    from etl.progress import compute_progress

    common = dict(indicator_code="pct_applications_growth", region_code="440000",
                  indicator_name_zh="PCT申请量年均增长率",
                  indicator_name_en="PCT growth", unit="%", category="创造", target_kind="avg_growth",
                  comparator=">=", source="table", source_ref="test", base_value=None, target_value=10.0,
                  catalog_note=None, row_no=1, indicator_unit="%", aggregation="growth", direction="increase",
                  method="measure", measure_basis="flow")
    targets = pd.DataFrame([
        dict(common, plan_id="old", target_id="r1", base_year=2015, target_year=2020),
        dict(common, plan_id="new", target_id="r1", base_year=2020, target_year=2025),
    ])

    def row(series, y, value):
        return dict(series_code=series, indicator_code="pct_applications_growth", region_code="440000",
                    period_end=date(y, 12, 31), period_type="year", value=value, unit="%",
                    value_source="tidy" if series == "pct_applications_growth" else "measure",
                    inputs=f'[{{"batch_id": "{series}-{y}"}}]')
    values = pd.DataFrame([row("pct_applications_growth", 2020, 13.1),
                           row("level:pct_applications_growth", 2020, 1000.0),
                           row("level:pct_applications_growth", 2022, 1210.0)])
    frame = compute_progress(targets, values, [date(2022, 12, 31)]).set_index("plan_id")
    # old plan (2015-2020): the printed 13.1 % is the growth: achieved, verdict achieved
    assert frame.loc["old", "observed_growth"] == approx(0.131)
    assert frame.loc["old", "verdict"] == "achieved"
    # new plan (2020-2025): 1000 -> 1210 in two years: g = 1.21^(1/2) - 1 = 10 % = r: achieved
    assert frame.loc["new", "observed_growth"] == approx(0.1)
    assert frame.loc["new", "status"] == "achieved"
    assert frame.loc["new", "latest_value"] == approx(10.0)
    used = {item["batch_id"] for item in json.loads(frame.loc["new", "observations_used"])}
    assert used == {"level:pct_applications_growth-2020", "level:pct_applications_growth-2022"}
