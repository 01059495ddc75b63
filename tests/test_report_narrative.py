"""The sentences and periods, from hand-made rows: exact wording, nothing left unfilled."""

from __future__ import annotations

from datetime import date

import pytest

from etl.reports.narrative import indicator_sentence, summary_sentence
from etl.reports.periods import BadPeriod, due_periods, parse_period

CITY = {"level": "city", "name_zh": "惠州市", "name_en": "Huizhou"}
ROW = {"indicator_name_zh": "有效发明专利拥有量", "indicator_name_en": "Invention patents in force", "unit": "件",
       "target_kind": "level", "base_year": 2020, "base_value": 5000.0, "target_year": 2025, "target_value": 13560.0,
       "latest_value": 10980.0, "latest_period_end": "2024-12-31", "latest_period_type": "year", "completion": 0.699,
       "elapsed": 0.6, "ratio": 1.165, "status": "on_track", "projected_meets": True, "projected_value": 12600.0,
       "yearly_path": '[{"year": 2023, "actual": 10000.0, "path": 9000.0}, {"year": 2024, "actual": 10980.0}]'}


def test_the_issue_example_sentence() -> None:
    assert indicator_sentence(ROW, CITY, "monthly") == \
        "截至2024年底，全市有效发明专利拥有量10980件，完成规划目标的69.9%，快于时序进度（60.0%）。"


def test_quarterly_and_annual_add_projection_and_growth() -> None:
    quarterly = indicator_sentence(ROW, CITY, "quarterly")
    assert quarterly.endswith("按目前增速测算，2025年预计可达12600件，可以完成规划目标。")
    annual = indicator_sentence(ROW, CITY, "annual")
    assert "比上年增长9.8%" in annual


@pytest.mark.parametrize("status, words", [("behind", "慢于时序进度（60.0%），进度滞后"),
                                           ("off_track", "明显慢于时序进度（60.0%），严重滞后")])
def test_behind_wording(status: str, words: str) -> None:
    row = {**ROW, "status": status, "ratio": 0.5 if status == "off_track" else 0.8}
    assert words in indicator_sentence(row, CITY, "monthly")


def test_missing_data_says_so_without_placeholders() -> None:
    row = {**ROW, "latest_value": None, "latest_period_end": None, "completion": None, "ratio": None,
           "status": "no_data", "projected_meets": None}
    assert indicator_sentence(row, CITY, "quarterly") == "有效发明专利拥有量：暂无数据，无法评估进度。"
    english = indicator_sentence(row, CITY, "annual", "en")
    assert english == "Invention patents in force: no data yet, so progress cannot be assessed."


def test_verdict_of_a_closed_plan_and_other_target_kinds() -> None:
    closed = {**ROW, "verdict": "not_achieved", "latest_period_end": "2020-12-31", "target_year": 2020}
    assert indicator_sentence(closed, CITY, "annual").endswith("规划目标为13560件（2020年），未实现规划目标。")
    total = {**ROW, "target_kind": "period_total", "cumulative_value": 2.5, "unit": "亿元", "target_value": 3.0,
             "completion": 0.8333, "elapsed": 0.8, "ratio": 1.04}
    assert indicator_sentence(total, CITY, "monthly").startswith("2021年至2024年底，全市有效发明专利拥有量累计2.5亿元")
    growth = {**ROW, "target_kind": "avg_growth", "unit": "%", "target_value": 30.0, "observed_growth": 0.245,
              "completion": 0.8167, "status": "behind"}
    assert indicator_sentence(growth, CITY, "monthly") == (
        "截至2024年底，全市有效发明专利拥有量为24.5%（2020年以来），规划目标为年均增长30%，为目标增速的81.7%，进度滞后。")
    none = {**ROW, "target_kind": "none", "target_value": None, "status": "no_data"}
    assert "规划未设定量化目标" in indicator_sentence(none, CITY, "monthly")


def test_english_sentence() -> None:
    assert indicator_sentence(ROW, CITY, "monthly", "en") == (
        "By end-2024, Huizhou's invention patents in force stood at 10,980, 69.9% of the plan target (13,560), "
        "ahead of the time schedule (60.0%).")


def test_summary_sentence() -> None:
    assert summary_sentence({"on_track": 8, "behind": 1, "no_data": 4}, 13, False) == \
        "本期纳入监测的指标共13项，其中符合进度8项、进度滞后1项、无数据4项。"


def test_periods() -> None:
    assert parse_period("2024-06").as_of == date(2024, 6, 30)
    assert parse_period("2024-q2").label == "2024-Q2" and parse_period("2024-Q2").title() == "2024年第二季度"
    assert parse_period("2024").kind == "annual" and parse_period("2024").as_of == date(2024, 12, 31)
    with pytest.raises(BadPeriod, match="2024-13"):
        parse_period("2024-13")
    assert [p.label for p in due_periods(date(2025, 1, 5))] == ["2024-12", "2024-Q4", "2024"]
    assert [p.label for p in due_periods(date(2024, 7, 5))] == ["2024-06", "2024-Q2"]
    assert [p.label for p in due_periods(date(2024, 8, 5))] == ["2024-07"]
