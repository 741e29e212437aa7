"""`benchsight db ...`: the database's lifecycle."""

from __future__ import annotations

import argparse
import shlex
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser(
        "db",
        help="start, stop, inspect or migrate the database",
        description=(
            "Manage the database. With DATABASE_URL set, start/stop do nothing and the other "
            "actions use that database; otherwise they manage the embedded PostgreSQL server."
        ),
    )
    actions = db.add_subparsers(dest="db_action", metavar="ACTION", required=True)

    start = actions.add_parser(
        "start", help="start the embedded server (initialised on first use) and migrate"
    )
    start.add_argument("--no-migrate", action="store_true", help="only start the server")
    start.set_defaults(func=_start)

    actions.add_parser("stop", help="stop the embedded server").set_defaults(func=_stop)
    actions.add_parser(
        "status", help="say where the database is and whether it answers"
    ).set_defaults(func=_status)
    actions.add_parser("url", help="print the connection URL").set_defaults(func=_url)
    actions.add_parser(
        "env", help="print shell exports of the BENCHSIGHT_DB_* variables profiles.yml reads"
    ).set_defaults(func=_env)
    actions.add_parser("migrate", help="apply pending migrations (idempotent)").set_defaults(
        func=_migrate
    )

    reset = actions.add_parser("reset", help="drop all BenchSight data and migrate again")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(func=_reset)


def _start(args: argparse.Namespace) -> int:
    from benchsight.config import get_settings
    from benchsight.db import database_url, migrate, redact

    url = database_url()
    if get_settings().embedded:
        print(f"embedded server running: {url}")
    else:
        print(f"DATABASE_URL is set; nothing to start ({redact(url)})")
    if not args.no_migrate:
        _report_migrations(migrate(url))
    return 0


def _stop(args: argparse.Namespace) -> int:
    from benchsight.config import get_settings
    from benchsight.db import embedded_server

    if not get_settings().embedded:
        print("DATABASE_URL is set; there is no embedded server to stop")
        return 0
    print("stopped" if embedded_server().stop() else "the embedded server was not running")
    return 0


def _status(args: argparse.Namespace) -> int:
    from benchsight.config import get_settings
    from benchsight.db import check_reachable, database_url, embedded_server, redact

    settings = get_settings()
    if settings.embedded:
        server = embedded_server()
        record = server.read_record()
        if record is None or not server.is_running():
            print("embedded server: stopped (start it with `benchsight db start`)")
            return 1
        print(f"embedded server: running on 127.0.0.1:{record.port}, PostgreSQL {record.version}")
        print(f"data directory:  {record.pgdata}")
    url = database_url(start=False)
    version = check_reachable(url)
    print(f"database:        {redact(url)} (server {version})")
    return 0


def _url(args: argparse.Namespace) -> int:
    from benchsight.db import database_url

    print(database_url())
    return 0


def _env(args: argparse.Namespace) -> int:
    from benchsight.db import connection_env, database_url

    for key, value in connection_env(database_url()).items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from benchsight.db import check_reachable, database_url, migrate

    url = database_url()
    check_reachable(url)
    _report_migrations(migrate(url))
    return 0


def _reset(args: argparse.Namespace) -> int:
    from benchsight.db import check_reachable, database_url, redact, reset

    url = database_url()
    check_reachable(url)
    if not args.yes:
        if not sys.stdin.isatty():
            print(
                "benchsight: refusing to reset without --yes (no terminal to ask)", file=sys.stderr
            )
            return 2
        answer = input(f"Drop ALL BenchSight data in {redact(url)}? Type 'reset' to confirm: ")
        if answer.strip() != "reset":
            print("nothing changed")
            return 1
    _report_migrations(reset(url))
    return 0


def _report_migrations(applied: list[str]) -> None:
    if applied:
        print("applied: " + ", ".join(applied))
    else:
        print("migrations: up to date")
