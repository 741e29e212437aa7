"""`make test-compat`: the database-backed tests on PostgreSQL 15 (what Supabase and many hosts
run) and through a transaction pooler, instead of the embedded PostgreSQL 18.

1. Debian's `postgresql-15` and `pgbouncer` are installed with apt when missing (as root), else
   the script stops saying what to install;
2. a throw-away PostgreSQL 15 cluster is initialised under /var/lib/benchsight/compat-pg15
   (as root; the OS user `postgres` runs it) or .benchsight/compat-pg15, on a free port, trust
   authentication on 127.0.0.1 only;
3. pytest runs COMPAT_TESTS with TEST_DATABASE_URL pointing at it: migrations, loaders, the full
   fixture build, API runs with a real worker, the Supabase roles and exposure, API keys, and
   the PgBouncer (pool_mode = transaction) tests in front of this server;
4. the server is stopped and its folder removed; the exit status is pytest's.

Extra arguments go to pytest (e.g. `make test-compat ARGS="-k pooler"`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
COMPAT_TESTS = [
    "tests/test_db.py",
    "tests/test_loaders_db.py",
    "tests/test_warehouse_fixtures.py",
    "tests/test_api_runs.py",
    "tests/test_supabase_exposure.py",
    "tests/test_supabase_keys.py",
    "tests/test_pooler.py",
]


def say(message: str) -> None:
    print(f"test-compat: {message}", flush=True)


def apt_install(package: str, check: Path) -> None:
    if check.exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(
            f"test-compat: {package} is missing: run `sudo apt-get install -y {package}` (Debian/Ubuntu)"
        )
    say(f"installing {package} with apt-get")
    done = subprocess.run(
        ["apt-get", "install", "-y", "-q", package],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    if done.returncode or not check.exists():
        sys.exit(f"test-compat: apt-get install -y {package} failed:\n{done.stderr[-2000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(pytest_args: list[str]) -> int:
    apt_install("postgresql-15", PG_BIN / "postgres")
    apt_install("pgbouncer", Path("/usr/sbin/pgbouncer"))
    as_root = os.geteuid() == 0
    if as_root:
        base = Path("/var/lib/benchsight")
        base.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="compat-pg15-", dir=base))
        shutil.chown(folder, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    else:
        folder = Path(tempfile.mkdtemp(prefix="compat-pg15-", dir=REPO / ".benchsight"))
        run_as = []
    data, port = folder / "data", free_port()
    started = time.monotonic()
    subprocess.run(
        [
            *run_as,
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    subprocess.run(
        [
            *run_as,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    import psycopg

    admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    with psycopg.connect(admin) as conn:
        version = conn.execute("show server_version").fetchone()[0]
    say(f"PostgreSQL {version} on 127.0.0.1:{port} ({folder})")
    try:
        env = {
            **os.environ,
            "TEST_DATABASE_URL": admin,
            "BENCHSIGHT_TEST_POOLER": "1",
            "DO_NOT_TRACK": "1",
        }
        tests = pytest_args or COMPAT_TESTS
        say("pytest " + " ".join(tests))
        status = subprocess.run(
            [str(REPO / ".venv" / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", *tests],
            cwd=REPO,
            env=env,
        ).returncode
    finally:
        subprocess.run(
            [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
    say(f"done in {time.monotonic() - started:.0f} s: pytest exit status {status}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
