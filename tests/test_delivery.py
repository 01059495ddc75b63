"""E-mail delivery against a real SMTP server on localhost (aiosmtpd): the message carries the
HTML body, inline chart images and the PDF and XLSX; a rerun sends nothing more; --resend does;
an unreachable server fails, leaves the delivery pending, and the next run sends it."""

from __future__ import annotations

import email
import json
import socket
import subprocess
import sys
from datetime import datetime
from email import policy
from pathlib import Path

import pytest

from tests.test_report_support import demo_warehouse

PLAN = "zhaoqing-opinions"   # three targets: quick to render
PERIOD = "2024"
RECIPIENTS = """
from: "知识产权统计监测 <ipstats@example.gov.cn>"
plans:
  zhaoqing-opinions:
    to: ["肇庆市知识产权局 <ip-office@zhaoqing.example.gov.cn>", second@example.org]
    cc: [cc@example.org]
regions:
  "441200":
    to: [region@example.org]
    cc: [cc@example.org]
"""


class _Collector:
    """aiosmtpd handler keeping every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = _Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


@pytest.fixture
def recipients_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "recipients.yaml"
    path.write_text(RECIPIENTS, encoding="utf-8")
    monkeypatch.setenv("IPSTATS_RECIPIENTS_FILE", str(path))
    monkeypatch.setenv("IPSTATS_SAMPLE_DATA", "1")
    return path


def _smtp_uri(port: int) -> str:
    return f"smtp://127.0.0.1:{port}?disable_ssl=true&disable_tls=true&timeout=5"


def _statuses(engine) -> list[tuple[str, str, int]]:
    from etl.warehouse import read_frame

    with engine.connect() as conn:
        frame = read_frame(conn, "SELECT delivery_id, status, attempts FROM report_deliveries ORDER BY delivery_id")
    return [tuple(row) for row in frame.itertuples(index=False)]


def _attempts(engine) -> list[tuple[str, int, str]]:
    from etl.warehouse import read_frame

    with engine.connect() as conn:
        frame = read_frame(conn, "SELECT delivery_id, attempt_no, outcome FROM report_delivery_attempts "
                                 "ORDER BY delivery_id, attempt_no")
    return [tuple(row) for row in frame.itertuples(index=False)]


@pytest.mark.parametrize("backend", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_sent_once_with_body_images_and_attachments(backend: str, request: pytest.FixtureRequest, tmp_path: Path,
                                                    smtp_server, recipients_file: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.reports import deliver, render_report

    url = request.getfixturevalue("pg_url") if backend == "postgres" else f"duckdb:///{tmp_path / 'w.duckdb'}"
    engine = demo_warehouse(url)
    controller, handler = smtp_server
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", _smtp_uri(controller.port))
    report = render_report(engine, PLAN, PERIOD, out_dir=tmp_path / "out", generated_at=datetime(2025, 1, 5, 9))

    result = deliver(engine, report)
    assert result.status == "sent" and result.transport == "smtp"
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert sorted(envelope.rcpt_tos) == sorted(["ip-office@zhaoqing.example.gov.cn", "second@example.org",
                                                "region@example.org", "cc@example.org"])
    assert envelope.mail_from == "ipstats@example.gov.cn"
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "年度评估报告" in message["Subject"] and "肇庆" in message["Subject"]
    assert "ip-office@zhaoqing.example.gov.cn" in message["To"] and "cc@example.org" in message["Cc"]
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "一、总体情况" in html and "<script" not in html
    cids = {part["Content-ID"].strip("<>") for part in message.walk() if part.get_content_type() == "image/png"}
    referenced = {ref.split('"')[0] for ref in html.split('src="cid:')[1:]}
    assert cids and cids == referenced, (cids, referenced)
    assert all(part.get_content_disposition() == "inline" for part in message.walk()
               if part.get_content_type() == "image/png")
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    pdf = attachments[f"report_{PLAN}_{PERIOD}_zh.pdf"].get_content()
    xlsx = attachments[f"report_{PLAN}_{PERIOD}_zh.xlsx"].get_content()
    assert pdf.startswith(b"%PDF") and pdf == report.pdf.read_bytes()
    assert xlsx.startswith(b"PK") and xlsx == report.xlsx.read_bytes()
    assert "本期纳入监测的指标共3项" in message.get_body(preferencelist=("plain",)).get_content()

    # a rerun (same inputs, same version) sends nothing more
    again = render_report(engine, PLAN, PERIOD, out_dir=tmp_path / "out")
    assert again.version == report.version and deliver(engine, again).status == "already_sent"
    assert len(handler.envelopes) == 1
    # an explicit resend does
    assert deliver(engine, again, resend=True).status == "sent"
    assert len(handler.envelopes) == 2
    resent = email.message_from_bytes(handler.envelopes[1].content, policy=policy.default)
    assert resent["Subject"].startswith("（重发）")
    assert _statuses(engine) == [(f"{report.archive_id}#0", "sent", 1), (f"{report.archive_id}#1", "sent", 1)]


def test_unreachable_server_fails_keeps_it_pending_and_next_run_sends(tmp_path: Path, smtp_server,
                                                                       recipients_file: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.reports import DeliveryFailed, deliver, render_report
    from etl.reports.jobs import send_archived

    engine = demo_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    report = render_report(engine, PLAN, PERIOD)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", _smtp_uri(_free_port()))  # nobody listens there
    with pytest.raises(DeliveryFailed, match="Connection refused|ConnectionRefused"):
        deliver(engine, report)
    with pytest.raises(DeliveryFailed):
        send_archived(engine, [report.archive_id])  # a task retry fails the same way
    assert _statuses(engine) == [(f"{report.archive_id}#0", "failed", 2)]
    assert [a[2] for a in _attempts(engine)] == ["failed", "failed"]

    controller, handler = smtp_server
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", _smtp_uri(controller.port))
    summary = send_archived(engine, [])  # the next run: nothing new, sends what is pending
    assert summary["sent"] == [f"{report.archive_id}#0"]
    assert len(handler.envelopes) == 1
    assert _statuses(engine) == [(f"{report.archive_id}#0", "sent", 3)]
    assert deliver(engine, report).status == "already_sent" and len(handler.envelopes) == 1


def test_embedded_default_writes_eml_to_the_outbox(tmp_path: Path, recipients_file: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.config import get_settings
    from etl.reports import deliver, render_report

    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    engine = demo_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    result = deliver(engine, render_report(engine, PLAN, PERIOD, lang="zh"))
    assert result.status == "sent" and result.transport == "outbox"
    files = list(get_settings().outbox_dir.glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message.get_body(preferencelist=("html",)) is not None
    assert {p.get_content_type() for p in message.iter_attachments()} >= {"application/pdf"}


def test_recipient_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    from etl.reports.recipients import RecipientsError, load_recipients

    bad = tmp_path / "recipients.yaml"
    bad.write_text("plans:\n  huizhou-14fyp:\n    to: [ok@example.org, 'not-an-address@']\n", encoding="utf-8")
    with pytest.raises(RecipientsError) as caught:
        load_recipients(bad)
    assert str(bad) in str(caught.value) and "plans.huizhou-14fyp.to[1]" in str(caught.value)
    assert "not-an-address@" in str(caught.value)
    bad.write_text("plans:\n  p:\n    to: [a@example.org]\n    languages: [fr]\n", encoding="utf-8")
    with pytest.raises(RecipientsError, match="languages"):
        load_recipients(bad)
    example = Path(__file__).resolve().parent.parent / "config" / "recipients.example.yaml"
    config = load_recipients(example)
    assert config.for_report("huizhou-14fyp", "441300", "en")[0] == ["ip-office@huizhou.example.gov.cn"]
    assert load_recipients(tmp_path / "missing.yaml").plans == {}


def test_cli_renders_and_sends_through_the_connection(tmp_path: Path, smtp_server, recipients_file: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``ipstats report --plan --period --out --send`` in a subprocess, then a rerun and --resend."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    demo_warehouse(url)
    from etl import warehouse

    warehouse.dispose_engines()
    controller, handler = smtp_server
    env = {"IPSTATS_WAREHOUSE_URL": url, "AIRFLOW_CONN_SMTP_DEFAULT": _smtp_uri(controller.port)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "out"
    command = [str(Path(sys.executable).parent / "ipstats"), "report", "--plan", PLAN, "--period", "2024-Q2",
               "--out", str(out), "--send"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert {p.name for p in out.iterdir()} == {f"report_{PLAN}_2024-Q2_zh.{ext}" for ext in ("html", "pdf", "xlsx")}
    assert "delivery: sent" in first.stdout and len(handler.envelopes) == 1
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert "already_sent" in rerun.stdout and len(handler.envelopes) == 1
    resend = subprocess.run(command[:-1] + ["--resend"], capture_output=True, text=True, timeout=300)
    assert "delivery: sent" in resend.stdout and len(handler.envelopes) == 2
    bad = subprocess.run(command[:5] + ["2024-13"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "2024-13" in bad.stderr


@pytest.mark.airflow
def test_inside_airflow_the_provider_hook_sends(tmp_path: Path, smtp_server, recipients_file: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """In a task (AIRFLOW_CTX_DAG_ID set) the SmtpHook of smtp_default opens the connection."""
    from etl.reports import deliver, render_report
    from etl.reports.delivery import smtp_settings

    controller, handler = smtp_server
    # JSON form with real booleans: the hook reads extras with bool(), so "false" strings would be True
    connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": controller.port,
                  "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 5, "from_email": "hook@example.org"}}
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "ip_reports")
    assert smtp_settings()[0] == "airflow"
    engine = demo_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    result = deliver(engine, render_report(engine, PLAN, PERIOD))
    assert result.status == "sent" and len(handler.envelopes) == 1
    assert handler.envelopes[0].mail_from == "ipstats@example.gov.cn"  # the recipients file's sender wins
