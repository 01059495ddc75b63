"""E-mail delivery of archived reports, once per (plan, period, language, version).

The row in ``report_deliveries`` is written (and committed) before the message goes out and
marked ``sent`` after the server accepted it; every attempt is logged in
``report_delivery_attempts``. A version already sent is not sent again unless ``resend=True``
(a new row, ``send_no`` + 1). A failure leaves the row ``failed``; :func:`deliver_pending` sends
it on the next run. Should a process die between the server's acceptance and the ``sent`` mark,
the row stays ``sending`` and is sent again: delivery is at least once, never silently lost.

Transport: inside Airflow the provider's ``SmtpHook`` on connection ``smtp_default``; outside,
the same connection read from ``AIRFLOW_CONN_SMTP_DEFAULT`` (URI or JSON). The provider's
defaults apply: SSL unless the extra says ``disable_ssl``, STARTTLS unless ``disable_tls``.
Without a connection (the embedded default), messages are written as ``.eml`` files to the
outbox folder."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from etl.config import get_settings
from etl.reports.archive import RenderedReport, archived_report
from etl.reports.recipients import RecipientsConfig, load_recipients
from etl.warehouse import read_frame

log = logging.getLogger(__name__)
SMTP_CONN_ID = "smtp_default"
DEFAULT_SENDER = "ipstats@localhost"
OPEN_STATUSES = ("pending", "sending", "failed")


class DeliveryFailed(RuntimeError):
    """The message could not be handed to the server; the delivery stays pending."""

    def __init__(self, message: str, delivery_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.delivery_ids = delivery_ids


@dataclass(frozen=True)
class SmtpSettings:
    """The parts of an Airflow SMTP connection the provider uses."""

    host: str
    port: int | None
    login: str | None
    password: str | None
    use_ssl: bool
    use_starttls: bool
    timeout: float
    from_email: str | None
    ssl_context: str | None = None


@dataclass(frozen=True)
class DeliveryResult:
    delivery_id: str | None
    status: str          # sent | already_sent | no_recipients | failed
    transport: str | None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    detail: str = ""


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _settings_from_parts(host: str | None, port: Any, login: str | None, password: str | None,
                         extra: dict[str, Any]) -> SmtpSettings:
    return SmtpSettings(
        host=host or "localhost", port=int(port) if port not in (None, "") else None, login=login or None,
        password=password or None, use_ssl=not _truthy(extra.get("disable_ssl", False)),
        use_starttls=not _truthy(extra.get("disable_tls", False)), timeout=float(extra.get("timeout", 30)),
        from_email=extra.get("from_email"), ssl_context=extra.get("ssl_context"))


def parse_smtp_connection(value: str) -> SmtpSettings:
    """An Airflow connection given as URI (``smtp://user:pw@host:port?disable_ssl=true``) or JSON."""
    value = value.strip()
    if value.startswith("{"):
        data = json.loads(value)
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra) if extra.strip() else {}
        return _settings_from_parts(data.get("host"), data.get("port"), data.get("login"), data.get("password"),
                                    extra)
    parts = urlsplit(value)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    extra: dict[str, Any] = {}
    if "__extra__" in query:
        extra = json.loads(query.pop("__extra__") or "{}")
    extra.update(query)
    return _settings_from_parts(unquote(parts.hostname or ""), parts.port,
                                unquote(parts.username) if parts.username else None,
                                unquote(parts.password) if parts.password else None, extra)


def smtp_settings() -> tuple[str, SmtpSettings | None]:
    """Which transport applies here: ('airflow', None) inside a task with ``smtp_default``
    defined, ('smtp', settings) when ``AIRFLOW_CONN_SMTP_DEFAULT`` is set, else ('outbox', None)."""
    env_value = os.environ.get("AIRFLOW_CONN_SMTP_DEFAULT", "").strip()
    if os.environ.get("AIRFLOW_CTX_DAG_ID"):
        try:
            from airflow.sdk import BaseHook

            BaseHook.get_connection(SMTP_CONN_ID)
            return "airflow", None
        except Exception:  # noqa: BLE001 - not defined in any backend: fall through
            pass
    if env_value:
        return "smtp", parse_smtp_connection(env_value)
    return "outbox", None


def _ssl_context(name: str | None) -> ssl.SSLContext | None:
    return None if name == "none" else ssl.create_default_context()


def _send_smtp(settings: SmtpSettings, message: EmailMessage, recipients: list[str]) -> None:
    client_class = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
    kwargs: dict[str, Any] = {"host": settings.host, "timeout": settings.timeout}
    if settings.port:
        kwargs["port"] = settings.port
    if settings.use_ssl:
        kwargs["context"] = _ssl_context(settings.ssl_context)
    with client_class(**kwargs) as client:
        if settings.use_starttls and not settings.use_ssl:
            client.starttls(context=_ssl_context(settings.ssl_context))
            client.ehlo()
        if settings.login and settings.password:
            client.login(settings.login, settings.password)
        refused = client.send_message(message, to_addrs=recipients)
    if refused:
        raise DeliveryFailed(f"server refused recipients: {refused}")


def _send_airflow(message: EmailMessage, recipients: list[str]) -> None:
    """Through the provider's hook: it opens the connection (SSL/STARTTLS, login or OAuth2)."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as hook:
        client = hook._smtp_client  # the hook builds MIME itself without inline parts; we send ours
        refused = client.send_message(message, to_addrs=recipients)
    if refused:
        raise DeliveryFailed(f"server refused recipients: {refused}")


def _airflow_sender() -> str | None:
    try:
        from airflow.sdk import BaseHook

        return BaseHook.get_connection(SMTP_CONN_ID).extra_dejson.get("from_email")
    except Exception:  # noqa: BLE001
        return None


def _write_outbox(message: EmailMessage, delivery_id: str) -> Path:
    outbox = get_settings().outbox_dir
    outbox.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in delivery_id)
    path = outbox / f"{safe}.eml"
    temporary = path.with_suffix(".eml.part")
    temporary.write_bytes(message.as_bytes())
    temporary.replace(path)
    return path


def message_id_for(delivery_id: str) -> str:
    digest = hashlib.sha256(delivery_id.encode()).hexdigest()[:24]
    return f"<{digest}@ipstats.local>"


def build_message(report: RenderedReport, sender: str, to: list[str], cc: list[str], delivery_id: str,
                  resent: bool = False) -> EmailMessage:
    """HTML body with the charts as inline (CID) images, a plain-text alternative, and the PDF
    and XLSX attached."""
    message = EmailMessage()
    prefix = ("（重发）" if report.lang == "zh" else "(resent) ") if resent else ""
    message["Subject"] = prefix + report.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(datetime.now(ZoneInfo(get_settings().timezone)))
    message["Message-ID"] = message_id_for(delivery_id)
    message["X-Ipstats-Report"] = f"{report.archive_id}; fingerprint={report.fingerprint[:16]}"
    text_path = report.archive_dir / "email.txt"
    message.set_content(text_path.read_text(encoding="utf-8") if text_path.exists() else report.subject)
    message.add_alternative(report.email_html.read_text(encoding="utf-8"), subtype="html")
    html_part = message.get_payload()[1]
    for chart, path in sorted(report.charts.items()):
        html_part.add_related(path.read_bytes(), maintype="image", subtype="png", cid=f"<{chart}@ipstats>",
                              filename=f"{chart}.png", disposition="inline")
    stem = f"report_{report.plan_id}_{report.period}_{report.lang}"
    message.add_attachment(report.pdf.read_bytes(), maintype="application", subtype="pdf", filename=f"{stem}.pdf")
    message.add_attachment(report.xlsx.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=f"{stem}.xlsx")
    return message


def _now() -> datetime:
    return datetime.now(ZoneInfo(get_settings().timezone)).replace(tzinfo=None, microsecond=0)


def _rows(engine: Engine, where: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        frame = read_frame(conn, f"SELECT * FROM report_deliveries WHERE {where} ORDER BY send_no DESC", params)
    return frame.to_dict(orient="records")


def _region_of(report: RenderedReport) -> str | None:
    inputs = report.archive_dir / "inputs.json"
    if inputs.exists():
        return json.loads(inputs.read_text(encoding="utf-8"))["plan"].get("region_code")
    return None


def _open_delivery(engine: Engine, report: RenderedReport, to: list[str], cc: list[str], resend: bool) -> dict | None:
    """The row to attempt now (created if needed), or None when this version was sent already."""
    key = {"p": report.plan_id, "period": report.period, "lang": report.lang, "v": report.version}
    now = _now()
    with engine.begin() as conn:
        # An older version still waiting is replaced by this one: readers get the latest figures once.
        conn.execute(text("UPDATE report_deliveries SET status = 'superseded', updated_at = :now WHERE plan_id = :p "
                          "AND period = :period AND lang = :lang AND version < :v "
                          "AND status IN ('pending', 'sending', 'failed')"), {**key, "now": now})
    for _ in range(3):
        existing = _rows(engine, "plan_id = :p AND period = :period AND lang = :lang AND version = :v", key)
        latest = existing[0] if existing else None
        if latest is not None and latest["status"] != "sent":
            return latest
        if latest is not None and not resend:
            return None
        send_no = 0 if latest is None else int(latest["send_no"]) + 1
        row = {"delivery_id": f"{report.archive_id}#{send_no}", "archive_id": report.archive_id,
               "plan_id": report.plan_id, "period": report.period, "lang": report.lang, "version": report.version,
               "send_no": send_no, "recipients": json.dumps({"to": to, "cc": cc}, ensure_ascii=False),
               "status": "pending", "attempts": 0, "created_at": now, "updated_at": now}
        try:
            with engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO report_deliveries (delivery_id, archive_id, plan_id, period, lang, version, send_no, "
                    "recipients, status, attempts, created_at, updated_at) VALUES (:delivery_id, :archive_id, "
                    ":plan_id, :period, :lang, :version, :send_no, :recipients, :status, :attempts, :created_at, "
                    ":updated_at)"), row)
            log.info("delivery %s created for %s", row["delivery_id"], ", ".join(to + cc))
            return row
        except IntegrityError:  # another worker created it: read again
            continue
    raise DeliveryFailed(f"could not create a delivery row for {report.archive_id}")


def _attempt(engine: Engine, report: RenderedReport, row: dict[str, Any], sender: str | None) -> DeliveryResult:
    """One attempt: logged before sending, marked after; a failure is recorded and raised."""
    recipients = json.loads(row["recipients"])
    to, cc = recipients.get("to", []), recipients.get("cc", [])
    transport, settings = smtp_settings()
    attempt_no = int(row["attempts"] or 0) + 1
    delivery_id = row["delivery_id"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE report_deliveries SET status = 'sending', attempts = :n, transport = :t, "
                          "updated_at = :now WHERE delivery_id = :d"),
                     {"n": attempt_no, "t": "outbox" if transport == "outbox" else "smtp", "now": _now(),
                      "d": delivery_id})
        conn.execute(text("INSERT INTO report_delivery_attempts (delivery_id, attempt_no, transport, started_at, "
                          "outcome) VALUES (:d, :n, :t, :now, 'started')"),
                     {"d": delivery_id, "n": attempt_no, "t": transport, "now": _now()})
    from_address = sender or (settings.from_email if settings else None) or (
        _airflow_sender() if transport == "airflow" else None) or DEFAULT_SENDER
    message = build_message(report, from_address, to, cc, delivery_id, resent=int(row["send_no"]) > 0)
    envelope = [address for _, address in getaddresses(to + cc)]
    detail = ""
    try:
        if transport == "outbox":
            detail = str(_write_outbox(message, delivery_id))
        elif transport == "airflow":
            _send_airflow(message, envelope)
            detail = f"smtp via {SMTP_CONN_ID}"
        else:
            assert settings is not None
            _send_smtp(settings, message, envelope)
            detail = f"smtp {settings.host}:{settings.port or ('465' if settings.use_ssl else '25')}"
    except Exception as exc:  # noqa: BLE001 - any failure is recorded, then raised
        error = f"{type(exc).__name__}: {exc}"
        with engine.begin() as conn:
            conn.execute(text("UPDATE report_deliveries SET status = 'failed', last_error = :e, updated_at = :now "
                              "WHERE delivery_id = :d"), {"e": error[:2000], "now": _now(), "d": delivery_id})
            conn.execute(text("UPDATE report_delivery_attempts SET outcome = 'failed', finished_at = :now, "
                              "detail = :e WHERE delivery_id = :d AND attempt_no = :n"),
                         {"e": error[:2000], "now": _now(), "d": delivery_id, "n": attempt_no})
        log.error("delivery %s attempt %d failed: %s", delivery_id, attempt_no, error)
        raise DeliveryFailed(f"delivery {delivery_id} (attempt {attempt_no}) failed: {error}",
                             (delivery_id,)) from exc
    with engine.begin() as conn:
        conn.execute(text("UPDATE report_deliveries SET status = 'sent', sent_at = :now, message_id = :m, "
                          "last_error = NULL, updated_at = :now WHERE delivery_id = :d"),
                     {"now": _now(), "m": message["Message-ID"], "d": delivery_id})
        conn.execute(text("UPDATE report_delivery_attempts SET outcome = 'sent', finished_at = :now, detail = :x "
                          "WHERE delivery_id = :d AND attempt_no = :n"),
                     {"now": _now(), "x": detail, "d": delivery_id, "n": attempt_no})
    log.info("delivery %s sent (%s) to %s", delivery_id, detail, ", ".join(envelope))
    return DeliveryResult(delivery_id, "sent", "outbox" if transport == "outbox" else "smtp", tuple(to), tuple(cc),
                          detail)


def deliver(engine: Engine, report: RenderedReport, resend: bool = False,
            recipients: RecipientsConfig | None = None) -> DeliveryResult:
    """Send ``report`` to its plan's (and region's) recipients unless this version went out
    already; ``resend=True`` sends it again. Raises DeliveryFailed when the transport fails."""
    config = recipients or load_recipients()
    to, cc = config.for_report(report.plan_id, _region_of(report), report.lang)
    if not to and not cc:
        log.warning("no recipients for plan %s (%s) in %s: not sent", report.plan_id, report.lang, config.source)
        return DeliveryResult(None, "no_recipients", None, detail=str(config.source))
    row = _open_delivery(engine, report, to, cc, resend)
    if row is None:
        log.info("report %s was sent already: not sending again (use resend to force)", report.archive_id)
        return DeliveryResult(None, "already_sent", None, tuple(to), tuple(cc))
    return _attempt(engine, report, row, config.sender)


def deliver_pending(engine: Engine, recipients: RecipientsConfig | None = None,
                    skip: set[str] | frozenset[str] = frozenset()) -> list[DeliveryResult]:
    """Send every delivery still pending, sending (interrupted) or failed (except ``skip``, those
    attempted a moment ago); raises DeliveryFailed after trying them all if any failed."""
    config = recipients or load_recipients()
    placeholders = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    rows = _rows(engine, f"status IN ({placeholders})", {})
    results, failures, failed_ids = [], [], []
    for row in sorted(rows, key=lambda r: r["delivery_id"]):
        if row["delivery_id"] in skip:
            continue
        try:
            results.append(_attempt(engine, archived_report(engine, row["archive_id"]), row, config.sender))
        except DeliveryFailed as exc:
            failures.append(str(exc))
            failed_ids += list(exc.delivery_ids)
    if failures:
        raise DeliveryFailed("; ".join(failures), tuple(failed_ids))
    return results


def delivery_log(engine: Engine, plan_id: str | None = None) -> list[dict[str, Any]]:
    """Deliveries with their attempts, newest first (for the CLI)."""
    where, params = ("plan_id = :p", {"p": plan_id}) if plan_id else ("1 = 1", {})
    with engine.connect() as conn:
        frame = read_frame(conn, "SELECT delivery_id, status, transport, attempts, last_error, sent_at, recipients "
                                 f"FROM report_deliveries WHERE {where} ORDER BY updated_at DESC", params)
    return frame.to_dict(orient="records")
