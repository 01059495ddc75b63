"""``ipstats progress``: the table lines up Chinese names by display width; json/csv carry the fields
a report or a spreadsheet needs."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pandas as pd
import pytest

from etl import warehouse
from etl.cli import main
from etl.progress.formatting import display_width, fit

REQUIRED = ["indicator_code", "indicator_name_zh", "unit", "target_kind", "base_value", "target_value",
            "latest_value", "latest_period_end", "completion", "elapsed", "ratio", "status", "projected_value",
            "projected_meets", "verdict", "note"]


def test_display_width_counts_wide_characters_twice():
    assert display_width("abc") == 3
    assert display_width("发明专利") == 8
    assert display_width("ＰＣＴ申请量") == 12   # full-width letters are wide too
    assert display_width(fit("知识产权保护社会满意度", 10)) == 10
    assert fit("知识产权保护社会满意度", 10).rstrip().endswith("…")
    assert fit("分", 4, "right") == "  分"


@pytest.fixture
def loaded_warehouse(duckdb_url, monkeypatch):
    from etl.catalog import load_catalog_into_warehouse

    monkeypatch.setenv("IPSTATS_WAREHOUSE_URL", duckdb_url)
    engine = warehouse.get_engine(duckdb_url)
    warehouse.init_db(engine)
    load_catalog_into_warehouse(engine)
    rows = [
        ("population", date(2021, 12, 31), "year", "stock", 10000.0, "万人", "reference"),
        ("patent_invention_high_value", date(2021, 12, 31), "year", "stock", 160000.0, "件", "patent"),
        ("pledge_amount_total", date(2021, 12, 31), "year", "period", 3_000_000.0, "万元", "pledge"),
    ]
    frame = pd.DataFrame([dict(region_code="440000", measure_code=m, period_end=d, period_type=t, basis=b,
                               value=v, unit=u, source_kind=k, batch_id="b1", source_row=3)
                          for m, d, t, b, v, u, k in rows])
    with warehouse.transaction(engine) as conn:
        warehouse.bulk_insert(conn, "obs_observations", frame)
    yield engine
    warehouse.dispose_engines()


def test_table_is_aligned(loaded_warehouse, capsys):
    assert main(["progress", "--plan", "guangdong-14fyp", "--as-of", "2022-06"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("guangdong-14fyp") and "2022-06" in lines[0]
    header, rule = lines[1], lines[2]
    # every column starts where the header's column starts (two spaces between columns)
    starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
    header_cols = [display_width(header[: header.index(name)]) for name in ("指标", "单位", "状态")]
    assert header_cols == [starts[1], starts[2], starts[10]]
    body = [line for line in lines[3:] if line and not line.startswith("注")]
    assert any(line.startswith("r01") and "每万人口高价值发明专利拥有量" in line for line in body)
    for line in body:
        prefix = line[: line.index("  ", 5) + 2]  # id column
        assert display_width(prefix) == starts[1]
    r01 = next(line for line in body if line.startswith("r01"))
    # 160000 / 10000 = 16 per 10,000 people, 2021; b 13.5, T 20: c = 2.5 / 6.5 = 38 %; e = 20 %
    assert "16" in r01 and "2021" in r01 and "38%" in r01 and "符合进度" in r01


def test_json_and_csv_carry_the_fields(loaded_warehouse, capsys):
    assert main(["progress", "--plan", "guangdong-14fyp", "--as-of", "2022-06", "--format", "json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert items and all(key in items[0] for key in REQUIRED)
    r04a = next(item for item in items if item["target_id"] == "r04a")
    # 3,000,000 万元 = 300 亿元 in 2021: S = 300 of (2500); e = 18/60
    assert r04a["latest_value"] == 300.0 and r04a["cumulative_value"] == 300.0
    assert r04a["latest_period_end"] == "2021-12-31" and r04a["completion"] == pytest.approx(0.12)
    assert isinstance(r04a["yearly_path"], list)
    assert main(["progress", "--plan", "guangdong-14fyp", "--as-of", "2022-06", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert set(REQUIRED) <= set(rows[0]) and len(rows) == len(items)


def test_bad_arguments(loaded_warehouse, capsys):
    assert main(["progress", "--plan", "no-such-plan", "--as-of", "2022-06"]) == 2
    assert "no-such-plan" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["progress", "--plan", "guangdong-14fyp", "--as-of", "2022-13"])
    assert main(["progress", "--refresh", "--as-of", "2022-06"]) == 0
    assert "row(s) written" in capsys.readouterr().out
