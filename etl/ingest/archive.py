"""The raw archive: every received file, stored once by content hash, never modified or deleted.

``archive/<hash[:2]>/<hash><ext>`` holds the bytes; a sidecar ``<hash>.json`` records the name the
file arrived under and, once parsed, its source kind and period, so that backfills (and a rebuild
of an empty warehouse) can find the exports of a month without the warehouse.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from etl.config import get_settings

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """sha256 of the file's bytes: the identity of an export."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_path_for(content_hash: str, suffix: str, archive_dir: Path | None = None) -> Path:
    archive_dir = archive_dir or get_settings().archive_dir
    return archive_dir / content_hash[:2] / f"{content_hash}{suffix.lower()}"


def _sidecar(content_hash: str, archive_dir: Path) -> Path:
    return archive_dir / content_hash[:2] / f"{content_hash}.json"


def archive_file(path: Path, content_hash: str, original_name: str | None = None) -> Path:
    """Copy ``path`` into the archive (if not there yet) and return the archived path.

    The copy goes to a temporary name first and is renamed, so a crash never leaves a truncated
    file under a hash name; an existing archived copy is never overwritten.
    """
    archive_dir = get_settings().archive_dir
    target = archive_path_for(content_hash, path.suffix, archive_dir)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        shutil.copyfile(path, partial)
        os.replace(partial, target)
        os.chmod(target, 0o444)
    sidecar = _sidecar(content_hash, archive_dir)
    if not sidecar.exists():
        _write_sidecar(sidecar, {
            "content_hash": content_hash,
            "original_name": original_name or path.name,
            "archive_name": target.name,
            "first_seen": datetime.now(UTC).isoformat(timespec="microseconds"),
        })
    return target


def record_parsed_period(content_hash: str, source_kind: str | None, period_type: str | None,
                         period_start: date | None, period_end: date | None) -> None:
    """Add what the parser learnt (kind, period) to the sidecar; the raw bytes stay untouched."""
    sidecar = _sidecar(content_hash, get_settings().archive_dir)
    meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {"content_hash": content_hash}
    update = {
        "source_kind": source_kind,
        "period_type": period_type,
        "period_start": period_start.isoformat() if period_start else None,
        "period_end": period_end.isoformat() if period_end else None,
    }
    if all(meta.get(key) == value for key, value in update.items()):
        return
    meta.update(update)
    _write_sidecar(sidecar, meta)


def _write_sidecar(sidecar: Path, meta: dict) -> None:
    sidecar.parent.mkdir(parents=True, exist_ok=True)
    partial = sidecar.with_name(f".{sidecar.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, sidecar)


def quarantine_copy(path: Path, content_hash: str, original_name: str) -> Path:
    """Copy a quarantined file to ``quarantine/<hash[:12]>_<original name>`` for an operator to look at."""
    quarantine_dir = get_settings().quarantine_dir
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    target = quarantine_dir / f"{content_hash[:12]}_{Path(original_name).name}"
    if not target.exists():
        shutil.copyfile(path, target)
    return target


@dataclass(frozen=True)
class ArchivedExport:
    """One archived file and what is known about it."""

    path: Path
    content_hash: str
    original_name: str
    first_seen: str
    source_kind: str | None
    period_type: str | None
    period_start: date | None
    period_end: date | None


def list_archive(archive_dir: Path | None = None) -> list[ArchivedExport]:
    """Every archived export, oldest first (the order they were received in)."""
    archive_dir = archive_dir or get_settings().archive_dir
    exports = []
    for sidecar in archive_dir.glob("??/*.json"):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        name = meta.get("archive_name")
        data_path = sidecar.with_name(name) if name else None
        if data_path is None or not data_path.exists():
            continue
        exports.append(ArchivedExport(
            path=data_path,
            content_hash=meta["content_hash"],
            original_name=meta.get("original_name") or data_path.name,
            first_seen=meta.get("first_seen") or "",
            source_kind=meta.get("source_kind"),
            period_type=meta.get("period_type"),
            period_start=_date(meta.get("period_start")),
            period_end=_date(meta.get("period_end")),
        ))
    exports.sort(key=lambda item: (item.first_seen, item.original_name, item.content_hash))
    return exports


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
