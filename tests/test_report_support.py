"""Helpers shared by the report and delivery tests (no tests here): a warehouse with the real
catalog and demonstration marts computed by the real progress code from invented values."""

from __future__ import annotations

import html as html_module
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

from etl import warehouse

AS_OF_DATES = (date(2024, 6, 30), date(2024, 12, 31))
PERIODS = ("2024-06", "2024-Q2", "2024")
LEFTOVERS = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|\bnull\b|\{\{|\}\}|\{%|%\}|\{[a-z_]+\}|Undefined|undefined")


SAMPLE_YEARS = (2020, 2024)
_SAMPLE_SOURCES = ("etl/samples", "etl/ingest", "etl/catalog", "etl/progress", "etl/catalog.py", "etl/units.py",
                   "sql", "expectations")


def _sources_key() -> str:
    """A hash of the code and data that make the sample warehouse (its cache key)."""
    import hashlib

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(repr(SAMPLE_YEARS).encode())
    for source in _SAMPLE_SOURCES:
        path = root / source
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def sample_warehouse_file(cache_dir: Path) -> Path:
    """A DuckDB warehouse of the synthetic sample exports 2020-2024, generated, ingested by the
    real pipeline and with refreshed marts; built once per version of that code and cached."""
    import os
    import tempfile

    target = cache_dir / f"samples-{_sources_key()}.duckdb"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(dir=cache_dir, prefix="build-"))
    previous = os.environ.get("IPSTATS_HOME")
    os.environ["IPSTATS_HOME"] = str(build / "home")
    try:
        from etl.catalog import load_catalog_into_warehouse
        from etl.ingest.pipeline import ingest_paths
        from etl.progress import refresh_marts
        from etl.samples.generate import generate_samples

        generate_samples(build / "samples", *SAMPLE_YEARS)
        engine = warehouse.get_engine(f"duckdb:///{build / 'warehouse.duckdb'}")
        warehouse.init_db(engine)
        load_catalog_into_warehouse(engine)
        outcomes = ingest_paths(sorted((build / "samples").iterdir()), engine)
        assert any(o.status == "loaded" for o in outcomes), "no sample file loaded"
        refresh_marts(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("CHECKPOINT")
        warehouse.dispose_engines()
        (build / "warehouse.duckdb").replace(target)
        for stale in cache_dir.glob("samples-*.duckdb"):  # built from code that has changed since
            if stale != target:
                stale.unlink(missing_ok=True)
    finally:
        if previous is None:
            os.environ.pop("IPSTATS_HOME", None)
        else:
            os.environ["IPSTATS_HOME"] = previous
        shutil.rmtree(build, ignore_errors=True)
    return target


def demo_warehouse(url: str):
    """An initialised warehouse with catalog and demo marts; returns its engine."""
    from etl.catalog import load_catalog_into_warehouse
    from etl.reports.demo import seed_demo_marts

    engine = warehouse.get_engine(url)
    warehouse.init_db(engine)
    load_catalog_into_warehouse(engine)
    seed_demo_marts(engine, AS_OF_DATES)
    add_load_lineage(engine)
    return engine


def add_load_lineage(engine) -> None:
    """A loaded, a revised and a quarantined file of June 2024, a rejected row, a failed
    validation and a reconciliation warning, as the ingestion pipeline records them."""
    from datetime import datetime

    from sqlalchemy import text

    batches = [
        ("b1", "sample_patent_2024-06.xlsx", "loaded", None, date(2024, 6, 30)),
        ("b2", "sample_trademark_2024-06_v2.xlsx", "revised", None, date(2024, 6, 30)),
        ("b3", "broken<export>.xlsx", "quarantined", "header row not found (file broken<export>.xlsx)", None),
    ]
    with engine.begin() as conn:
        for batch_id, name, status, reason, period_end in batches:
            conn.execute(text(
                "INSERT INTO load_batches (batch_id, source_file, archive_path, content_hash, source_kind, "
                "period_type, period_end, received_at, status, reason, rows_read, rows_loaded, rows_rejected) "
                "VALUES (:b, :f, :a, :h, 'patent', 'month', :pe, :r, :s, :reason, 10, 9, 1)"),
                {"b": batch_id, "f": name, "a": f"archive/{batch_id}", "h": batch_id * 8, "pe": period_end,
                 "r": datetime(2024, 6, 20, 10), "s": status, "reason": reason})
        conn.execute(text("INSERT INTO load_rejections (batch_id, source_file, row_no, column_name, raw_value, reason, "
                          "rejected_at) VALUES ('b1', 'sample_patent_2024-06.xlsx', 7, '授权量', 'abc', "
                          "'not a number', :t)"), {"t": datetime(2024, 6, 20, 10)})
        conn.execute(text("INSERT INTO load_validation_results (batch_id, suite_name, success, evaluated, failed, "
                          "result_json, validated_at) VALUES ('b2', 'trademark', FALSE, 12, 1, '{}', :t)"),
                     {"t": datetime(2024, 6, 20, 10)})
        conn.execute(text("INSERT INTO load_reconciliation (batch_id, check_name, region_code, measure_code, "
                          "period_end, expected, actual, difference, message, checked_at) VALUES ('b1', "
                          "'city_sum_vs_province', '440000', 'patent_grants', :pe, 100, 98, -2, "
                          "'地市合计与全省数相差2件', :t)"), {"pe": date(2024, 6, 30), "t": datetime(2024, 6, 20, 10)})


def plan_ids(engine) -> list[str]:
    from etl.reports.jobs import reportable_plans

    return [plan for plan, _ in reportable_plans(engine)]


def pdf_text(path: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is not installed"
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=60,
                            check=True)
    return result.stdout.decode("utf-8")


def visible_text(html: str) -> str:
    """The HTML's text without tags, styles and data: URIs (what a reader sees)."""
    body = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html_module.unescape(body))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


CHROMIUM = "/usr/bin/chromium"
_MEASURE = ("JSON.stringify({scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),"
            " client: document.documentElement.clientWidth, inner: window.innerWidth})")


class _Pipe:
    """Chrome DevTools Protocol over --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-separated JSON)."""

    def __init__(self, to_chrome: int, from_chrome: int) -> None:
        self.to_chrome, self.from_chrome, self.buffer, self.next_id = to_chrome, from_chrome, b"", 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        import json
        import os
        import select
        import time

        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.from_chrome], [], [], remaining)
            if ready:
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        import json
        import os
        import time

        self.next_id += 1
        request = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = session
        os.write(self.to_chrome, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method: str, timeout: float = 60) -> dict:
        import time

        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read_message(deadline))


def phone_render(url: str, profile: Path, width: int = 390, height: int = 2000) -> tuple[dict, bytes]:
    """Open ``url`` in headless Chromium emulating a ``width`` px phone (device metrics override,
    mobile viewport); returns the page's measured widths and a PNG screenshot."""
    import base64
    import json
    import os

    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def _child_fds() -> None:
        reading, writing = os.dup(to_chrome_r), os.dup(from_chrome_w)  # above 4, so dup2 clobbers nothing
        os.dup2(reading, 3)
        os.dup2(writing, 4)
        os.set_inheritable(3, True)
        os.set_inheritable(4, True)

    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", "--remote-debugging-pipe", f"--user-data-dir={profile}",
               f"--window-size={width},{height}", "about:blank"]
    # close_fds=False: the child keeps only fds 3 and 4 (dup2 makes them inheritable; os.pipe's are not)
    process = subprocess.Popen(command, preexec_fn=_child_fds, close_fds=False,  # noqa: PLW1509
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    pipe = _Pipe(to_chrome_w, from_chrome_r)
    try:
        targets = pipe.call("Target.getTargets")["targetInfos"]
        page = next((t for t in targets if t["type"] == "page"), None)
        target_id = page["targetId"] if page else pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.call("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        pipe.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True}, session)
        pipe.call("Page.enable", {}, session)
        pipe.call("Page.navigate", {"url": url}, session)
        pipe.wait_event("Page.loadEventFired")
        measured = pipe.call("Runtime.evaluate", {"expression": _MEASURE, "returnByValue": True}, session)
        widths = json.loads(measured["result"]["value"])
        shot = pipe.call("Page.captureScreenshot", {"format": "png"}, session)["data"]
        try:
            pipe.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError):
            pass
        return widths, base64.b64decode(shot)
    finally:
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
