"""Faulty files for demos and tests (``--with-faults``): each shows one fault the pipeline must
quarantine (whole-file faults) or reject (row and value faults) with a clear reason.

| file | fault | expected outcome |
|---|---|---|
| ``…（补报）.csv`` | empty file | quarantined |
| ``…（更正）.xlsx`` | truncated XLSX | quarantined |
| ``…工作任务分解表.xlsx`` | no region column, unknown header layout | quarantined |
| ``…（重报）.xlsx`` | title says 1-9月, file name says 1-6月 | quarantined |
| ``…（修订）.xlsx`` | 博罗县 twice | both rows rejected |
| ``…（补充）.csv`` | ``８２ ５`` (a lost decimal point) | that value rejected |
| ``…（含功能区）.xlsx`` | 大亚湾区, a zone the catalog does not know | that row rejected |
"""

from __future__ import annotations

import io
from pathlib import Path

from etl.samples import layouts as L
from etl.samples.generate import FileSpec, RegionName, _build_grid, _period_choices, _style
from etl.samples.render import Grid, write_csv, write_xlsx
from etl.samples.series import SampleData

# Which fault files exist: (file name, fault) - the names are kept stable for tests and demos.
FAULTS = (
    ("empty", "{y}年1-5月全省各地市专利统计（补报）.csv"),
    ("truncated_xlsx", "{y}年1-8月全省各地市专利统计（更正）.xlsx"),
    ("unknown_layout", "{y}年知识产权工作任务分解表.xlsx"),
    ("contradictory_period", "{y}年1-6月全省各地市专利统计（重报）.xlsx"),
    ("duplicate_region", "惠州市各县区{y}年1-6月专利统计（修订）.xlsx"),
    ("ambiguous_value", "{y}年上半年全省知识产权案件统计（补充）.csv"),
    ("unknown_region", "惠州市{y}年1-6月各县区专利统计（含功能区）.xlsx"),
)


def fault_file_names(year: int) -> dict[str, str]:
    """Fault id -> file name for the given (last) year of the set."""
    return {fault: name.format(y=year) for fault, name in FAULTS}


def _spec(family: str, scope: str, year: int, month: int, seed: int, **overrides) -> FileSpec:
    fam = L.FAMILIES[family]
    wording, shared = _period_choices(seed, fam["kind"], fam["cadence"], year, month)
    if wording == "month_split":
        wording = "ytd"
    style = _style(seed, family, ("fault", scope, year, month))
    style.update({"_shared": shared, "period_in": "both", "title_lines": 2, "blank_rows": False,
                  "star": False, "note_marker": False, "seq_col": False, "yoy_col": False})
    style.update(overrides)
    spec = FileSpec(family=family, kind=fam["kind"], scope=scope, year=year, month=month, wording=wording,
                    period=L.period_text(wording, year, month), measures=L.measures_for(fam["kind"], year, month),
                    style=style)
    return spec


_REGION_HEADERS = ("地区", "地市", "市别", "地区名称", "县（市、区）", "县区")


def _region_column(grid: Grid) -> int:
    return next(i for i, v in enumerate(grid.rows[grid.header_rows[0]]) if v in _REGION_HEADERS)


def _data_rows(grid: Grid) -> list[int]:
    """Rows below the header whose region cell names something (the unit row's is empty)."""
    column = _region_column(grid)
    return [i for i in range(max(grid.header_rows) + 1, len(grid.rows))
            if i not in grid.note_rows and isinstance(grid.rows[i][column], str) and grid.rows[i][column]]


def write_fault_files(out_dir: Path, data: SampleData, names: dict[str, RegionName], seed: int) -> list[Path]:
    """Write the fault files of the last generated year into ``out_dir``."""
    year = data.years[-1]
    files = fault_file_names(year)
    cities, districts = data.cities, data.districts
    written: list[Path] = []

    path = out_dir / files["empty"]
    path.write_bytes(b"")
    written.append(path)

    spec = _spec("patent_cities", "province", year, 8, seed, fmt="xlsx", header="two_row", unit_style="title")
    grid = _build_grid(spec, data, names, cities, districts, seed)
    buffer = io.BytesIO()
    write_xlsx(grid, buffer)
    whole = buffer.getvalue()
    path = out_dir / files["truncated_xlsx"]
    path.write_bytes(whole[: len(whole) * 3 // 5])
    written.append(path)

    grid = Grid()
    grid.add([f"{year}年知识产权工作任务分解表"], "title")
    grid.add(["序号", "工作任务", "牵头单位", "完成时限"], "header")
    for i, (task, owner) in enumerate([("开展知识产权质押融资入园惠企行动", "省知识产权局"),
                                       ("推进高价值专利培育中心建设", "各地级以上市"),
                                       ("建设知识产权维权援助工作站", "省知识产权保护中心")], start=1):
        grid.add([i, task, owner, f"{year}年12月"])
    grid.width = 4
    path = out_dir / files["unknown_layout"]
    write_xlsx(grid, path, sheet_name="任务")
    written.append(path)

    spec = _spec("patent_cities", "province", year, 9, seed, fmt="xlsx", header="two_row")
    grid = _build_grid(spec, data, names, cities, districts, seed)  # September figures, title 1-9月
    path = out_dir / files["contradictory_period"]
    write_xlsx(grid, path)
    written.append(path)

    spec = _spec("patent_districts", "441300", year, 6, seed, fmt="xlsx", header="flat", names="full",
                 total_pos="top")
    grid = _build_grid(spec, data, names, cities, districts, seed)
    rows = _data_rows(grid)
    region_col = _region_column(grid)
    boluo = next(i for i in rows if grid.rows[i][region_col] == names["441322"].full)
    copy = list(grid.rows[boluo])
    grid.insert(rows[-1] + 1, copy)
    path = out_dir / files["duplicate_region"]
    write_xlsx(grid, path)
    written.append(path)

    spec = _spec("case_cities", "province", year, 6, seed, fmt="csv", encoding="utf-8-sig", numbers="fullwidth",
                 percent_sign=False, names="full")
    grid = _build_grid(spec, data, names, cities, districts, seed)
    region_col = _region_column(grid)
    row = next(i for i in _data_rows(grid) if grid.rows[i][region_col] == names["441800"].full)
    rate = data.value("case_court_acceptance_rate", "441800", year, 6)
    whole, tenth = divmod(round(rate * 10), 10)
    grid.rows[row][-1] = f"{whole} {tenth}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    path = out_dir / files["ambiguous_value"]
    write_csv(grid, path, "utf-8-sig")
    written.append(path)

    spec = _spec("patent_districts", "441300", year, 6, seed, fmt="xlsx", header="flat", names="full",
                 total_pos="top", zero_as_missing=True)
    grid = _build_grid(spec, data, names, cities, districts, seed)
    rows = _data_rows(grid)
    extra = [None] * len(grid.rows[rows[-1]])
    region_col = _region_column(grid)
    extra[region_col] = "大亚湾区"
    for j in range(region_col + 1, len(extra)):
        extra[j] = 10 + 3 * j
    grid.insert(rows[-1] + 1, extra)
    path = out_dir / files["unknown_region"]
    write_xlsx(grid, path)
    written.append(path)
    return written
