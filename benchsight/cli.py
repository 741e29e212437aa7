"""`benchsight`: one command for each thing a person does.

Each domain adds its own subcommands through a `register(subparsers)` function; handlers return
an exit code. Heavy imports (dbt, pandas, the API) happen inside handlers, so `--help` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Modules that contribute subcommands, in the order `--help` lists them.
COMMAND_MODULES = [
    "benchsight.db_cli",
    "benchsight.up_cli",
    "loaders.cli",
    "benchsight.sample.cli",
    "dbt_project.cli",
    "api.cli",
    "benchsight.ml.cli",
    "benchsight.doctor_cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchsight",
        description=(
            "BenchSight: load league workbooks and tracker exports into Postgres, build the "
            "warehouse with dbt, and serve the job API. The database is DATABASE_URL when set, "
            "otherwise an embedded PostgreSQL kept under .benchsight/."
        ),
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from benchsight.db import DatabaseError
    from benchsight.embedded import EmbeddedError

    try:
        return int(args.func(args) or 0)
    except (DatabaseError, EmbeddedError) as exc:
        print(f"benchsight: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("benchsight: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
