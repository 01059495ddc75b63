"""Turn figures into the files agencies send: a grid of cells (title lines, one- or two-row
headers with merged cells, unit rows, total and blank rows, footnotes), written as XLSX (fixed
document timestamps, so the bytes are reproducible) or CSV in GB18030 / UTF-8 with BOM / UTF-8.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

FIXED_CREATED = datetime(2026, 1, 5, 9, 0, 0)
_FULLWIDTH = str.maketrans("0123456789.,%-", "０１２３４５６７８９．，％－")


@dataclass(frozen=True)
class Percent:
    """A rate stored as a fraction with a percent number format (Excel shows 83.5%)."""

    value: float


Cell = str | int | float | Percent | None


@dataclass
class Grid:
    """One sheet: rows of cells, merged ranges ``(first_row, first_col, last_row, last_col)``, and
    which rows are title lines (merged across the table in XLSX)."""

    rows: list[list[Cell]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    title_rows: list[int] = field(default_factory=list)
    header_rows: list[int] = field(default_factory=list)
    note_rows: list[int] = field(default_factory=list)
    width: int = 0

    def add(self, row: list[Cell], role: str | None = None) -> int:
        self.rows.append(row)
        index = len(self.rows) - 1
        if role == "title":
            self.title_rows.append(index)
        elif role == "header":
            self.header_rows.append(index)
        elif role == "note":
            self.note_rows.append(index)
        self.width = max(self.width, len(row))
        return index

    def insert(self, index: int, row: list[Cell]) -> None:
        """Insert a data row, keeping the roles and merges of the rows below it."""
        self.rows.insert(index, row)

        def shift(i: int) -> int:
            return i + 1 if i >= index else i

        self.title_rows = [shift(i) for i in self.title_rows]
        self.header_rows = [shift(i) for i in self.header_rows]
        self.note_rows = [shift(i) for i in self.note_rows]
        self.merges = [(shift(a), b, shift(c), d) for a, b, c, d in self.merges]


def _line_text(row: list[Cell]) -> tuple[int, str]:
    """A title or footnote line: the column of its text (0, or 1 when the table is offset)."""
    return next(((i, str(v)) for i, v in enumerate(row) if v is not None), (0, ""))


def fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


def write_xlsx(grid: Grid, path: Path | io.BytesIO, sheet_name: str = "Sheet1",
               notes_sheet: list[str] | None = None) -> None:
    """XLSX with merged title and header cells; document properties fixed for reproducibility.
    ``notes_sheet`` adds a second sheet of filling-in instructions, as some senders do."""
    import xlsxwriter

    target = path if isinstance(path, io.BytesIO) else str(path)
    workbook = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": _line_text(grid.rows[grid.title_rows[0]])[1] if grid.title_rows else "",
                             "author": "统计科", "company": "", "created": FIXED_CREATED})
    workbook.set_custom_property("generator", "ipstats samples (synthetic data)")
    sheet = workbook.add_worksheet(sheet_name)
    title_fmt = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    sub_fmt = workbook.add_format({"align": "left"})
    head_fmt = workbook.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                    "text_wrap": True})
    body_fmt = workbook.add_format({"border": 1})
    num_fmt = workbook.add_format({"border": 1, "num_format": "#,##0.####"})
    note_fmt = workbook.add_format({"font_size": 9})
    percent_fmt = workbook.add_format({"border": 1, "num_format": "0.0%"})
    width = max(grid.width, 1)
    merged_cells = set()
    for r0, c0, r1, c1 in grid.merges:
        value = grid.rows[r0][c0] if c0 < len(grid.rows[r0]) else None
        sheet.merge_range(r0, c0, r1, c1, value if value is not None else "", head_fmt)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                merged_cells.add((r, c))
    for r, row in enumerate(grid.rows):
        if r in grid.title_rows or r in grid.note_rows:
            col, text = _line_text(row)
            if r in grid.title_rows and width - 1 > col and r == grid.title_rows[0]:
                sheet.merge_range(r, col, r, width - 1, text, title_fmt)
            else:
                sheet.write_string(r, col, text, sub_fmt if r in grid.title_rows else note_fmt)
            continue
        for c, value in enumerate(row):
            if (r, c) in merged_cells or value is None:
                continue
            fmt = head_fmt if r in grid.header_rows else body_fmt
            if isinstance(value, Percent):
                sheet.write_number(r, c, round(value.value / 100, 6), percent_fmt)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, c, value, num_fmt if r not in grid.header_rows else fmt)
            else:
                sheet.write_string(r, c, str(value), fmt)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, max(width - 1, 1), 12)
    if notes_sheet:
        extra = workbook.add_worksheet("填报说明")
        for r, line in enumerate(notes_sheet):
            extra.write_string(r, 0, line)
    workbook.close()


def write_csv(grid: Grid, path: Path, encoding: str, padded: bool = False) -> None:
    """CSV as spreadsheet programs save it: merged cells become one value and blanks; GB18030 files
    get CRLF line ends (Excel on Windows), the UTF-8 ones LF; ``padded`` fills every line to the
    table's width (``标题,,,,``) as Excel does."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if encoding == "gb18030" else "\n")
    width = grid.width
    for r, row in enumerate(grid.rows):
        if r in grid.title_rows or r in grid.note_rows:
            col, text = _line_text(row)
            cells = [""] * col + [text]
        else:
            cells = ["" if v is None else (f"{v.value:.1f}%" if isinstance(v, Percent) else v) for v in row]
        if padded:
            cells = cells + [""] * (width - len(cells))
        writer.writerow(cells)
    path.write_bytes(buffer.getvalue().encode(encoding))
