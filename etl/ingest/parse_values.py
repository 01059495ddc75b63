"""Cell values of source exports: text folding, missing markers and number parsing.

A cell becomes a number, "missing" (no row, never zero) or an error message; the caller turns
the message into a :class:`~etl.ingest.parse.Rejection`. Nothing here guesses: ``２７ ８`` (digits
split by a space, a decimal point lost in conversion) and ``12,34`` are errors, not 278 or 12.34.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

VOCABULARY_PATH = Path(__file__).with_name("header_aliases.yaml")

_SPACES = re.compile(r"\s+")
_ASCII_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DIGITS_SPLIT_BY_SPACE = re.compile(r"[\d.,]\s+[\d.,]")
_STAR_MARKER = re.compile(r"[*＊※#]+$")
_TRAILING_NOTE = re.compile(r"^(.*?\d)\s*[(\[【][^()\[\]【】]*[)\]】]\s*$")


@cache
def vocabulary() -> dict:
    """The header vocabulary (``header_aliases.yaml``), read once per process."""
    with VOCABULARY_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1 << 16)
def _fold_str(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@lru_cache(maxsize=1 << 16)
def _squash_str(text: str) -> str:
    return _SPACES.sub("", _fold_str(text))


def fold(text: object) -> str:
    """NFKC-fold (full-width digits, letters and punctuation to ASCII) and strip the ends."""
    if text is None:
        return ""
    return _fold_str(text if isinstance(text, str) else str(text))


def squash(text: object) -> str:
    """Fold and remove every space: the key for names and headers."""
    if text is None:
        return ""
    return _squash_str(text if isinstance(text, str) else str(text))


@cache
def _missing_markers() -> frozenset[str]:
    return frozenset(squash(m) for m in vocabulary()["missing_markers"])


def is_missing(raw: object) -> bool:
    """True for an empty cell or a missing marker (``——``, ``-``, ``/``, ``…``, ``暂无``)."""
    if raw is None:
        return True
    if isinstance(raw, float) and raw != raw:  # NaN
        return True
    if isinstance(raw, (int, float)):
        return False
    return squash(raw) in _missing_markers()


@dataclass(frozen=True, slots=True)
class CellValue:
    """A parsed cell: ``value`` (None when missing), ``percent`` when printed with ``%``, or ``error``."""

    value: float | None
    percent: bool = False
    error: str | None = None


MISSING = CellValue(None)


def parse_number(raw: object) -> CellValue:
    """Parse one value cell of an export.

    Numbers from XLSX pass through. Text is folded (``３５．１`` -> 35.1, ``１，２３４`` -> 1,234),
    missing markers give ``MISSING``, value markers are dropped (``1234*``, ``1,234（含…）``,
    ``12.5%``), thousands separators must be well-formed (``1,234``), and digits split by a space
    are ambiguous and rejected.
    """
    if isinstance(raw, bool):
        return CellValue(None, error="a boolean is not a number")
    if isinstance(raw, (int, float)):
        if raw != raw:
            return MISSING
        return CellValue(float(raw))
    if raw is None:
        return MISSING
    if _ASCII_NUMBER.fullmatch(raw):
        return CellValue(float(raw))
    if is_missing(raw):
        return MISSING
    text = fold(raw)
    # value markers: a trailing parenthetical note, footnote stars
    note = _TRAILING_NOTE.match(text)
    if note:
        text = note.group(1).strip()
    text = _STAR_MARKER.sub("", text).strip()
    percent = False
    if text.endswith("%"):
        percent = True
        text = text[:-1].strip()
    if _DIGITS_SPLIT_BY_SPACE.search(text):
        return CellValue(None, error="digits separated by a space are ambiguous (a lost decimal point or "
                                     "thousands separator?); not guessed")
    text = _SPACES.sub("", text)
    if "," in text:
        if not _GROUPED_NUMBER.fullmatch(text):
            return CellValue(None, error="malformed thousands separators (decimal comma?); not guessed")
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        return CellValue(None, error="not a number")
    return CellValue(float(text), percent=percent)
