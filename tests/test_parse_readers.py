"""The grid readers behind the parser: the fast XLSX reader against openpyxl, hand-made
workbooks (inline strings, no styles, absolute part paths), CSV encodings and delimiters."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from etl.ingest.parse import parse_file
from etl.ingest.parse_readers import (
    UnreadableFile,
    _read_xlsx_fast,
    _read_xlsx_openpyxl,
    decode_text,
    read_csv,
    read_xlsx,
)
from tests.fixtures_exports import PATENT_MERGES, patent_rows, value_of, write_xlsx


def test_fast_reader_matches_openpyxl(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, "p.xlsx", patent_rows(), merges=PATENT_MERGES, percent_cells=["E6"])
    data = path.read_bytes()
    fast = _read_xlsx_fast(data)
    slow = _read_xlsx_openpyxl(data)

    def trimmed(rows):
        out = [list(r) for r in rows]
        for r in out:
            while r and r[-1] is None:
                r.pop()
        return out

    assert trimmed(fast.rows) == trimmed(slow.rows)
    assert fast.rows[2][1] == fast.rows[2][2] == "发明专利"  # merged group fills both columns
    assert fast.rows[3][0] == "地区"  # vertical merge
    assert fast.rows[5][4] == 15000000.0  # 150000 shown as a percentage


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/data.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
 Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<x:sheets><x:sheet name="统计" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
 Target="/xl/worksheets/data.xml"/></Relationships>"""
_SHEET = """<?xml version="1.0" encoding="UTF-8"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>2024年1-6月全省商标统计</x:t></x:is></x:c></x:row>
<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>地区</x:t></x:is></x:c>
<x:c r="B3" t="inlineStr"><x:is><x:r><x:t>商标</x:t></x:r><x:r><x:t>申请量</x:t></x:r></x:is></x:c>
<x:c r="C3" t="str"><x:f>"有效注册商标量"</x:f><x:v>有效注册商标量</x:v></x:c></x:row>
<x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t>珠海</x:t></x:is></x:c><x:c r="B4"><x:v>4321</x:v></x:c>
<x:c r="C4"><x:f>B4*10</x:f><x:v>43210</x:v></x:c></x:row>
</x:sheetData></x:worksheet>"""


def test_hand_made_workbook_with_inline_strings(tmp_path: Path) -> None:
    path = tmp_path / "tm.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/worksheets/data.xml", _SHEET)
    parsed = parse_file(path)
    assert parsed.sheet == "统计"
    assert value_of(parsed, "440400", "tm_applications") == 4321
    assert value_of(parsed, "440400", "tm_valid") == 43210  # the cached value of a formula
    assert parsed.observations["source_row"].tolist() == [4, 4]


def test_not_a_zip_is_unreadable() -> None:
    with pytest.raises(UnreadableFile, match="not a complete zip archive"):
        read_xlsx(b"PK\x03\x04 truncated")


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"),
    ("gb2312", "gb18030"),
])
def test_decode_text(encoding: str, expected: str) -> None:
    text = "地区,发明专利授权量\n肇庆高新区,12\n"
    decoded, detected = decode_text(text.encode(encoding))
    assert (decoded, detected) == (text, expected)


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_delimiters(delimiter: str) -> None:
    data = delimiter.join(["地区", "发明专利授权量", "有效发明专利量"]) + "\n" + delimiter.join(["广州", "1", "2"])
    grid = read_csv(data.encode("utf-8"))
    assert grid.rows == [["地区", "发明专利授权量", "有效发明专利量"], ["广州", "1", "2"]]


def test_csv_quoted_thousands_and_blank_cells() -> None:
    grid = read_csv('地区,发明专利授权量,有效发明专利量\r\n广州,"1,234", \r\n'.encode("gb18030"))
    assert grid.rows[1] == ["广州", "1,234", None]


def test_corrupted_compressed_bytes_quarantine(tmp_path: Path) -> None:
    from etl.ingest.parse import FileQuarantined

    data = bytearray(write_xlsx(tmp_path, "p.xlsx", patent_rows(), merges=PATENT_MERGES).read_bytes())
    with zipfile.ZipFile(tmp_path / "p.xlsx") as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 10, start + 30):
        data[k] ^= 0x5A
    (tmp_path / "bad.xlsx").write_bytes(bytes(data))
    with pytest.raises(FileQuarantined, match="unreadable XLSX"):
        parse_file(tmp_path / "bad.xlsx", "专利_2024年1-6月.xlsx")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_excel_unicode_text_export(tmp_path: Path, encoding: str) -> None:
    text = "2024年第二季度商标\r\n地区\t商标注册量\r\n广州\t41000\r\n"
    path = tmp_path / "tm.txt"
    path.write_bytes(text.encode(encoding))
    parsed = parse_file(path)
    assert parsed.encoding.startswith("utf-16")
    assert value_of(parsed, "440100", "tm_registrations") == 41000
