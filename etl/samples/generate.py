"""``generate_samples``: write the whole synthetic sample set (and, on request, faulty files).

Each file is planned (:class:`FileSpec`: family, scope, period, measures, presentation choices),
laid out as a :class:`~etl.samples.render.Grid`, and written. All choices come from generators
seeded with the seed and the file's key, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from etl.samples import layouts as L
from etl.samples import profiles as P
from etl.samples.render import Grid, Percent, fullwidth, write_csv, write_xlsx
from etl.samples.series import PROVINCE, SampleData, build_sample_data, rng_for

log = logging.getLogger(__name__)

DEFAULT_SEED = 2020


@dataclass(frozen=True)
class RegionName:
    code: str
    full: str
    short: str


@dataclass
class FileSpec:
    family: str
    kind: str
    scope: str                   # "province" or a city code
    year: int
    month: int
    wording: str
    period: str
    measures: list[str]
    style: dict
    name: str = ""


@dataclass
class GenerationSummary:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    fault_files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- regions


def _region_names() -> tuple[list[str], dict[str, list[str]], dict[str, RegionName]]:
    """Cities, districts per city (the three with district files) and names, from the catalog."""
    from etl.catalog import load_regions

    regions = load_regions()
    names: dict[str, RegionName] = {}
    for r in regions:
        short = next((a for a in r.aliases if r.name_zh.startswith(a) and len(a) < len(r.name_zh)), r.name_zh)
        if r.level == "zone":
            short = next((a for a in r.aliases if len(a) > len(r.name_zh)), r.name_zh)
        names[r.region_code] = RegionName(r.region_code, r.name_zh, short)
    cities = [r.region_code for r in regions if r.level == "city"]
    districts = {c: [r.region_code for r in regions if r.parent_code == c] for c in P.CITIES_WITH_DISTRICTS}
    missing = [c for c in P.CITY_WEIGHTS if c not in names] + [d for d in P.DISTRICT_WEIGHTS if d not in names]
    if missing or sorted(cities) != sorted(P.CITY_WEIGHTS):
        raise RuntimeError(f"the region catalog and the sample profiles disagree: {missing or cities}")
    return cities, districts, names


# ----------------------------------------------------------------------------- choices


def _choose(rng, options: list):
    """Pick from plain values or (value, weight) pairs."""
    if options and isinstance(options[0], tuple):
        values = [v for v, _ in options]
        weights = [w for _, w in options]
        return rng.choices(values, weights=weights, k=1)[0]
    return rng.choice(options)


def _style(seed: int, family: str, key: tuple) -> dict:
    spec = L.FAMILIES[family]
    rng = rng_for(seed, "style", family, *key)
    options = dict(L.COMMON_OPTIONS)
    options.update(spec["options"])
    return {name: _choose(rng, values) for name, values in sorted(options.items())}


def _period_choices(seed: int, kind: str, cadence: str, year: int, month: int) -> tuple[str, dict]:
    """What every file of (kind, period) shares: the period wording and the population unit."""
    rng = rng_for(seed, "period", kind, year, month)
    if cadence == "monthly_from_2020":
        cadence = "monthly" if year >= 2020 else "quarterly"
    wording = _choose(rng, L.PERIOD_WORDINGS[kind][cadence])
    shared = {"population_unit": rng.choice(["万人", "万人", "人"])}
    return wording, shared


def _wanted(family: str, year: int, month: int) -> bool:
    spec = L.FAMILIES[family]
    if month not in spec["months"]:
        return False
    if spec["cadence"] == "monthly_from_2020" and year < 2020:
        return month % 3 == 0
    return True


# ----------------------------------------------------------------------------- values


def _unit_for(measure: str, style: dict, shared: dict) -> str:
    family = L.UNIT_FAMILY[measure]
    return {"count": style["count_unit"], "money": style["money_unit"], "projects": "项", "rate": "%",
            "population": shared["population_unit"], "entities": "户"}[family]


def _scaled(value: float, measure: str, unit: str) -> float | int:
    """The internal value (件, 万元, 人, 户, %) in the printed unit, exactly where possible."""
    if unit == "万件":
        return round(value / 10000, 4)
    if unit == "亿元":
        return round(value / 10000, 4)
    if unit == "元":
        return int(value) * 10000
    if unit == "万人":
        return round(value / 10000, 2)
    if unit == "%":
        return round(float(value), 1)
    return int(value)


def _text(number: float | int, grouped: bool) -> str:
    if isinstance(number, int):
        return f"{int(number):,}" if grouped else str(int(number))
    text = f"{number:,.4f}" if grouped else f"{number:.4f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(value: float | None, measure: str, unit: str, style: dict, fmt: str, rng) -> object:
    """One value cell, presented per the file's number style (never a space inside a number)."""
    if value is None:
        return style["missing"] or None
    if value == 0 and style["zero_as_missing"] and measure != "case_court_acceptance_rate":
        return style["missing"] or None
    number = _scaled(value, measure, unit)
    if unit in ("万人",):
        text = f"{number:.2f}"
    elif unit == "%":
        text = f"{number:.1f}"
    else:
        text = _text(number, False)
    numbers = style["numbers"]
    if unit == "%" and fmt == "xlsx" and style["percent_numeric"] and not style["percent_sign"]:
        return Percent(number)
    if unit == "%" and style["percent_sign"]:
        return (fullwidth(text) if numbers == "fullwidth" else text) + ("％" if numbers == "fullwidth" else "%")
    if numbers == "plain":
        if fmt == "xlsx":
            return number
        cell = text
    elif numbers == "thousands":
        cell = _text(number, True) if unit not in ("万人", "%") else text
    elif numbers == "fullwidth":
        cell = fullwidth(_text(number, rng.random() < 0.5) if unit not in ("万人", "%") else text)
    else:
        cell = text
    if style["stray_spaces"] and fmt == "csv" and rng.random() < 0.15:
        cell = f" {cell}" if rng.random() < 0.5 else f"{cell} "
    return cell


# ----------------------------------------------------------------------------- grid


def _header_label(measure: str, unit: str, style: dict, flat: bool) -> tuple[str, str | None]:
    flat_label, group, sub = L.COLUMN_HEADERS[measure]
    suffix = f"（{unit}）" if style["unit_style"] == "suffix" or unit == "%" else ""
    if flat or sub is None:
        return (flat_label if flat else group) + suffix, None
    return group, sub + suffix


def _build_grid(spec: FileSpec, data: SampleData, names: dict[str, RegionName], cities: list[str],
                districts: dict[str, list[str]], seed: int) -> Grid:
    style = spec.style
    rng = rng_for(seed, "cells", spec.name)
    kind, year, month = spec.kind, spec.year, spec.month
    fmt = style["fmt"]
    shared = style["_shared"]
    units = {m: _unit_for(m, style, shared) for m in spec.measures}
    month_split = spec.wording == "month_split"
    header_mode = "split" if month_split else style["header"]

    # rows: (label, region code or None for blank)
    if spec.scope == "province":
        order = list(L.STANDARD_CITY_ORDER) if style["city_order"] == "standard" else sorted(cities)
        total_label = style["province_total"]
        total_code = PROVINCE
    else:
        order = list(districts[spec.scope])
        total_label = style["district_total"].format(city=names[spec.scope].full)
        total_code = spec.scope
    body: list[tuple[str, str | None]] = [
        (names[c].short if style["names"] == "short" else names[c].full, c) for c in order]
    if style["blank_rows"] and len(body) > 6:
        body.insert(len(body) // 2, ("", None))
    total = (total_label, total_code)
    rows_spec = [total, *body] if style["total_pos"] == "top" else [*body, total]
    if style["blank_rows"]:
        at = 1 if style["total_pos"] == "top" else len(rows_spec) - 1
        rows_spec.insert(at, ("", None))

    # columns: (kind, measure, basis) with kind in region|seq|value|yoy
    columns: list[tuple[str, str | None, str | None]] = []
    if style["seq_col"]:
        columns.append(("seq", None, None))
    columns.append(("region", None, None))
    for i, m in enumerate(spec.measures):
        if month_split and m not in L.STOCKS and m != "case_court_acceptance_rate":
            columns.append(("value", m, "month"))
        columns.append(("value", m, "ytd"))
        if i == 0 and style["yoy_col"]:
            columns.append(("yoy", m, None))

    grid = Grid()
    # title lines
    with_period_title = style["period_in"] in ("both", "title")
    title_pattern = rng.choice(L.FAMILIES[spec.family]["titles"])
    city_name = names[spec.scope].full if spec.scope != "province" else ""
    title = title_pattern.format(p=spec.period if with_period_title else "", city=city_name)
    title_count = style["title_lines"]
    if fmt == "csv" and not with_period_title and rng.random() < 0.5:
        title_count = 0
    if title_count:
        grid.add([title], "title")
        if title_count >= 2:
            grid.add([rng.choice(L.SUBTITLES[kind])], "title")
    unit_style = style["unit_style"]
    if unit_style == "title":
        count_unit = next((u for m, u in units.items() if u != "%"), "件")
        grid.add([f"单位：{count_unit}"], "title")
    if style["filer_line"]:
        grid.add([f"填报单位：{L.SENDERS[kind]}　　　　填报日期：{_send_date(year, month)}"], "title")

    # header rows
    region_header = (rng.choice(["地区", "地市", "市别", "地区名称"]) if spec.scope == "province"
                     else rng.choice(["县（市、区）", "县区", "地区"]))
    two_rows = header_mode in ("two_row", "split")
    top: list[object] = []
    bottom: list[object] = []
    for col_kind, m, basis in columns:
        if col_kind == "seq":
            top.append("序号")
            bottom.append(None)
        elif col_kind == "region":
            top.append(region_header)
            bottom.append(None)
        elif col_kind == "yoy":
            group, sub = _header_label(m, units[m], style, flat=header_mode != "two_row")
            if sub is None:
                top.append("同比增长（%）")
                bottom.append(None)
            else:  # inside the measure's group: 发明专利 over 申请量 | 同比增长（%） | 授权量
                top.append(group)
                bottom.append("同比增长（%）")
        elif header_mode == "split":
            label, _ = _header_label(m, units[m], style, flat=True)
            if m in L.STOCKS or m == "case_court_acceptance_rate":
                top.append(label)
                bottom.append(None)
            else:
                top.append(label)
                bottom.append("当月" if basis == "month" else "累计")
        else:
            group, sub = _header_label(m, units[m], style, flat=header_mode == "flat")
            top.append(group)
            bottom.append(sub)
    first_header = grid.add(top, "header")
    if two_rows:
        grid.add(bottom, "header")
        # vertical merges where the bottom cell is empty, horizontal merges of equal groups
        c = 0
        while c < len(columns):
            if bottom[c] is None:
                grid.merges.append((first_header, c, first_header + 1, c))
                c += 1
                continue
            end = c
            while end + 1 < len(columns) and bottom[end + 1] is not None and top[end + 1] == top[c]:
                end += 1
            if end > c:
                grid.merges.append((first_header, c, first_header, end))
                for j in range(c + 1, end + 1):
                    top[j] = None
            c = end + 1
    if unit_style == "unit_row":
        unit_row: list[object] = []
        for col_kind, m, _ in columns:
            unit_row.append(units[m] if col_kind == "value" else ("%" if col_kind == "yoy" else None))
        if style["unit_row_label"]:
            unit_row[[k for k, _, _ in columns].index("region")] = style["unit_row_label"]
        grid.add(unit_row)

    # body
    star_rows = set(rng.sample(range(len(order)), 2)) if style["star"] else set()
    seq = 0
    for label, code in rows_spec:
        if code is None:
            grid.add([None] * len(columns))
            continue
        row: list[object] = []
        is_total = code == total_code
        if not is_total:
            seq += 1
        for col_kind, m, basis in columns:
            if col_kind == "seq":
                row.append(None if is_total else seq)
            elif col_kind == "region":
                row.append(label)
            elif col_kind == "yoy":
                now = _value(data, m, code, year, month, "ytd")
                try:
                    before = _value(data, m, code, year - 1, month, "ytd")
                except KeyError:
                    before = None
                row.append(f"{(now / before - 1) * 100:.1f}" if now and before else "-")
            else:
                value = _value(data, m, code, year, month, basis)
                cell = _cell(value, m, units[m], style, fmt, rng)
                if m == spec.measures[0] and isinstance(cell, (int, float, str)) and cell not in ("", None):
                    if code in order and order.index(code) in star_rows and value:
                        cell = f"{_text(_scaled(value, m, units[m]), False)}*"
                    elif style["note_marker"] and code == "440300" and value:
                        cell = f"{_text(_scaled(value, m, units[m]), True)}{L.INCLUDES_NOTE}"
                row.append(cell)
        grid.add(row)

    # footnotes
    notes = []
    if style["star"]:
        notes.append(L.STAR_NOTE)
    notes += rng.sample(L.FOOTNOTES[kind], k=rng.randint(0, min(2, len(L.FOOTNOTES[kind]))))
    if notes and rng.random() < 0.5:
        grid.add([None] * len(columns))
    if style["signoff"]:
        notes.append(f"制表：统计科　　审核：{L.SENDERS[kind][-3:]}　　填报日期：{_send_date(year, month)}")
    for note in notes:
        grid.add([note], "note")
    grid.width = len(columns)
    if style["offset_col"] and fmt == "xlsx":
        grid.rows = [[None, *row] for row in grid.rows]
        grid.merges = [(a, b + 1, c, d + 1) for a, b, c, d in grid.merges]
        grid.width += 1
    return grid


def _send_date(year: int, month: int) -> str:
    """When a period's export is sent: the 10th of the next month."""
    return f"{year + 1}年1月10日" if month == 12 else f"{year}年{month + 1}月10日"


def _value(data: SampleData, measure: str, code: str, year: int, month: int, basis: str | None) -> float | None:
    if measure in ("population", "market_entities"):
        return data.annual[measure][code][year]
    values = data.monthly[measure][code][year]
    if basis == "month" and month > 1:
        return values[month - 1] - values[month - 2]
    return values[month - 1]


# ----------------------------------------------------------------------------- files


def _file_name(spec: FileSpec, names: dict[str, RegionName], seed: int, issue_no: int) -> str:
    rng = rng_for(seed, "name", spec.family, spec.scope, spec.year, spec.month)
    patterns = L.FAMILIES[spec.family]["names"]
    with_period = [p for p in patterns if "{p}" in p]
    without = [p for p in patterns if "{p}" not in p]
    if spec.style["period_in"] == "title" and without:
        pattern = rng.choice(without)
    else:
        if spec.style["period_in"] == "title":  # no period-free name in this family: say it twice
            spec.style["period_in"] = "both"
        pattern = rng.choice(with_period)
    city = names[spec.scope].full if spec.scope != "province" else ""
    stem = pattern.format(p=spec.period, city=city, n=issue_no)
    stamp = spec.style["name_date_stamp"]
    if stamp:
        sent = _send_date(spec.year, spec.month).replace("年", "-").replace("月", "-").rstrip("日").split("-")
        digits = f"{int(sent[0]):04d}{int(sent[1]):02d}{int(sent[2]):02d}"
        stem += f"（{digits}）" if stamp == "paren" else f"_{digits}"
    return f"{stem}.{spec.style['fmt']}"


def plan_files(data: SampleData, names: dict[str, RegionName], seed: int) -> list[FileSpec]:
    """Every file of the default set, in a stable order."""
    specs: list[FileSpec] = []
    for family, fam in L.FAMILIES.items():
        scopes = ["province"] if fam["scope"] == "province" else list(P.CITIES_WITH_DISTRICTS)
        for year in data.years:
            for month in range(1, 13):
                if not _wanted(family, year, month):
                    continue
                wording, shared = _period_choices(seed, fam["kind"], fam["cadence"], year, month)
                for scope in scopes:
                    style = _style(seed, family, (scope, year, month))
                    style["_shared"] = shared
                    spec = FileSpec(family=family, kind=fam["kind"], scope=scope, year=year, month=month,
                                    wording=wording, period=L.period_text(wording, year, month),
                                    measures=L.measures_for(fam["kind"], year, month), style=style)
                    issue_no = (year - 2000) * 12 + month
                    spec.name = _file_name(spec, names, seed, issue_no)
                    specs.append(spec)
    return specs


def _write(spec: FileSpec, grid: Grid, out_dir: Path, written: set[str]) -> Path:
    if spec.name in written:
        raise RuntimeError(f"two sample files would be called {spec.name}")
    written.add(spec.name)
    path = out_dir / spec.name
    if spec.style["fmt"] == "xlsx":
        sheet = {"patent": "专利", "trademark": "商标", "pledge": "质押融资", "case": "案件",
                 "reference": "Sheet1"}[spec.kind]
        write_xlsx(grid, path, sheet_name=sheet if spec.year % 2 else "Sheet1",
                   notes_sheet=L.NOTES_SHEET if spec.style["notes_sheet"] else None)
    else:
        write_csv(grid, path, spec.style["encoding"], padded=spec.style["csv_padded"])
    return path


def _write_indicator_files(data: SampleData, out_dir: Path, seed: int) -> list[Path]:
    """Tidy ``region, indicator, year, value, unit`` files, one per year, for the indicators that
    no export carries (names as printed in the plan tables)."""
    written = []
    for year in data.years:
        rows = [(s["region"], s["indicator"], year, s["values"][year], s["unit"])
                for s in P.TIDY_SERIES if year in s["values"]]
        if not rows:
            continue
        rng = rng_for(seed, "tidy", year)
        chinese = rng.random() < 0.3
        header = (["地区", "指标", "年份", "数值", "单位"] if chinese
                  else ["region", "indicator", "year", "value", "unit"])
        grid = Grid()
        grid.add(header, "header")
        for region, indicator, y, value, unit in rows:
            grid.add([region, indicator, y, _text(value, False) if isinstance(value, float) else value, unit])
        if year % 3 == 0:
            path = out_dir / f"{year}年知识产权补充指标（手工填报）.xlsx"
            write_xlsx(grid, path, sheet_name="指标")
        else:
            path = out_dir / f"{year}年知识产权补充指标（手工填报）.csv"
            write_csv(grid, path, "utf-8-sig" if year % 2 else "gb18030")
        written.append(path)
    return written


def generate_samples(out_dir: Path | str, year_from: int = 2016, year_to: int = 2025, seed: int = DEFAULT_SEED,
                     with_faults: bool = False) -> GenerationSummary:
    """Write the synthetic sample exports for ``year_from``..``year_to`` into ``out_dir``."""
    if year_from > year_to:
        raise ValueError(f"--from {year_from} is after --to {year_to}")
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cities, districts, names = _region_names()
    data = build_sample_data(list(range(year_from, year_to + 1)), seed, cities, districts)
    summary = GenerationSummary(out_dir=out)
    written: set[str] = set()
    for spec in plan_files(data, names, seed):
        grid = _build_grid(spec, data, names, cities, districts, seed)
        summary.files.append(_write(spec, grid, out, written))
        summary.by_kind[spec.kind] = summary.by_kind.get(spec.kind, 0) + 1
    tidy = _write_indicator_files(data, out, seed)
    summary.files += tidy
    summary.by_kind["indicator"] = len(tidy)
    if with_faults:
        from etl.samples.faults import write_fault_files

        summary.fault_files = write_fault_files(out, data, names, seed)
    summary.seconds = time.perf_counter() - started
    log.info("wrote %d sample files (+%d faulty) to %s in %.1f s", len(summary.files),
             len(summary.fault_files), out, summary.seconds)
    return summary


def build_data(year_from: int = 2016, year_to: int = 2025, seed: int = DEFAULT_SEED) -> SampleData:
    """The figures behind the files (for tests and demos that check what the pipeline loads)."""
    cities, districts, _ = _region_names()
    return build_sample_data(list(range(year_from, year_to + 1)), seed, cities, districts)
