"""`benchsight serve`, `benchsight worker`, `benchsight keys create`."""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="serve the job API (OpenAPI docs at /docs and /redoc)",
        description="Serve the HTTP API with uvicorn. With --with-worker the build worker runs in the same process.",
    )
    serve.add_argument(
        "--host",
        default=None,
        help="address to listen on (default: BENCHSIGHT_API_HOST, 127.0.0.1)",
    )
    serve.add_argument(
        "--port", type=int, default=None, help="port (default: BENCHSIGHT_API_PORT, 8000)"
    )
    serve.add_argument(
        "--with-worker", action="store_true", help="also run the build worker in this process"
    )
    serve.set_defaults(func=_serve)

    worker = subparsers.add_parser(
        "worker",
        help="run the build worker (executes queued runs one at a time per database)",
        description="Run the Procrastinate worker that executes queued runs and scheduled builds. Stops on Ctrl-C.",
    )
    worker.set_defaults(func=_worker)

    keys = subparsers.add_parser(
        "keys",
        help="manage API keys",
        description="Create, list and revoke API keys (stored hashed).",
    )
    actions = keys.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a key and print it once")
    create.add_argument(
        "--scope",
        action="append",
        choices=["read", "run", "admin"],
        required=True,
        help="scope (repeat for several)",
    )
    create.add_argument("--name", default="", help="a label for the key (who or what uses it)")
    create.set_defaults(func=_keys_create)
    from api.auth.keys_cli import register_actions

    register_actions(actions)


KEEP_ALIVE_SECONDS = 75


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.settings import load_settings
    from benchsight.db import migrated_url

    settings = load_settings(migrated_url())
    host = args.host or settings.base.api_host
    port = args.port or settings.base.api_port
    print(
        f"BenchSight API on http://{host}:{port} (docs: /docs, /redoc)"
        + (" with a worker" if args.with_worker else ""),
        flush=True,
    )
    if settings.base.embedded and settings.auth_enabled and args.with_worker:
        key = _print_local_key(settings.database_url)
        print(f"admin portal: http://{host}:{port}/portal#key={key}", flush=True)
    uvicorn.run(
        create_app(settings, with_worker=args.with_worker),
        host=host,
        port=port,
        log_level="warning",
        # Longer than the idle timeouts of the clients and proxies in front (httpx's pool: 5 s,
        # load balancers: 60 s): with uvicorn's 5 s, a client reusing a connection the server
        # is closing gets a reset (bench_load_mixed saw a ReadError per run).
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    return 0


def _print_local_key(url: str) -> str:
    """Embedded local mode: a fresh admin key per start, printed for the person at the terminal."""
    import psycopg

    from api.auth.keys import create_key

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "update ops.api_keys set revoked_at = now() where name = 'local admin (make run)' and revoked_at is null"
        )
        key, _ = create_key(conn, ["admin"], "local admin (make run)")
    print(f"local admin API key (valid until the next start): {key}", flush=True)
    return key


def worker_connection_line(settings) -> str:
    """Which connection the worker's queue uses, in one line for its log."""
    from urllib.parse import urlsplit

    from benchsight.db import redact

    if settings.worker_database_url:
        return (
            "worker: queue, LISTEN and builds on BENCHSIGHT_WORKER_DATABASE_URL "
            f"({redact(settings.worker_database_url)}): jobs start on NOTIFY, polled every 2 s as a backstop"
        )
    port = urlsplit(settings.database_url).port
    if port == 6543:
        return (
            "worker: BENCHSIGHT_WORKER_DATABASE_URL is unset and DATABASE_URL is a transaction "
            "pooler's (port 6543): NOTIFY never arrives there, so jobs are found by polling every "
            "2 s, and the queue's search_path is not kept: set BENCHSIGHT_WORKER_DATABASE_URL to the "
            "session pooler (5432) or a direct connection"
        )
    return (
        "worker: queue, LISTEN and builds on DATABASE_URL (a session or direct connection is "
        "assumed): jobs start on NOTIFY, polled every 2 s as a backstop"
    )


def _worker(args: argparse.Namespace) -> int:
    import asyncio

    from api.queue import run_worker
    from api.settings import load_settings
    from benchsight.db import migrated_url

    settings = load_settings(migrated_url())
    print(f"worker started (queue {settings.queue}); Ctrl-C stops it", flush=True)
    print(worker_connection_line(settings), flush=True)
    asyncio.run(run_worker(settings.with_(database_url=settings.queue_url)))
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    import psycopg

    from api.auth.keys import create_key
    from benchsight.db import migrated_url

    url = migrated_url()
    with psycopg.connect(url, autocommit=True) as conn:
        key, key_id = create_key(conn, args.scope, args.name)
    print(key)
    print(
        f"key {key_id} with scopes {', '.join(args.scope)}: store it now, it is not shown again",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m api.cli` (tests and process managers)."""

    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    parser = argparse.ArgumentParser(prog="benchsight")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
