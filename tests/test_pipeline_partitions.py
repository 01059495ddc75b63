"""Two exports of one source kind for the same period and region, carrying different measures,
both stay published; a revision of one replaces only its own measures."""

from __future__ import annotations

from pathlib import Path

from etl.ingest.pipeline import ingest_paths
from etl.warehouse import read_frame


def _write(path: Path, header: str, rows: list[tuple[str, int]]) -> Path:
    lines = ["2024年1-6月全省各地市专利统计", "单位：件", f"地区,{header}"]
    lines += [f"{region},{value}" for region, value in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _published(engine) -> dict[tuple[str, str], float]:
    with engine.connect() as conn:
        frame = read_frame(conn, "SELECT region_code, measure_code, value FROM obs_observations "
                                 "WHERE period_type = 'month'")
    return {(r.region_code, r.measure_code): r.value for r in frame.itertuples()}


def test_tables_of_one_kind_and_month_do_not_wipe_each_other(engine, tmp_path: Path) -> None:
    applications = _write(tmp_path / "2024年1-6月各地市发明专利申请统计.csv", "发明专利申请量",
                          [("广州市", 100), ("深圳市", 200)])
    valid = _write(tmp_path / "2024年1-6月各地市有效发明专利统计.csv", "有效发明专利量",
                   [("广州市", 5000), ("深圳市", 7000)])
    outcomes = ingest_paths([applications, valid], engine=engine, reconcile=False)
    assert [o.status for o in outcomes] == ["loaded", "loaded"]
    published = _published(engine)
    assert published[("440100", "patent_invention_applications")] == 100
    assert published[("440100", "patent_invention_valid")] == 5000

    revision_dir = tmp_path / "later"
    revision_dir.mkdir()
    revised = _write(revision_dir / "2024年1-6月各地市发明专利申请统计（修订）.csv", "发明专利申请量",
                     [("广州市", 110), ("深圳市", 200)])
    [outcome] = ingest_paths([revised], engine=engine, reconcile=False)
    assert outcome.status == "revised"
    published = _published(engine)
    assert published[("440100", "patent_invention_applications")] == 110
    assert published[("440100", "patent_invention_valid")] == 5000  # the other table's value stays
    with engine.connect() as conn:
        history = read_frame(conn, "SELECT region_code, measure_code, value FROM obs_history")
    assert list(history.itertuples(index=False, name=None)) == [("440100", "patent_invention_applications", 100.0)]
