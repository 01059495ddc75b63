"""Render a report and archive it: files under ``IPSTATS_HOME/reports/archive/<plan>/<period>/<lang>/v<N>/``
and a ``report_archive`` row holding the canonical inputs, their fingerprint and the generation
time. The same inputs give the same version and, rendered again, the same bytes."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from etl.config import get_settings
from etl.reports.i18n import label
from etl.reports.inputs import canonical_json, fingerprint, gather_inputs
from etl.reports.periods import ReportPeriod, parse_period
from etl.warehouse import read_frame

log = logging.getLogger(__name__)
LANGS = ("zh", "en")


@dataclass
class RenderedFiles:
    """The bytes of one rendering."""

    html: str                      # standalone: charts as data: URIs
    email_html: str                # charts as cid: references
    text: str                      # the plain-text alternative of the e-mail
    pdf: bytes
    xlsx: bytes
    charts: dict[str, bytes]
    timings: dict[str, float] = field(default_factory=dict)
    subject: str = ""

    def hashes(self) -> dict[str, str]:
        return {"html": _sha(self.html.encode()), "pdf": _sha(self.pdf), "xlsx": _sha(self.xlsx)}


@dataclass
class RenderedReport:
    """A rendered, archived report and where its files are."""

    plan_id: str
    period: str
    kind: str
    lang: str
    version: int
    fingerprint: str
    mart_rows_sha256: str
    archive_id: str
    archive_dir: Path
    generated_at: datetime
    subject: str
    html: Path
    pdf: Path
    xlsx: Path
    email_html: Path
    charts: dict[str, Path]
    reused_archive: bool = False          # the inputs were archived before (same version)
    identical_to_archive: bool | None = None  # when reused: whether the bytes came out the same
    timings: dict[str, float] = field(default_factory=dict)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now(tz: str) -> datetime:
    return datetime.now(ZoneInfo(tz)).replace(tzinfo=None, microsecond=0)


def _utc_offset(moment: datetime) -> str:
    """'+08:00' for a naive local time in the configured zone."""
    offset = moment.replace(tzinfo=ZoneInfo(get_settings().timezone)).strftime("%z") or "+0000"
    return f"{offset[:3]}:{offset[3:]}"


def subject_line(view: dict[str, Any]) -> str:
    if view["lang"] == "en":
        return f"[{view['kind_title']}] {view['plan_name']} - {view['period_title']}" + (
            f" (v{view['version']})" if view["version"] > 1 else "")
    return f"【{view['kind_title']}】{view['plan_name']}（{view['period_title']}）" + (
        f"第{view['version']}版" if view["version"] > 1 else "")


def render_files(inputs: dict[str, Any], period: ReportPeriod, lang: str, generated_at: datetime, version: int,
                 fp: str) -> tuple[RenderedFiles, dict[str, Any]]:
    """Charts once, then the standalone HTML, the e-mail HTML, the PDF and the XLSX."""
    from etl.reports.charts import cached_chart
    from etl.reports.context import build_view
    from etl.reports.render import cid_source, data_uri_source, render_html, render_pdf, render_text, render_xlsx

    timings: dict[str, float] = {}
    start = time.perf_counter()
    view = build_view(inputs, period, lang, generated_at, version, fp)
    rows = {row.get("target_id"): row for row in inputs["rows"]}
    charts = {v["chart"]: cached_chart(rows[v["target_id"]], lang) for v in view["indicators"] if v["chart"]}
    timings["charts"] = time.perf_counter() - start
    start = time.perf_counter()
    html = render_html(view, data_uri_source(charts))
    email_html = render_html(view, cid_source())
    plain = render_text(view)
    timings["html"] = time.perf_counter() - start
    start = time.perf_counter()
    pdf = render_pdf(render_html(view, data_uri_source(charts), for_print=True), generated_at,
                     _utc_offset(generated_at))
    timings["pdf"] = time.perf_counter() - start
    start = time.perf_counter()
    xlsx = render_xlsx(view, inputs, generated_at)
    timings["xlsx"] = time.perf_counter() - start
    return RenderedFiles(html, email_html, plain, pdf, xlsx, charts, timings), view


def _archive_row(engine: Engine, where: str, params: dict[str, Any]) -> dict[str, Any] | None:
    with engine.connect() as conn:
        frame = read_frame(conn, f"SELECT * FROM report_archive WHERE {where}", params)
    return None if frame.empty else frame.to_dict(orient="records")[0]


def _write_archive_files(directory: Path, files: RenderedFiles, inputs: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "charts").mkdir(exist_ok=True)
    (directory / "report.html").write_text(files.html, encoding="utf-8")
    (directory / "email.html").write_text(files.email_html, encoding="utf-8")
    (directory / "email.txt").write_text(files.text, encoding="utf-8")
    (directory / "report.pdf").write_bytes(files.pdf)
    (directory / "report.xlsx").write_bytes(files.xlsx)
    (directory / "inputs.json").write_text(canonical_json(inputs), encoding="utf-8")
    for chart, png in files.charts.items():
        (directory / "charts" / f"{chart}.png").write_bytes(png)


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().replace(tzinfo=None)
    return datetime.fromisoformat(str(value))


def _copy_out(report_dir: Path, out_dir: Path | None, plan_id: str, period: str, lang: str) -> dict[str, Path]:
    """Copies of the archived files in ``out_dir`` named report_<plan>_<period>_<lang>.<ext>."""
    paths = {ext: report_dir / f"report.{ext}" for ext in ("html", "pdf", "xlsx")}
    if out_dir is None:
        return paths
    out_dir.mkdir(parents=True, exist_ok=True)
    copies = {}
    for ext, source in paths.items():
        target = out_dir / f"report_{plan_id}_{period}_{lang}.{ext}"
        shutil.copyfile(source, target)
        copies[ext] = target
    return copies


@dataclass
class PreparedReport:
    """What a report needs before drawing: its inputs, fingerprint, version and generation time."""

    plan_id: str
    period: ReportPeriod
    lang: str
    inputs: dict[str, Any]
    fingerprint: str
    rows_sha256: str
    version: int
    generated_at: datetime
    existing: dict[str, Any] | None

    @property
    def archive_id(self) -> str:
        return f"{self.plan_id}/{self.period.label}/{self.lang}/v{self.version}"

    @property
    def reusable(self) -> bool:
        """Archived before with its files in place: nothing to draw."""
        return bool(self.existing) and (Path(self.existing["archive_dir"]) / "report.pdf").exists()


def prepare_report(engine: Engine, plan_id: str, period: str | ReportPeriod, lang: str = "zh",
                   generated_at: datetime | None = None) -> PreparedReport:
    """Gather the inputs and decide the version: the archived one for the same fingerprint, else the next."""
    if lang not in LANGS:
        raise ValueError(f"lang {lang!r}: expected one of {', '.join(LANGS)}")
    report_period = period if isinstance(period, ReportPeriod) else parse_period(period)
    inputs = gather_inputs(engine, plan_id, report_period)
    fp, rows_sha = fingerprint(inputs)
    key = {"p": plan_id, "period": report_period.label, "lang": lang}
    existing = _archive_row(engine, "plan_id = :p AND period = :period AND lang = :lang AND fingerprint = :fp",
                            {**key, "fp": fp})
    if existing:
        version = int(existing["version"])
        generated = _as_datetime(existing["generated_at"])
    else:
        with engine.connect() as conn:
            latest = read_frame(conn, "SELECT MAX(version) AS v FROM report_archive WHERE plan_id = :p "
                                      "AND period = :period AND lang = :lang", key)["v"].iloc[0]
        version = 1 if latest is None or latest != latest else int(latest) + 1
        generated = (generated_at or _now(get_settings().timezone)).replace(microsecond=0)
    return PreparedReport(plan_id, report_period, lang, inputs, fp, rows_sha, version, generated, existing)


def draw_prepared(prepared: PreparedReport) -> RenderedFiles:
    """The pure part (no database): charts, HTML, PDF, XLSX. Safe to run in a worker process."""
    files, view = render_files(prepared.inputs, prepared.period, prepared.lang, prepared.generated_at,
                               prepared.version, prepared.fingerprint)
    files.subject = subject_line(view)
    return files


def finish_report(engine: Engine, prepared: PreparedReport, files: RenderedFiles | None,
                  out_dir: Path | str | None = None) -> RenderedReport:
    """Archive freshly drawn files (or compare them with the archive) and copy them to ``out_dir``."""
    plan_id, label_, lang = prepared.plan_id, prepared.period.label, prepared.lang
    out_path = Path(out_dir) if out_dir else None
    if files is None:
        report = archived_report(engine, prepared.archive_id)
        out = _copy_out(report.archive_dir, out_path, plan_id, label_, lang)
        report.html, report.pdf, report.xlsx = out["html"], out["pdf"], out["xlsx"]
        return report
    settings = get_settings()
    archive_dir = settings.reports_dir / "archive" / plan_id / label_ / lang / f"v{prepared.version}"
    identical = None
    existing = prepared.existing
    if existing:
        archived = {"html": existing["html_sha256"], "pdf": existing["pdf_sha256"], "xlsx": existing["xlsx_sha256"]}
        identical = files.hashes() == archived
        if not identical:
            log.warning("report %s re-rendered from the same inputs differs from the archive: %s",
                        prepared.archive_id, sorted(k for k, v in files.hashes().items() if archived[k] != v))
        if not (archive_dir / "report.pdf").exists():
            _write_archive_files(archive_dir, files, prepared.inputs)
    else:
        _write_archive_files(archive_dir, files, prepared.inputs)
        hashes = files.hashes()
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO report_archive (archive_id, plan_id, period, kind, lang, as_of, version, fingerprint, "
                "mart_rows_sha256, inputs_json, generated_at, archive_dir, html_sha256, pdf_sha256, xlsx_sha256, "
                "created_at) VALUES (:archive_id, :p, :period, :kind, :lang, :as_of, :version, :fp, :rows_sha, "
                ":inputs, :generated, :dir, :html, :pdf, :xlsx, :created)"),
                {"p": plan_id, "period": label_, "lang": lang, "archive_id": prepared.archive_id,
                 "kind": prepared.period.kind, "as_of": prepared.period.as_of, "version": prepared.version,
                 "fp": prepared.fingerprint, "rows_sha": prepared.rows_sha256,
                 "inputs": canonical_json(prepared.inputs), "generated": prepared.generated_at,
                 "dir": str(archive_dir), "html": hashes["html"], "pdf": hashes["pdf"], "xlsx": hashes["xlsx"],
                 "created": _now(settings.timezone)})
        log.info("archived report %s (fingerprint %s)", prepared.archive_id, prepared.fingerprint[:16])
    out = _copy_out(archive_dir, out_path, plan_id, label_, lang)
    return RenderedReport(
        plan_id=plan_id, period=label_, kind=prepared.period.kind, lang=lang, version=prepared.version,
        fingerprint=prepared.fingerprint, mart_rows_sha256=prepared.rows_sha256, archive_id=prepared.archive_id,
        archive_dir=archive_dir, generated_at=prepared.generated_at, subject=files.subject, html=out["html"],
        pdf=out["pdf"], xlsx=out["xlsx"], email_html=archive_dir / "email.html",
        charts={chart: archive_dir / "charts" / f"{chart}.png" for chart in files.charts},
        reused_archive=bool(existing), identical_to_archive=identical, timings=files.timings)


def render_report(engine: Engine, plan_id: str, period: str | ReportPeriod, lang: str = "zh",
                  out_dir: Path | str | None = None, generated_at: datetime | None = None,
                  rerender: bool = False) -> RenderedReport:
    """Render the report of ``plan_id`` for ``period`` and archive it (see module docstring).

    When these exact inputs were archived before, the archived files are the report (a rerun
    costs one query and a hash); with ``rerender=True`` they are rendered again from the same
    version and generation time and compared with the archive (``identical_to_archive``)."""
    prepared = prepare_report(engine, plan_id, period, lang, generated_at)
    files = None if prepared.reusable and not rerender else draw_prepared(prepared)
    return finish_report(engine, prepared, files, out_dir)


def archived_report(engine: Engine, archive_id: str) -> RenderedReport:
    """The RenderedReport of an archived version (to deliver it again without rendering)."""
    row = _archive_row(engine, "archive_id = :a", {"a": archive_id})
    if row is None:
        raise LookupError(f"no archived report {archive_id!r} in report_archive")
    directory = Path(row["archive_dir"])
    inputs = json.loads(row["inputs_json"])
    lang = row["lang"]
    kind_title = label(lang, f"kind.{row['kind']}")
    plan = inputs["plan"]
    view = {"lang": lang, "kind_title": kind_title, "version": int(row["version"]),
            "plan_name": (plan.get("name_en") if lang == "en" else None) or plan.get("name_zh"),
            "period_title": parse_period(row["period"]).title(lang)}
    charts = {path.stem: path for path in sorted((directory / "charts").glob("*.png"))}
    return RenderedReport(
        plan_id=row["plan_id"], period=row["period"], kind=row["kind"], lang=lang, version=int(row["version"]),
        fingerprint=row["fingerprint"], mart_rows_sha256=row["mart_rows_sha256"], archive_id=archive_id,
        archive_dir=directory, generated_at=_as_datetime(row["generated_at"]), subject=subject_line(view),
        html=directory / "report.html", pdf=directory / "report.pdf", xlsx=directory / "report.xlsx",
        email_html=directory / "email.html", charts=charts, reused_archive=True)


def verify_archived(engine: Engine, archive_id: str, out_dir: Path | str | None = None) -> dict[str, Any]:
    """Render an archived report again from its stored inputs and generation time; compare the
    sha256 of HTML, PDF and XLSX with the archived ones."""
    row = _archive_row(engine, "archive_id = :a", {"a": archive_id})
    if row is None:
        raise LookupError(f"no archived report {archive_id!r} in report_archive")
    inputs = json.loads(row["inputs_json"])
    files, _ = render_files(inputs, parse_period(row["period"]), row["lang"], _as_datetime(row["generated_at"]),
                            int(row["version"]), row["fingerprint"])
    if out_dir:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.html").write_text(files.html, encoding="utf-8")
        (out / "report.pdf").write_bytes(files.pdf)
        (out / "report.xlsx").write_bytes(files.xlsx)
    archived = {"html": row["html_sha256"], "pdf": row["pdf_sha256"], "xlsx": row["xlsx_sha256"]}
    fresh = files.hashes()
    return {"archive_id": archive_id, "identical": fresh == archived,
            "files": {k: {"archived": archived[k], "rendered": fresh[k], "same": archived[k] == fresh[k]}
                      for k in archived}}
