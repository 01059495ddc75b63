"""Who receives which plan's reports: a YAML file outside the code (``IPSTATS_RECIPIENTS_FILE``,
default ``config/recipients.yaml``, not in git; see ``config/recipients.example.yaml``).

Every address is validated when the file is loaded; an error names the file, the entry and the
address."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Any

from etl.config import get_settings

LANGS = ("zh", "en")


class RecipientsError(ValueError):
    """The recipients file is malformed or holds an invalid address."""


@dataclass(frozen=True)
class RecipientGroup:
    """One entry: addresses in To and Cc, and the languages its readers get."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("zh",)


@dataclass(frozen=True)
class RecipientsConfig:
    source: Path
    sender: str | None = None
    plans: dict[str, RecipientGroup] = field(default_factory=dict)
    regions: dict[str, RecipientGroup] = field(default_factory=dict)

    def for_report(self, plan_id: str, region_code: str | None, lang: str) -> tuple[list[str], list[str]]:
        """(to, cc) of a plan's report in ``lang``: the plan's entry plus its region's, de-duplicated."""
        to: list[str] = []
        cc: list[str] = []
        groups = [self.plans.get(plan_id)]
        if region_code:
            groups.append(self.regions.get(str(region_code)))
        for group in groups:
            if group is None or lang not in group.languages:
                continue
            to += [a for a in group.to if a not in to]
            cc += [a for a in group.cc if a not in cc and a not in to]
        return to, cc

    def languages_for(self, plan_id: str, region_code: str | None) -> list[str]:
        """The languages somebody reads this plan's reports in."""
        found: list[str] = []
        for group in (self.plans.get(plan_id), self.regions.get(str(region_code)) if region_code else None):
            if group is not None and (group.to or group.cc):
                found += [lang for lang in group.languages if lang not in found]
        return [lang for lang in LANGS if lang in found]


def _validate_address(raw: Any, where: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    if not isinstance(raw, str) or not raw.strip():
        raise RecipientsError(f"{where}: {raw!r} is not an e-mail address")
    name, address = parseaddr(raw.strip())
    if not address or "@" not in address:
        raise RecipientsError(f"{where}: {raw!r} is not an e-mail address")
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise RecipientsError(f"{where}: {raw!r} is not a valid e-mail address: {exc}") from None
    return formataddr((name, valid.normalized)) if name else valid.normalized


def _group(entry: Any, where: str) -> RecipientGroup:
    if isinstance(entry, (list, str)):
        entry = {"to": entry}
    if not isinstance(entry, dict):
        raise RecipientsError(f"{where}: expected a mapping with 'to', 'cc' and 'languages', got {entry!r}")
    unknown = set(entry) - {"to", "cc", "languages", "lang"}
    if unknown:
        raise RecipientsError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                              "(allowed: to, cc, languages)")
    lists = {}
    for key in ("to", "cc"):
        values = entry.get(key) or []
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list):
            raise RecipientsError(f"{where}.{key}: expected a list of addresses, got {values!r}")
        lists[key] = tuple(_validate_address(v, f"{where}.{key}[{i}]") for i, v in enumerate(values))
    languages = entry.get("languages", entry.get("lang", ["zh"]))
    if isinstance(languages, str):
        languages = [languages]
    bad = [lang for lang in languages or [] if lang not in LANGS]
    if bad or not languages:
        raise RecipientsError(f"{where}.languages: {languages!r}: expected a list of {', '.join(LANGS)}")
    return RecipientGroup(lists["to"], lists["cc"], tuple(languages))


def load_recipients(path: Path | str | None = None) -> RecipientsConfig:
    """Read and validate the recipients file; a missing file means nobody receives anything."""
    import yaml

    source = Path(path) if path else get_settings().recipients_file
    if not source.exists():
        return RecipientsConfig(source=source)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RecipientsError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RecipientsError(f"{source}: expected a mapping with 'plans' and/or 'regions'")
    unknown = set(data) - {"from", "plans", "regions"}
    if unknown:
        raise RecipientsError(f"{source}: unknown top-level key(s) {', '.join(sorted(map(str, unknown)))} "
                              "(allowed: from, plans, regions)")
    sender = _validate_address(data["from"], f"{source}: from") if data.get("from") else None
    sections: dict[str, dict[str, RecipientGroup]] = {}
    for section in ("plans", "regions"):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise RecipientsError(f"{source}: {section}: expected a mapping of id -> entry")
        sections[section] = {str(key): _group(value, f"{source}: {section}.{key}") for key, value in entries.items()}
    return RecipientsConfig(source=source, sender=sender, plans=sections["plans"], regions=sections["regions"])
