"""The load pipeline on both warehouses: idempotency, revisions, quarantine (whole-file fault and
GX failure), year rows, derived monthly flows, reconciliation, CLI and backfill from the archive."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from etl.config import get_settings
from etl.ingest.pipeline import ingest_paths
from etl.warehouse import read_frame

CITIES = [
    ("广州", 40), ("深圳", 60), ("珠海", 8), ("汕头", 5), ("佛山", 20), ("韶关", 2), ("河源", 1), ("梅州", 2),
    ("惠州", 9), ("汕尾", 1), ("东莞", 25), ("中山", 7), ("江门", 6), ("阳江", 1), ("湛江", 2), ("茂名", 2),
    ("肇庆", 3), ("清远", 2), ("潮州", 1), ("揭阳", 2), ("云浮", 1),
]
TABLES = ["load_batches", "obs_observations", "obs_history", "obs_indicator_values", "obs_indicator_history",
          "load_rejections", "load_validation_results", "load_reconciliation", "stg_observations"]


def patent_csv(folder: Path, name: str, title_period: str, scale: float = 1.0, province: float | None = None,
               overrides: dict[str, float] | None = None, valid_scale: float = 1.0) -> Path:
    """A wide patent export for the province and its 21 cities (year-to-date grants, valid stock)."""
    overrides = overrides or {}
    rows = [(city, round(weight * 10 * scale), weight * 100 * valid_scale) for city, weight in CITIES]
    rows = [(city, overrides.get(city, grants), valid) for city, grants, valid in rows]
    total = province if province is not None else sum(r[1] for r in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f"{title_period}全省各地市专利授权状况统计表"])
    writer.writerow(["单位：件"])
    writer.writerow(["地区", "发明专利授权量", "有效发明专利量"])
    writer.writerow(["全省", f"{total:g}", f"{sum(r[2] for r in rows):g}"])
    for city, grants, valid in rows:
        writer.writerow([city, f"{grants:g}", f"{valid:g}"])
    path = folder / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def tidy_csv(folder: Path, name: str, year: int, values: dict[str, float]) -> Path:
    """A tidy indicator file (source kind ``indicator``): region, indicator, year, value, unit."""
    lines = ["地区,指标,年份,数值,单位"] + [f"广东省,{indicator},{year},{value:g},分"
                                           for indicator, value in values.items()]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def dump(engine, tables=TABLES, drop_timestamps: bool = False) -> dict[str, list]:
    """Every row of the tables, sorted, as plain values (optionally without *_at columns)."""
    out = {}
    with engine.connect() as conn:
        for table in tables:
            frame = read_frame(conn, f"SELECT * FROM {table}")
            if drop_timestamps:
                frame = frame[[c for c in frame.columns if not c.endswith("_at") and c != "run_id"]]
            rows = [tuple("" if pd.isna(v) else str(v) for v in row) for row in frame.itertuples(index=False)]
            out[table] = sorted(rows)
    return out


def observations(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return read_frame(conn, "SELECT * FROM obs_observations ORDER BY region_code, measure_code, period_end, "
                                "period_type, basis")


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def test_same_files_twice_give_an_identical_warehouse(engine, exports: Path) -> None:
    patent_csv(exports, "2024年1-5月专利统计.csv", "2024年1-5月", scale=1.0)
    patent_csv(exports, "2024年1-6月专利统计.csv", "2024年1-6月", scale=1.2)
    (exports / "2024年1-7月专利统计.csv").write_bytes(b"")  # a whole-file fault
    tidy_csv(exports, "2024年知识产权补充指标.csv", 2024, {"商标品牌发展指数": 83.6})
    first = ingest_paths([exports], engine)
    assert sorted(o.status for o in first) == ["loaded", "loaded", "loaded", "quarantined"]
    before = dump(engine)
    before_without_times = dump(engine, drop_timestamps=True)
    second = ingest_paths([exports], engine)
    assert sorted(o.status for o in second) == ["quarantined", "unchanged", "unchanged", "unchanged"]
    # every table, row for row (the quarantined file's same fault is not recorded twice)
    assert dump(engine) == before
    assert dump(engine, drop_timestamps=True) == before_without_times


def test_revision_moves_replaced_values_to_history(engine, exports: Path) -> None:
    original = patent_csv(exports, "2024年1-6月专利统计.csv", "2024年1-6月")
    [first] = ingest_paths([original], engine)
    assert first.status == "loaded" and first.rows_loaded == 44
    revision_dir = exports / "later"
    revision_dir.mkdir()
    revised_file = patent_csv(revision_dir, "2024年1-6月专利统计（修订）.csv", "2024年1-6月",
                              overrides={"广州": 999})
    [second] = ingest_paths([revised_file], engine)
    assert second.status == "revised", second.line()
    obs = observations(engine)
    guangzhou = obs[(obs.region_code == "440100") & (obs.measure_code == "patent_invention_grants")]
    assert guangzhou["value"].tolist() == [999.0]
    assert set(obs["batch_id"]) == {second.batch_id}
    with engine.connect() as conn:
        history = read_frame(conn, "SELECT * FROM obs_history")
        batch = read_frame(conn, "SELECT status, source_file FROM load_batches WHERE batch_id = :b",
                           {"b": second.batch_id})
    # only the values that changed are superseded: 广州's grants and the province total
    assert sorted(history["region_code"]) == ["440000", "440100"]
    assert set(history["superseded_by"]) == {second.batch_id}
    assert set(history["batch_id"]) == {first.batch_id}
    assert history.set_index("region_code").loc["440100", "value"] == 400.0
    assert batch.iloc[0].tolist() == ["revised", "2024年1-6月专利统计（修订）.csv"]


def test_tidy_indicator_values_load_and_revise_by_region_indicator_year(engine, exports: Path) -> None:
    first = tidy_csv(exports, "2023年知识产权补充指标.csv", 2023,
                     {"商标品牌发展指数": 80.0, "知识产权保护社会满意度": 70.0})
    [loaded] = ingest_paths([first], engine)
    assert loaded.status == "loaded" and loaded.rows_loaded == 2
    later = exports / "later"
    later.mkdir()
    second = tidy_csv(later, "2023年知识产权补充指标（更正）.csv", 2023, {"商标品牌发展指数": 81.5})
    [revised] = ingest_paths([second], engine)
    assert revised.status == "revised"
    with engine.connect() as conn:
        values = read_frame(conn, "SELECT indicator_code, value, batch_id FROM obs_indicator_values "
                                  "ORDER BY indicator_code")
        history = read_frame(conn, "SELECT indicator_code, value, batch_id, superseded_by FROM obs_indicator_history")
    assert values["value"].tolist() == [70.0, 81.5] or values["value"].tolist() == [81.5, 70.0]
    assert set(values["batch_id"]) == {loaded.batch_id, revised.batch_id}
    assert history[["value", "batch_id", "superseded_by"]].values.tolist() == [[80.0, loaded.batch_id,
                                                                                revised.batch_id]]


def test_stand_in_parser_missing_year_rows_are_filled_and_crashes_quarantine(engine, exports: Path) -> None:
    """The pipeline against the ParsedFile contract alone: a December year-to-date file whose
    parser gave no year rows still yields them; a parser crash quarantines only its file."""
    from datetime import date
    from types import SimpleNamespace

    def stand_in_parser(path, original_name=None):
        if "crash" in str(original_name):
            raise ZeroDivisionError("bug in a layout")
        frame = pd.DataFrame({
            "region_code": ["440000", "440000"], "measure_code": ["patent_invention_grants", "patent_invention_valid"],
            "period_end": [date(2023, 12, 31)] * 2, "period_type": ["month"] * 2, "basis": ["ytd", "stock"],
            "value": [120.0, 900.0], "unit": ["件", "件"], "source_row": [4, 4], "source_column": ["a", "b"]})
        return SimpleNamespace(source_file=original_name, source_kind="patent", layout="stand_in",
                               period_type="month", period_start=date(2023, 1, 1), period_end=date(2023, 12, 31),
                               observations=frame, indicator_values=pd.DataFrame(), rejections=[])

    (exports / "december.csv").write_text("x", encoding="utf-8")
    (exports / "crash.csv").write_text("y", encoding="utf-8")
    outcomes = {o.original_name: o for o in ingest_paths([exports], engine, parser=stand_in_parser)}
    assert outcomes["december.csv"].status == "loaded"
    assert outcomes["crash.csv"].status == "quarantined"
    assert "parser error ZeroDivisionError: bug in a layout" in outcomes["crash.csv"].reason
    year = observations(engine).query("period_type == 'year'").set_index("measure_code")
    assert year.loc["patent_invention_grants", ["basis", "value"]].tolist() == ["period", 120.0]
    assert year.loc["patent_invention_valid", ["basis", "value"]].tolist() == ["stock", 900.0]


def test_whole_file_fault_quarantines_that_file_only(engine, exports: Path) -> None:
    good = patent_csv(exports, "2024年1-6月专利统计.csv", "2024年1-6月")
    empty = exports / "2024年1-7月专利统计.csv"
    empty.write_bytes(b"")
    truncated = exports / "2024年1-8月专利统计.xlsx"
    truncated.write_bytes(b"PK\x03\x04 truncated workbook")
    outcomes = {o.original_name: o for o in ingest_paths([good, empty, truncated], engine)}
    assert outcomes[good.name].status == "loaded"
    for faulty in (empty, truncated):
        outcome = outcomes[faulty.name]
        assert outcome.status == "quarantined" and outcome.reason
        assert (get_settings().quarantine_dir / f"{outcome.content_hash[:12]}_{faulty.name}").exists()
        archived = get_settings().archive_dir / outcome.content_hash[:2] / f"{outcome.content_hash}{faulty.suffix}"
        assert archived.exists()
    with engine.connect() as conn:
        batches = read_frame(conn, "SELECT source_file, status, reason FROM load_batches ORDER BY source_file")
        published = read_frame(conn, "SELECT DISTINCT batch_id FROM obs_observations")
        rejections = read_frame(conn, "SELECT source_file, reason FROM load_rejections")
    assert batches.set_index("source_file").loc[empty.name, "status"] == "quarantined"
    assert "empty" in batches.set_index("source_file").loc[empty.name, "reason"]
    assert published["batch_id"].tolist() == [outcomes[good.name].batch_id]
    assert set(rejections["source_file"]) == {empty.name, truncated.name}


def test_gx_failure_quarantines_the_batch_and_publishes_nothing(engine, exports: Path) -> None:
    april = patent_csv(exports, "2024年1-4月专利统计.csv", "2024年1-4月", scale=1.5)
    [loaded] = ingest_paths([april], engine)
    assert loaded.status == "loaded"
    # May (validated in the same GX run as June) passes; June's year-to-date for 广州 is below May's:
    # the suite fails June's batch alone
    may = patent_csv(exports, "2024年1-5月专利统计.csv", "2024年1-5月", scale=2.0)
    june = patent_csv(exports, "2024年1-6月专利统计.csv", "2024年1-6月", scale=2.5, overrides={"广州": 100})
    outcomes = {o.original_name: o for o in ingest_paths([may, june], engine)}
    assert outcomes[may.name].status == "loaded"
    before = observations(engine)
    outcome = outcomes[june.name]
    assert outcome.status == "quarantined"
    assert "expect_column_pair_values_a_to_be_greater_than_b" in outcome.reason
    assert "previous_ytd" in outcome.reason
    assert outcome.batch_id not in set(before["batch_id"])
    assert "2024-06-30" not in set(before["period_end"].astype(str))
    page = Path(outcome.docs_path)
    assert page.exists() and page.parent == get_settings().artifacts_dir / "validation"
    assert "440100" in page.read_text(encoding="utf-8") and "FAILED" in page.read_text(encoding="utf-8")
    with engine.connect() as conn:
        results = read_frame(conn, "SELECT * FROM load_validation_results WHERE batch_id = :b",
                             {"b": outcome.batch_id})
        staged = read_frame(conn, "SELECT COUNT(*) AS n FROM stg_observations WHERE batch_id = :b",
                            {"b": outcome.batch_id})
    assert len(results) == 1 and not bool(results.loc[0, "success"]) and results.loc[0, "failed"] >= 1
    assert results.loc[0, "docs_path"] == str(page)
    failed = [r for r in json.loads(results.loc[0, "result_json"])["results"] if not r["success"]]
    assert failed[0]["result"]["unexpected_count"] == 1
    assert staged["n"][0] > 0  # kept in staging for inspection, never published


def test_december_export_yields_the_year_and_monthly_flows_derive_from_ytd(engine, exports: Path) -> None:
    for month, scale in ((1, 1.0), (2, 1.5), (12, 3.0)):
        period = "2024年1月" if month == 1 else f"2024年1-{month}月"
        patent_csv(exports, f"{period}专利统计.csv", period, scale=scale)
    outcomes = ingest_paths([exports], engine)
    assert {o.status for o in outcomes} == {"loaded"}
    obs = observations(engine)
    year = obs[(obs.period_type == "year") & (obs.region_code == "440100")].set_index("measure_code")
    assert year.loc["patent_invention_grants", "basis"] == "period"
    assert year.loc["patent_invention_grants", "value"] == 1200.0
    assert year.loc["patent_invention_valid", "basis"] == "stock"
    with engine.connect() as conn:
        flows = read_frame(conn, "SELECT period_end, value, derivation FROM stg_monthly_flows WHERE region_code = "
                                 "'440100' AND measure_code = 'patent_invention_grants' ORDER BY period_end")
    assert flows["value"].tolist() == [400.0, 200.0]  # January, then February = 600 - 400; no November: no December
    assert flows["derivation"].tolist() == ["first_period_of_year", "ytd_difference"]


def test_reconciliation_warns_with_figures(engine, exports: Path) -> None:
    patent_csv(exports, "2023年1-12月专利统计.csv", "2023年1-12月", scale=1.0)
    # the province reports 100 more grants than its cities; valid stock doubles on 400 grants
    patent_csv(exports, "2024年1-6月专利统计.csv", "2024年1-6月", scale=1.0, province=2100, valid_scale=2.0)
    outcomes = ingest_paths([exports], engine)
    assert all(o.status == "loaded" for o in outcomes), [o.line() for o in outcomes]
    with engine.connect() as conn:
        warnings = read_frame(conn, "SELECT * FROM load_reconciliation ORDER BY check_name, region_code")
    sums = warnings[warnings.check_name == "city_sum_vs_province"]
    assert sums[["region_code", "measure_code", "expected", "actual", "difference"]].values.tolist() == [
        ["440000", "patent_invention_grants", 2100.0, 2000.0, -100.0]]
    assert "21 sub-regions of 440000 sum to 2,000.00 but 440000 reports 2,100.00" in sums["message"].iloc[0]
    stock = warnings[(warnings.check_name == "stock_vs_flow") & (warnings.region_code == "440100")]
    assert stock[["measure_code", "expected", "actual"]].values.tolist() == [["patent_invention_valid", 400.0, 4000.0]]
    assert set(warnings["check_name"]) == {"city_sum_vs_province", "stock_vs_flow"}


def test_cli_ingest_export_and_backfill_rebuild(engine, exports: Path, tmp_path: Path, capsys,
                                                monkeypatch: pytest.MonkeyPatch, warehouse_url: str) -> None:
    from etl.cli import main

    patent_csv(exports, "2024年1-5月专利统计.csv", "2024年1-5月")
    patent_csv(exports, "2024年1-6月专利统计.csv", "2024年1-6月", scale=1.1)
    (exports / "2024年1-7月专利统计.csv").write_text("注：本月暂无数据\n", encoding="utf-8")
    assert main(["ingest", str(exports), "--no-refresh"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert sorted(line.split()[0] for line in lines) == ["loaded", "loaded", "quarantined"]
    assert main(["export", "observations", "--format", "csv"]) == 0
    exported = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert list(exported.columns[:8]) == ["region_code", "measure", "period_end", "period_type", "basis", "value",
                                          "unit", "source_file"]
    assert len(exported) == 88
    assert set(exported["source_file"]) == {"2024年1-5月专利统计.csv", "2024年1-6月专利统计.csv"}
    assert main(["export", "rejections", "--format", "csv"]) == 0
    rejections = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert list(rejections.columns[:5]) == ["file", "row", "column", "raw_value", "reason"]
    assert rejections["file"].tolist() == ["2024年1-7月专利统计.csv"]
    before = observations(engine)
    # the raw archive alone rebuilds the warehouse: wipe the published tables, then backfill
    with engine.begin() as conn:
        for table in ("obs_observations", "obs_history", "load_batches", "load_rejections",
                      "load_validation_results", "load_reconciliation", "stg_observations"):
            conn.execute(text(f"DELETE FROM {table}"))
    shutil.rmtree(exports)
    assert main(["backfill", "--from", "2024-05", "--to", "2024-06", "--no-refresh"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.strip().splitlines()] == ["loaded", "loaded"]
    pd.testing.assert_frame_equal(observations(engine), before)
