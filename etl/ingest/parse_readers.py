"""Read an export file into a grid of cells: XLSX (first non-empty visible sheet) or CSV.

XLSX is read straight from its zip parts with ElementTree (shared strings, cached cell values,
merged ranges, percent number formats): about ten times faster than loading with openpyxl,
which stays the fallback for workbooks this reader does not understand. Merged ranges are
filled with the value of their top-left cell, so a header ``发明专利`` merged over two columns
is seen above both. CSV bytes are decoded by trying UTF-8 (with or without BOM) strictly, then
GB18030 (a superset of GBK and GB2312), then charset-normalizer's best guess.

Row numbers are kept: ``grid[i]`` is spreadsheet row ``i + 1`` (CSV: record ``i + 1``).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from xml.etree import ElementTree as ET

Cell = str | float | None
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_PERCENT_BUILTIN_FORMATS = {9, 10}


class UnreadableFile(Exception):
    """The bytes cannot be read as the table they claim to be (the file is quarantined)."""


@dataclass
class Grid:
    rows: list[list[Cell]]
    kind: str                     # xlsx | csv
    encoding: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


@lru_cache(maxsize=1 << 14)
def _split_ref(ref: str) -> tuple[int, int]:
    m = _CELL_REF.fullmatch(ref.replace("$", ""))
    if not m:
        raise ValueError(f"bad cell reference {ref!r}")
    return int(m.group(2)) - 1, _column_index(m.group(1))


def _text_of(element: ET.Element) -> str:
    """Text of a shared/inline string: its ``t`` runs, phonetic (``rPh``) runs excluded."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            for run_child in child:
                if _local(run_child.tag) == "t":
                    parts.append(run_child.text or "")
    return "".join(parts)


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    """Indexes of cell styles (``s`` attribute) whose number format shows a percentage."""
    try:
        root = ET.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return set()
    percent_formats = set(_PERCENT_BUILTIN_FORMATS)
    for element in root.iter():
        if _local(element.tag) == "numFmt" and "%" in (element.get("formatCode") or "").replace("\\%", ""):
            percent_formats.add(int(element.get("numFmtId", "-1")))
    styles: set[int] = set()
    for element in root:
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(element):
                if int(xf.get("numFmtId", "0")) in percent_formats:
                    styles.add(index)
    return styles


def _sheet_paths(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) of the visible sheets, in workbook order."""
    workbook = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    paths = []
    for element in workbook.iter():
        if _local(element.tag) != "sheet" or element.get("state") in ("hidden", "veryHidden"):
            continue
        target = targets.get(element.get(f"{_REL_NS}id"), "")
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        paths.append((element.get("name") or "", path))
    return paths


def _read_sheet(zf: zipfile.ZipFile, path: str, shared: list[str], percent: set[int]) -> list[list[Cell]]:
    root = ET.fromstring(zf.read(path))
    rows: list[list[Cell]] = []
    merges: list[tuple[int, int, int, int]] = []
    for part in root:
        name = _local(part.tag)
        if name == "sheetData":
            for row in part:
                row_index = int(row.get("r", len(rows) + 1)) - 1
                while len(rows) <= row_index:
                    rows.append([])
                cells = rows[row_index]
                next_col = 0
                for cell in row:
                    ref = cell.get("r")
                    col = _split_ref(ref)[1] if ref else next_col
                    next_col = col + 1
                    kind = cell.get("t", "n")
                    value: Cell = None
                    if kind == "inlineStr":
                        for child in cell:
                            if _local(child.tag) == "is":
                                value = _text_of(child)
                    else:
                        raw = None
                        for child in cell:
                            if _local(child.tag) == "v":
                                raw = child.text
                        if raw is not None:
                            if kind == "s":
                                value = shared[int(raw)]
                            elif kind in ("str", "e"):
                                value = raw
                            elif kind == "b":
                                value = raw
                            else:
                                number = float(raw)
                                if percent and int(cell.get("s", "0")) in percent:
                                    number = float(f"{number * 100:.12g}")
                                value = number
                    if value is None or value == "":
                        continue
                    while len(cells) <= col:
                        cells.append(None)
                    cells[col] = value
        elif name == "mergeCells":
            for merge in part:
                ref = merge.get("ref", "")
                if ":" in ref:
                    first, last = ref.split(":", 1)
                    r0, c0 = _split_ref(first)
                    r1, c1 = _split_ref(last)
                    merges.append((r0, c0, r1, c1))
    _fill_merges(rows, merges)
    return rows


def _fill_merges(rows: list[list[Cell]], merges: list[tuple[int, int, int, int]]) -> None:
    for r0, c0, r1, c1 in merges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        if value is None:
            continue
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            cells = rows[r]
            while len(cells) <= c1:
                cells.append(None)
            for c in range(c0, c1 + 1):
                cells[c] = value


def _read_xlsx_fast(data: bytes) -> Grid:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in zf.namelist():
            shared = [_text_of(si) for si in ET.fromstring(zf.read("xl/sharedStrings.xml"))]
        percent = _percent_styles(zf)
        first_name = None
        for name, path in _sheet_paths(zf):
            rows = _read_sheet(zf, path, shared, percent)
            first_name = first_name or name
            if any(any(c is not None for c in row) for row in rows):
                return Grid(rows=rows, kind="xlsx", sheet=name)
        return Grid(rows=[], kind="xlsx", sheet=first_name)


def _read_xlsx_openpyxl(data: bytes) -> Grid:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    try:
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":
                continue
            rows: list[list[Cell]] = []
            for row in sheet.iter_rows():
                cells: list[Cell] = []
                for cell in row:
                    value = cell.value
                    if isinstance(value, bool):
                        value = str(value)
                    elif isinstance(value, (int, float)):
                        value = float(value)
                        if "%" in (cell.number_format or ""):
                            value = float(f"{value * 100:.12g}")
                    elif value is not None:
                        value = str(value)
                        if value == "":
                            value = None
                    cells.append(value)
                rows.append(cells)
            merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
                      for m in sheet.merged_cells.ranges]
            # openpyxl blanks the non-anchor cells of a merge; fill them like the fast reader
            _fill_merges(rows, merges)
            if any(any(c is not None for c in row) for row in rows):
                return Grid(rows=rows, kind="xlsx", sheet=sheet.title, notes=["read with openpyxl"])
        return Grid(rows=[], kind="xlsx")
    finally:
        workbook.close()


def read_xlsx(data: bytes) -> Grid:
    """The first visible non-empty sheet of a workbook; raises :class:`UnreadableFile`."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableFile("unreadable XLSX: not a complete zip archive (truncated or not an XLSX file)")
    try:
        return _read_xlsx_fast(data)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError) as exc:
        # the archive itself is damaged (bad CRC, bad compression, encrypted, cut short)
        raise UnreadableFile(f"unreadable XLSX: damaged zip archive ({type(exc).__name__}: {exc})") from exc
    except Exception:  # noqa: BLE001 - a workbook structure this reader does not know: openpyxl may
        pass
    try:
        return _read_xlsx_openpyxl(data)
    except Exception as exc:  # openpyxl raises many kinds; any of them means unreadable
        raise UnreadableFile(f"unreadable XLSX: {type(exc).__name__}: {exc}") from exc


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes without a declared encoding: (text, encoding name)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"CSV text with a UTF-16 byte order mark that is not UTF-16: {exc}") from exc
    if data.count(b"\x00") > len(data) // 4:  # UTF-16 without a BOM; GB18030 would take it as garbage
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return text, encoding
    try:
        return data.decode("utf-8-sig"), ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableFile("CSV text in an unknown encoding (not UTF-8, not GB18030/GBK)")
    return str(best), best.encoding


def read_csv(data: bytes) -> Grid:
    """Rows of a CSV export (comma, tab or semicolon separated, detected)."""
    text, encoding = decode_text(data)
    head = text[:4000]
    delimiter = max((",", "\t", ";"), key=head.count)
    if head.count(delimiter) == 0:
        delimiter = ","
    rows: list[list[Cell]] = []
    for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        rows.append([cell if cell.strip() else None for cell in record])
    return Grid(rows=rows, kind="csv", encoding=encoding)
