"""Build small export files (XLSX, CSV in a chosen encoding) in a test's tmp_path, and read
values back out of a ParsedFile. Shared by the parser tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import openpyxl

Row = Sequence[object]


def write_xlsx(folder: Path, name: str, rows: Iterable[Row], merges: Iterable[str] = (),
               percent_cells: Iterable[str] = ()) -> Path:
    """An XLSX with ``rows`` from A1 down (None = empty cell), ``merges`` like ``"B3:C3"`` and cells
    formatted as percentages (the cell holds 0.125, Excel shows 12.5%)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    for ref in merges:
        sheet.merge_cells(ref)
    for ref in percent_cells:
        sheet[ref].number_format = "0.0%"
    path = folder / name
    workbook.save(path)
    return path


def csv_text(rows: Iterable[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def write_csv(folder: Path, name: str, rows: Iterable[Row], encoding: str = "utf-8") -> Path:
    """A CSV file in ``encoding`` (``utf-8-sig`` writes the BOM, ``gb18030``/``gbk`` the Chinese codes)."""
    path = folder / name
    path.write_bytes(csv_text(rows).encode(encoding))
    return path


def value_of(parsed, region_code: str, measure_code: str, period_type: str | None = None,
             basis: str | None = None) -> float:
    """The one value of (region, measure[, period_type, basis]) in a ParsedFile; fails if not exactly one."""
    frame = parsed.observations
    mask = (frame["region_code"] == region_code) & (frame["measure_code"] == measure_code)
    if period_type:
        mask &= frame["period_type"] == period_type
    if basis:
        mask &= frame["basis"] == basis
    values = frame.loc[mask, "value"].tolist()
    assert len(values) == 1, f"expected one value for {region_code}/{measure_code}, got {values}"
    return values[0]


def has_value(parsed, region_code: str, measure_code: str) -> bool:
    frame = parsed.observations
    return bool(((frame["region_code"] == region_code) & (frame["measure_code"] == measure_code)).any())


# A typical province table: title, unit line, two-row merged header, data, footnote.
PATENT_TITLE = "2024年1-6月全省各地市专利授权状况统计表"


def patent_rows(title: str = PATENT_TITLE, unit_line: str | None = "单位：件",
                data: Sequence[Row] | None = None) -> list[Row]:
    rows: list[Row] = [[title]]
    if unit_line:
        rows.append([unit_line])
    rows += [
        ["地区", "发明专利", None, "外观设计专利", "有效发明专利量"],
        [None, "申请量", "授权量", "授权量", None],
    ]
    rows += data if data is not None else [
        ["全省", 80000, 30000, 50000, 600000],
        ["广州", 20000, 8000, 9000, 150000],
        ["深圳", 40000, 15000, 20000, 300000],
    ]
    return rows


PATENT_MERGES = ("A1:E1", "A3:A4", "B3:C3", "E3:E4")
