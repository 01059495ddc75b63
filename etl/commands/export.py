"""``ipstats export``: placeholder until its issue lands (owned by the helper building it)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    return None
