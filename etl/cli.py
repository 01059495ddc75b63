"""The ``ipstats`` console script: one subcommand module per area under ``etl.commands``.

Each module exposes ``register(subparsers)``; it must import heavy libraries (GX, matplotlib,
WeasyPrint, Airflow) inside its handlers so that ``ipstats --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMAND_MODULES = (
    "etl.commands.db",
    "etl.commands.plans",
    "etl.commands.samples",
    "etl.commands.ingest",
    "etl.commands.export",
    "etl.commands.progress",
    "etl.commands.report",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ipstats",
        description="IP statistics warehouse and plan-monitoring reports.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:  # `ipstats export ... | head`
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
