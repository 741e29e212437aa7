"""A transaction-mode pooler in front of the test server: Debian's PgBouncer, as Supabase's
transaction pooler (port 6543) stands in front of its Postgres.

`pgbouncer_binary()` installs the package with apt when it is missing and the machine allows it
(root, apt-get present), else fails saying how. `running_pgbouncer(server_url)` starts one on a
free port (its own folder, foreground, stopped on exit) and yields a function turning a direct
URL into the same URL through the pooler.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CANDIDATES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")
# PgBouncer refuses to run as root; as root it switches to this user (the embedded server's).
RUN_AS = ("benchsight-pg", "postgres", "nobody")


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or next((c for c in CANDIDATES if Path(c).exists()), None)
    if found:
        return found
    can_install = os.geteuid() == 0 and shutil.which("apt-get")
    if can_install:
        done = subprocess.run(
            ["apt-get", "install", "-y", "-q", "pgbouncer"],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = next((c for c in CANDIDATES if Path(c).exists()), None)
        if found:
            return found
        pytest.fail(f"apt-get install -y pgbouncer failed: {done.stderr.strip()[-500:]}")
    pytest.fail(
        "pgbouncer is not installed and this user cannot install it: run "
        "`sudo apt-get install -y pgbouncer` (Debian/Ubuntu) and run the tests again"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    import pwd

    for name in RUN_AS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.fail(
        "pgbouncer cannot run as root and none of the users " + ", ".join(RUN_AS) + " exists"
    )


@contextmanager
def running_pgbouncer(server_url: str, users: tuple[str, ...]) -> Iterator[Callable[[str], str]]:
    """PgBouncer in pool_mode = transaction in front of `server_url`'s server; yields
    `through(url)`: the same user and database, through the pooler."""
    binary = pgbouncer_binary()
    server = urlsplit(server_url)
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="bs-pgbouncer-"))
    folder.chmod(0o755)
    (folder / "users.txt").write_text("".join(f'"{user}" ""\n' for user in users))
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={server.hostname} port={server.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
server_reset_query =
"""
    )
    for path in folder.iterdir():
        path.chmod(0o644)
    user = _run_as()
    command = [binary, *(["-u", user] if user else []), str(folder / "pgbouncer.ini")]
    log = open(folder / "pgbouncer.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"pgbouncer did not start: {(folder / 'pgbouncer.log').read_text()[-2000:]}"
                )
            time.sleep(0.05)

        def through(url: str) -> str:
            parts = urlsplit(url)
            netloc = parts.netloc.rsplit("@", 1)
            auth = f"{netloc[0]}@" if len(netloc) == 2 else ""
            return parts._replace(netloc=f"{auth}127.0.0.1:{port}").geturl()

        through.log = folder / "pgbouncer.log"  # type: ignore[attr-defined]
        yield through
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
