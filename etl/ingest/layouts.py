"""Layout families of source exports: where the title, header, unit row and data rows are, and
what each column holds. See the module docstring of :mod:`etl.ingest.parse` for the layouts.

Two families:

* ``wide``: one row per region, one column per measure (patent, trademark, pledge, case and
  reference exports). Title lines, a one- or two-row header (merged group cells), an optional
  unit row, data rows with blank rows and total rows, footnotes. Optionally a year column
  (one row per region and year).
* ``tidy``: the long ``region, indicator, year, value, unit`` table of the ``indicator`` kind.

This module only finds structure (:class:`WideLayout`, :class:`TidyLayout`); turning cells into
observations is :mod:`etl.ingest.parse`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from etl import catalog, units
from etl.ingest.parse_readers import Cell
from etl.ingest.parse_values import fold, is_missing, parse_number, squash, vocabulary

HEADER_SCAN_ROWS = 15
MAX_HEADER_ROWS = 3
_PAREN = re.compile(r"\(([^()]*)\)")
_TITLE_UNIT = re.compile(r"(?:计量)?单位[:：]?\s*([^\s,;，；:：()（）]+)")
_TITLE_UNITS = re.compile(r"(?:计量)?单位[:：]\s*([^\s;；:：()（）]+)")
_UNIT_LIST_SEPARATORS = re.compile(r"[、,，/和及]")
_HEADER_PERIOD = re.compile(
    r"(?:(?P<year>(?:19|20)\d{2})年?(?:度)?)?"
    r"(?:\d{1,2}[-—–~～至到]\d{1,2}月(?:份)?|\d{1,2}月(?:份)?|[上下]半年|第?[一二三四1-4]季度|前[一二三四]季度|全年)"
    r"|(?P<year_only>(?:19|20)\d{2})年(?:度)?"
)
_UNIT_LIKE = re.compile(
    r"[万亿千百十]*(?:[美港欧日澳台]?元|人民币|件|人次|人|户|项|个|家|笔|次|%|‰|吨|亩|平方米|公顷|分)(?:/[^/]{1,4})?"
)
_LEADING_NUMBERING = re.compile(r"^(?:\d{1,2}[.、]|[(][一二三四五六七八九十\d]{1,3}[)]|[一二三四五六七八九十]{1,3}、)")
_TRAILING_PAREN = re.compile(r"(?<=.)\([^()]*\)$")
_SUBTOTAL_PREFIX = re.compile(r"^(?:其中|含)[:：]?")


# ----------------------------------------------------------------------------- vocabulary


@cache
def measure_spellings() -> dict[str, str]:
    """Header spelling (squashed) -> measure code: the catalog's aliases plus header_aliases.yaml."""
    known = catalog.measure_by_code()
    lookup = {squash(k): v for k, v in catalog.measure_lookup().items()}
    for code, aliases in (vocabulary().get("measure_aliases") or {}).items():
        if code not in known:
            continue
        for alias in aliases:
            lookup.setdefault(squash(alias), code)
    return lookup


@cache
def _word_set(key: str) -> frozenset[str]:
    return frozenset(squash(w) for w in vocabulary().get(key) or [])


@cache
def _ordered_words(key: str) -> tuple[str, ...]:
    return tuple(sorted((squash(w) for w in vocabulary().get(key) or []), key=len, reverse=True))


@cache
def _single_period_markers() -> tuple[tuple[str, str], ...]:
    markers = vocabulary().get("single_period_markers") or {}
    return tuple(sorted(((squash(k), v) for k, v in markers.items()), key=lambda kv: -len(kv[0])))


def is_unit_like(text: str) -> bool:
    """A short text that names a unit (known or not): ``件``, ``万元``, ``万美元``, ``%``."""
    s = squash(text)
    if s.startswith("单位:") or s.startswith("计量单位:"):
        s = s.split(":", 1)[1]
    s = s.strip("()")
    return bool(s) and (units.is_known_unit(s) or bool(_UNIT_LIKE.fullmatch(s)))


def unit_text(text: str) -> str:
    """The unit inside ``（件）``, ``单位：万元``, ``件``."""
    s = squash(text)
    if ":" in s and s.split(":", 1)[0] in ("单位", "计量单位"):
        s = s.split(":", 1)[1]
    return s.strip("()")


# ----------------------------------------------------------------------------- header cells


@dataclass(frozen=True)
class HeaderPart:
    """One header cell taken apart: measure words, unit, period markers."""

    raw: str
    name: str                     # what is left after units and markers are split off
    unit: str | None = None
    single_period: str | None = None   # month | quarter (当月/本月/当季) -> basis period
    years: tuple[int, ...] = ()
    ignored: bool = False         # a comparison column (同比, 上年同期, 排名…)


@cache
def analyse_header(text: str) -> HeaderPart:
    raw = fold(text)
    s = squash(text)
    if not s:
        return HeaderPart(raw=raw, name="")
    ignored = any(word in s for word in _word_set("ignore_header_words"))
    if is_unit_like(s) and not ignored:
        return HeaderPart(raw=raw, name="", unit=unit_text(s))  # a unit alone: 件, （万元）, 单位：亿元
    unit = None
    single = None
    single_markers = dict(_single_period_markers())
    cumulative = _word_set("cumulative_markers")

    def parenthetical(match: re.Match[str]) -> str:
        nonlocal unit, single
        content = match.group(1)
        bare = content.split(":", 1)[1] if content.startswith(("单位:", "计量单位:")) else content
        if bare in single_markers:
            single = single_markers[bare]
        elif bare in cumulative or _HEADER_PERIOD.fullmatch(bare):
            pass
        elif is_unit_like(bare):
            unit = bare
        return ""  # notes such as （含港澳台） are dropped with the parentheses

    s = _PAREN.sub(parenthetical, s)
    s = s.replace("(", "").replace(")", "")
    m = _TITLE_UNIT.search(s)
    if m and is_unit_like(m.group(1)):
        unit = unit or m.group(1)
        s = s[: m.start()] + s[m.end():]
    if s.endswith("%") and len(s) > 1:
        unit = unit or "%"
        s = s[:-1]
    if "/" in s:
        head, _, tail = s.rpartition("/")
        if head and is_unit_like(tail):
            unit = unit or tail
            s = head
    for marker, period_type in _single_period_markers():
        if marker in s:
            single = single or period_type
            s = s.replace(marker, "")
    for marker in _ordered_words("cumulative_markers"):
        s = s.replace(marker, "")
    years: list[int] = []

    def period_words(match: re.Match[str]) -> str:
        year = match.group("year") or match.group("year_only")
        if year:
            years.append(int(year))
        return ""

    s = _HEADER_PERIOD.sub(period_words, s)
    s = s.strip("-_:·、,/")
    return HeaderPart(raw=raw, name=s, unit=unit, single_period=single, years=tuple(years), ignored=ignored)


def _name_variants(name: str) -> list[str]:
    variants = [name]
    for suffix, replacements in (("数量", ("量", "")), ("数", ("量", "")), ("量", ("", "数"))):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            variants += [stem + r for r in replacements]
            break
    else:
        variants.append(name + "量")
    return variants


def match_measure(top: HeaderPart | None, bottom: HeaderPart | None) -> tuple[str | None, int, str]:
    """(measure code, match quality, the name that matched) for a column's header parts.

    Quality 2: the group and sub-header together (``发明专利``+``申请量``), or a one-row header.
    Quality 1: the sub-header alone (``项目数`` under ``专利权质押``), which loses to quality 2.
    """
    return _match_pair(top.name if top else "", bottom.name if bottom else "")


def _match_pair(t: str, b: str) -> tuple[str | None, int, str]:
    spellings = measure_spellings()
    totals = _word_set("group_total_words")
    candidates: list[tuple[str, int]] = []
    if not b or b == t:
        candidates.append((t, 2))
    elif not t:
        candidates.append((b, 2))
    elif b in totals:
        candidates += [(t, 2), (t + b, 2)]
    else:
        candidates += [(t + b, 2), (b + t, 2)]
        if b.endswith("专利"):
            candidates.append((b[:-2] + t, 2))
        candidates.append((b, 1))
    for name, quality in candidates:
        for variant in _name_variants(name):
            code = spellings.get(variant)
            if code:
                return code, quality, variant
    return None, 0, candidates[0][0] if candidates else ""


def match_header_names(names: list[str]) -> tuple[str | None, int, str]:
    """Match the names of up to three header rows (top first, markers and units removed)."""
    names = [n for i, n in enumerate(names) if n and (i == 0 or n != names[i - 1])]
    if not names:
        return None, 0, ""
    if len(names) == 1:
        return _match_pair(names[0], "")
    if len(names) == 2:
        return _match_pair(names[0], names[1])
    best: tuple[str | None, int, str] = (None, 0, "")
    for t, b in ((names[0] + names[1], names[2]), (names[0], names[1] + names[2]), (names[0], names[2]),
                 (names[1], names[2])):
        found = _match_pair(t, b)
        if found[1] > best[1]:
            best = found
        if best[1] == 2:
            break
    return best


# ----------------------------------------------------------------------------- rows


def display_text(cell: Cell) -> str:
    """A header as printed (line breaks and runs of spaces collapsed), for messages and lineage."""
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else str(cell)
    return re.sub(r"\s+", " ", str(cell)).strip() if cell is not None else ""


def row_texts(row: list[Cell]) -> list[str]:
    return [squash(c) if c is not None else "" for c in row]


def distinct_values(row: list[Cell]) -> list[str]:
    seen: list[str] = []
    for cell in row:
        if cell is None:
            continue
        text = fold(cell)
        if text and text not in seen:
            seen.append(text)
    return seen


def is_blank(row: list[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in row)


def is_footnote(row: list[Cell]) -> bool:
    """A line such as ``注：…``, ``数据来源：…``, ``说明：…``, ``*…``: the table has ended."""
    first = next((c for c in row if c is not None), None)
    if not isinstance(first, str):
        return False
    first = squash(first)
    if not first:
        return False
    for prefix in _ordered_words("footnote_prefixes"):
        if first.startswith(prefix):
            rest = first[len(prefix):]
            if prefix == "*":
                return resolve_region_name(rest) is None  # *广州: a marked region, not a note
            if not rest or rest[0] in ":：1234567890(、.," or len(prefix) >= 2:
                return True
    return False


def region_key(text: object) -> str:
    """A region cell as a lookup key: spaces gone, ``其中：``, list numbering and a trailing note dropped."""
    s = squash(text).strip("*※#")
    s = _SUBTOTAL_PREFIX.sub("", s)
    s = _LEADING_NUMBERING.sub("", s)
    if s.endswith(")") and "(" in s[1:]:
        s = _TRAILING_PAREN.sub("", s)  # 汕尾市（含深汕特别合作区）
    return s


_CODE_PREFIX = re.compile(r"^(\d{6})[-_:.、]?(.*)$")


def resolve_region_name(cell: object) -> str | None:
    """The region code of a region cell: a name or alias (``广州``, ``其中：深圳``), a code, or a
    code followed by the name (``440100广州市``; code and name must agree)."""
    key = region_key(cell)
    if not key:
        return None
    code = catalog.resolve_region(key)
    if code is None:
        m = _CODE_PREFIX.match(key)
        if m:
            by_code = catalog.resolve_region(m.group(1))
            by_name = catalog.resolve_region(m.group(2)) if m.group(2) else by_code
            code = by_code if by_code == by_name else None
    return code


def title_unit(lines: list[str]) -> str | None:
    """The unit (or units, ``件、万元``) of a title line ``单位：…``, as printed."""
    for line in lines:
        text = squash(line)
        m = _TITLE_UNITS.search(text) or _TITLE_UNIT.search(text)
        if m:
            return m.group(1)
    return None


def split_units(text: str) -> list[str]:
    """``件、万元`` -> [``件``, ``万元``] (a title line may state one unit per kind of column)."""
    return [u for u in _UNIT_LIST_SEPARATORS.split(text) if u]


# ----------------------------------------------------------------------------- wide layout


@dataclass
class Column:
    index: int
    header: str                   # as printed, group and sub-header joined by " / "
    parts: list[HeaderPart]       # one per header row (top first); empty cells left out
    measure_code: str | None = None
    quality: int = 0
    unit: str | None = None       # stated unit, None when none is stated
    unit_source: str | None = None
    single_period: str | None = None
    problem: str | None = None    # why every value of the column is rejected


@dataclass
class WideLayout:
    title_lines: list[str]
    header_rows: list[int]        # 0-based grid indexes
    unit_row: int | None
    region_col: int
    region_header: str
    year_col: int | None
    data_start: int
    columns: list[Column]
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        base = "wide_year" if self.year_col is not None else "wide"  # e.g. wide_2row_header
        return f"{base}_{len(self.header_rows)}row_header"


class LayoutError(Exception):
    """The sheet's structure is not one the parser knows (the file is quarantined)."""


def _find_header_row(rows: list[list[Cell]]) -> tuple[int, int | None]:
    """(header row index, region column from its header word or None)."""
    region_words = _word_set("region_headers")
    spellings = measure_spellings()
    fallback = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = row_texts(row)
        for j, text in enumerate(texts):
            if text in region_words and len(distinct_values(row)) >= 2:
                return i, j
        if fallback is None and len(distinct_values(row)) >= 2:
            for text in texts:
                part = analyse_header(text) if text else None
                if part and part.name and any(v in spellings for v in _name_variants(part.name)):
                    fallback = i
                    break
    if fallback is not None:
        return fallback, None
    raise LayoutError("unknown header layout: no header row with a region column or a known measure "
                      f"in the first {HEADER_SCAN_ROWS} rows")


def _region_column_from_data(rows: list[list[Cell]], start: int) -> int | None:
    counts: dict[int, int] = {}
    for row in rows[start:start + 60]:
        for j, cell in enumerate(row):
            if isinstance(cell, str) and resolve_region_name(cell):
                counts[j] = counts.get(j, 0) + 1
    if not counts:
        return None
    best = max(counts, key=lambda j: counts[j])
    return best if counts[best] >= 2 else None


def _cell(row: list[Cell], j: int) -> Cell:
    return row[j] if j < len(row) else None


def _is_unit_row(row: list[Cell], region_col: int) -> bool:
    found = False
    for j, cell in enumerate(row):
        if cell is None:
            continue
        text = squash(cell)
        if j == region_col:
            if text and not text.startswith(("单位", "计量单位")):
                return False
            continue
        if not text or is_missing(text):
            continue
        if not is_unit_like(text):
            return False
        found = True
    return found


def _is_subheader_row(row: list[Cell], header: list[Cell], region_col: int) -> bool:
    region_cell = _cell(row, region_col)
    if region_cell is not None and squash(region_cell) != squash(_cell(header, region_col)):
        return False
    has_text = False
    for j, cell in enumerate(row):
        if j == region_col or cell is None:
            continue
        if isinstance(cell, float):
            return False
        if is_missing(cell):
            continue
        if parse_number(cell).error is None:
            return False
        has_text = True
    return has_text


def find_wide_layout(rows: list[list[Cell]]) -> WideLayout:
    """Locate title lines, header rows, unit row, region column and columns of a wide table."""
    header_index, region_col = _find_header_row(rows)
    notes: list[str] = []
    title_lines = [" ".join(distinct_values(r)) for r in rows[:header_index] if not is_blank(r)]
    header = rows[header_index]
    if region_col is None:
        region_col = _region_column_from_data(rows, header_index + 1)
        if region_col is None:
            raise LayoutError("no region column: no header names the region (地区, 地市, 城市…) and no column "
                              "holds known region names")
    header_rows = [header_index]
    nxt = header_index + 1
    unit_row = None
    while nxt < len(rows) and len(header_rows) < MAX_HEADER_ROWS and unit_row is None:
        if _is_unit_row(rows[nxt], region_col):
            unit_row = nxt
        elif _is_subheader_row(rows[nxt], header, region_col):
            header_rows.append(nxt)
        else:
            break
        nxt += 1
    width = max(len(r) for r in rows[header_index:nxt])
    grid = [[_cell(rows[i], j) for j in range(width)] for i in header_rows]
    # a CSV (or an XLSX that lost its merges) leaves a group cell blank after its first column:
    # fill it from the left where the row below goes on under the same group (bottom-up)
    for level in range(len(grid) - 2, -1, -1):
        upper, lower = grid[level], grid[level + 1]
        for j in range(1, width):
            if upper[j] is None and lower[j] is not None and j != region_col:
                k = j - 1
                while k > 0 and upper[k] is None:
                    k -= 1
                if upper[k] is not None and lower[k] is not None and k != region_col:
                    upper[j] = upper[k]
    top_cells = grid[0]
    stated_title_unit = title_unit(title_lines)
    region_header = display_text(top_cells[region_col]) if region_col < width and top_cells[region_col] else "地区"
    year_words = _word_set("year_column_headers")
    year_col = None
    columns: list[Column] = []
    for j in range(width):
        if j == region_col:
            continue
        raws: list[Cell] = []
        for level in range(len(grid)):
            raw = grid[level][j]
            if raw is not None and not (raws and squash(raws[-1]) == squash(raw)):  # vertical merges
                raws.append(raw)
        header_text = " / ".join(display_text(x) for x in raws)
        if not header_text:
            continue
        if len(raws) == 1 and squash(raws[0]) in year_words:
            year_col = j
            continue
        parts = [analyse_header(str(x)) for x in raws]
        column = Column(index=j, header=header_text, parts=parts)
        if any(p.ignored for p in parts):
            notes.append(f"column {header_text!r} skipped (a comparison or bookkeeping column)")
            continue
        code, quality, _ = match_header_names([p.name for p in parts])
        if code is None:
            notes.append(f"column {header_text!r} skipped (no known measure)")
            continue
        column.measure_code, column.quality = code, quality
        column.single_period = next((p.single_period for p in reversed(parts) if p.single_period), None)
        stated = next((p.unit for p in reversed(parts) if p.unit), None)
        if stated:
            column.unit, column.unit_source = stated, "header"
        elif unit_row is not None and not is_missing(_cell(rows[unit_row], j)):
            column.unit, column.unit_source = unit_text(str(_cell(rows[unit_row], j))), "unit row"
        elif stated_title_unit:
            column.unit, column.unit_source = stated_title_unit, "title"
        columns.append(column)
    if not columns:
        raise LayoutError("unknown header layout: no column maps to a known measure (headers: "
                          + ", ".join(repr(fold(c)) for c in top_cells if c is not None) + ")")
    return WideLayout(title_lines=title_lines, header_rows=header_rows, unit_row=unit_row, region_col=region_col,
                      region_header=region_header, year_col=year_col, data_start=nxt, columns=columns, notes=notes)


def column_years(column: Column) -> tuple[int, ...]:
    return tuple(year for part in column.parts for year in part.years)


def reject_duplicate_measures(columns: list[Column]) -> None:
    """Two columns for one measure (and basis): the better header match wins; a tie is ambiguous."""
    groups: dict[tuple[str, str | None], list[Column]] = {}
    for column in columns:
        groups.setdefault((column.measure_code, column.single_period), []).append(column)
    for (code, _), group in groups.items():
        if len(group) < 2:
            continue
        best = max(c.quality for c in group)
        winners = [c for c in group if c.quality == best]
        for column in group:
            others = ", ".join(repr(c.header) for c in group if c is not column)
            if len(winners) > 1:
                column.problem = (f"ambiguous header: columns {', '.join(repr(c.header) for c in group)} all map "
                                  f"to measure {code}; none is loaded")
            elif column is not winners[0]:
                column.problem = f"column maps to measure {code}, which column {others} names more exactly"


# ----------------------------------------------------------------------------- tidy layout


@dataclass
class TidyLayout:
    title_lines: list[str]
    header_row: int
    columns: dict[str, int]       # role (region, indicator, year, value, unit) -> column index
    headers: dict[str, str]       # role -> header as printed

    name: str = "tidy_indicator"


@cache
def _tidy_roles() -> dict[str, str]:
    """Header spelling (squashed, lower case) -> tidy column role; the first role listing it wins."""
    roles: dict[str, str] = {}
    for role, words in (vocabulary().get("tidy_columns") or {}).items():
        for word in words:
            roles.setdefault(squash(word).lower(), role)
    return roles


def find_tidy_layout(rows: list[list[Cell]]) -> TidyLayout | None:
    """The tidy long layout, when a header row names at least region, indicator and value."""
    roles = _tidy_roles()
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        headers: dict[str, str] = {}
        for j, cell in enumerate(row):
            if not isinstance(cell, str):
                continue
            role = roles.get(squash(cell).lower())
            if role and role not in found:
                found[role] = j
                headers[role] = display_text(cell)
        if {"region", "indicator", "value"} <= found.keys():
            titles = [" ".join(distinct_values(r)) for r in rows[:i] if not is_blank(r)]
            return TidyLayout(title_lines=titles, header_row=i, columns=found, headers=headers)
    return None
