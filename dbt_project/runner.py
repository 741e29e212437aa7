"""Run dbt as a subprocess and turn its JSON log into progress, node results and log lines.

dbt runs in its own process group (its threads and any child it starts go with it), so a cancel
can interrupt all of it: SIGINT first (dbt then cancels its open queries and writes its
artifacts), SIGKILL after a grace period when it does not stop. Right after the SIGINT the
listener's `on_interrupt` runs, where a caller that knows dbt's database sessions cancels their
queries: Python runs dbt's SIGINT handler only once a thread blocked in a query returns. Once
dbt reports that it stopped on the interrupt (run_results.json written, connections closed), it
gets TEARDOWN_SECONDS to exit before the SIGKILL: what it does after that report is CPython
freeing dbt's heap, about a second of CPU with no I/O (seen with strace), which nobody waits for.

Parsing is split from the process: `EventTracker.apply()` is a pure state machine fed one JSON
line at a time, so it is tested on recorded lines without running dbt.

Progress is nodes done / nodes selected, where skipped nodes count as done (a build that skips
half its nodes after a failure still reaches 100). The total comes from dbt's ConcurrencyLine
event, which precedes the first node; per-node rows are refined at the end from run_results.json
(rows affected, full error messages, unique ids of skipped nodes).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dbt_project.commands import DbtCommand, keep_partial_parse, seed_partial_parse

RESULT_EVENTS = {
    "LogModelResult",
    "LogTestResult",
    "LogSeedResult",
    "LogSnapshotResult",
    "LogFreshnessResult",
    "LogNodeResult",
    "LogNodeNoOpResult",
}
FAILED_STATUSES = {"error", "fail", "runtime error"}
ROWS_IN_STATUS = re.compile(r"^(?:SELECT|INSERT \d+|UPDATE|DELETE|MERGE|COPY) (\d+)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DEFAULT_GRACE_SECONDS = 10.0
TEARDOWN_SECONDS = 0.3


@dataclass
class NodeResult:
    unique_id: str
    name: str
    resource_type: str
    status: str
    seconds: float | None = None
    rows_affected: int | None = None
    message: str | None = None
    started_at: str | None = None
    completed_at: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass
class Progress:
    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    current_node: str | None = None

    @property
    def percent(self) -> float:
        if self.total <= 0:
            return 0.0
        return round(min(100.0, 100.0 * self.done / self.total), 1)


@dataclass
class LogLine:
    ts: str
    level: str
    event: str
    message: str
    node: str | None = None


@dataclass
class DbtOutcome:
    status: str
    """succeeded, failed or cancelled."""
    exit_code: int
    progress: Progress
    nodes: list[NodeResult]
    errors: list[dict[str, str | None]]
    stats: dict[str, int]
    seconds: float
    target_path: Path | None

    def count(
        self, resource_types: tuple[str, ...], statuses: tuple[str, ...] | None = None
    ) -> int:
        return sum(
            1
            for n in self.nodes
            if n.resource_type in resource_types and (statuses is None or n.status in statuses)
        )


class Listener:
    """Callbacks a caller overrides to watch a run; every one is optional."""

    def on_start(self, pid: int) -> None: ...
    def on_interrupt(self) -> None:
        """dbt was just sent SIGINT (called from the thread that stops dbt)."""

    def on_progress(self, progress: Progress) -> None: ...
    def on_node_started(self, unique_id: str, name: str, resource_type: str) -> None: ...
    def on_node_finished(self, node: NodeResult) -> None: ...
    def on_log(self, line: LogLine) -> None: ...


@dataclass
class EventTracker:
    """dbt's JSON events -> progress, node results, log lines. Pure: no I/O."""

    progress: Progress = field(default_factory=Progress)
    nodes: dict[str, NodeResult] = field(default_factory=dict)
    errors: list[dict[str, str | None]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False
    name_to_id: Callable[[str, str], str | None] | None = None

    def apply(self, raw: str) -> tuple[list[tuple[str, object]], LogLine | None]:
        """Feed one stdout line; returns (updates, log line). Updates are ("progress", Progress),
        ("started", (uid, name, type)) or ("finished", NodeResult)."""
        raw = raw.strip()
        if not raw:
            return [], None
        try:
            event = json.loads(raw)
            info, data = event["info"], event.get("data", {})
        except (ValueError, KeyError, TypeError):
            return [], LogLine(_now(), "info", "stdout", ANSI.sub("", raw))
        name = info.get("name", "")
        level = info.get("level", "info")
        message = ANSI.sub("", info.get("msg", "")).rstrip()
        node_info = data.get("node_info") or {}
        updates: list[tuple[str, object]] = []

        if name == "ConcurrencyLine":
            self.progress.total = int(data.get("node_count") or 0)
            updates.append(("progress", self.progress))
        elif name == "LogStartLine" and node_info:
            self.progress.current_node = node_info.get("node_name")
            self.progress.total = max(self.progress.total, int(data.get("total") or 0))
            updates.append(
                (
                    "started",
                    (
                        node_info["unique_id"],
                        node_info.get("node_name"),
                        node_info.get("resource_type"),
                    ),
                )
            )
            updates.append(("progress", self.progress))
        elif name in RESULT_EVENTS and node_info:
            result = NodeResult(
                unique_id=node_info["unique_id"],
                name=node_info.get("node_name", ""),
                resource_type=node_info.get("resource_type", ""),
                status=node_info.get("node_status") or str(data.get("status", "")).lower(),
                seconds=_float(data.get("execution_time")),
                rows_affected=_rows(str(data.get("status", ""))),
                message=str(data.get("status", "")) or None,
                started_at=node_info.get("node_started_at") or None,
                completed_at=node_info.get("node_finished_at") or None,
            )
            updates += self._finish(result)
        elif name == "SkippingDetails":
            resource_type = data.get("resource_type", "")
            node_name = data.get("node_name", "")
            uid = (
                self.name_to_id and self.name_to_id(resource_type, node_name)
            ) or f"{resource_type}.{node_name}"
            updates += self._finish(
                NodeResult(
                    uid,
                    node_name,
                    resource_type,
                    "skipped",
                    message="skipped: an upstream node failed",
                )
            )
        elif name == "RunResultError":
            self._attach_error(data.get("msg") or message)
        elif name == "StatsLine":
            self.stats = {k: int(v) for k, v in (data.get("stats") or {}).items()}
        elif name in ("MainKeyboardInterrupt", "CancelLine") or (
            name == "EndOfRunSummary" and data.get("keyboard_interrupt")
        ):
            self.interrupted = True
        elif level == "error" and message and name not in ("RunResultFailure",):
            self.errors.append({"node": node_info.get("node_name"), "message": message})

        if not message or name in ("Formatting",):
            return updates, None
        line = LogLine(
            info.get("ts") or _now(),
            level,
            name,
            message,
            node_info.get("node_name") or data.get("node_name"),
        )
        return updates, line

    def _finish(self, result: NodeResult) -> list[tuple[str, object]]:
        if result.unique_id not in self.nodes:
            self.progress.done += 1
            if result.failed:
                self.progress.failed += 1
            if result.status == "skipped":
                self.progress.skipped += 1
        self.nodes[result.unique_id] = result
        if result.failed:
            self.errors.append({"node": result.name, "message": result.message})
        return [("finished", result), ("progress", self.progress)]

    def _attach_error(self, message: str) -> None:
        """RunResultError carries the full message of a failure dbt summarised per node earlier."""
        clean = ANSI.sub("", message).strip()
        for error in self.errors:
            node = error.get("node")
            if node and f" {node} " in clean and error["message"] != clean:
                error["message"] = clean
                if result := next(
                    (n for n in self.nodes.values() if n.name == node and n.failed), None
                ):
                    result.message = clean
                return
        self.errors.append({"node": None, "message": clean})

    def reconcile(self, run_results: Mapping) -> list[NodeResult]:
        """Fold run_results.json into the node rows: dbt's final word on every node."""
        changed = []
        for item in run_results.get("results", []):
            uid = item.get("unique_id")
            if not uid:
                continue
            node = self.nodes.get(uid) or next(
                (
                    n
                    for key, n in self.nodes.items()
                    if key.endswith("." + uid.split(".")[-1]) and n.status == "skipped"
                ),
                None,
            )
            adapter = item.get("adapter_response") or {}
            status = str(item.get("status", "")).lower()
            if node is None:
                node = NodeResult(
                    uid,
                    uid.split(".")[2] if uid.count(".") >= 2 else uid,
                    uid.split(".")[0],
                    status,
                )
                self.progress.done += 1
            if node.unique_id != uid:
                del self.nodes[node.unique_id]
                node.unique_id = uid
            self.nodes[uid] = node
            node.status = status
            node.seconds = _float(item.get("execution_time")) or node.seconds
            rows = adapter.get("rows_affected")
            # Views report -1, and a test's "rows" are its failing rows: neither is data written.
            if (
                rows is not None
                and int(rows) >= 0
                and node.resource_type not in ("test", "unit_test")
            ):
                node.rows_affected = int(rows)
            if item.get("message"):
                node.message = ANSI.sub("", str(item["message"]))
            timing = {t.get("name"): t for t in item.get("timing", [])}
            execute = timing.get("execute") or timing.get("compile") or {}
            node.started_at = node.started_at or execute.get("started_at")
            node.completed_at = node.completed_at or execute.get("completed_at")
            changed.append(node)
        return changed


def run_dbt(
    command: DbtCommand,
    project_dir: Path,
    env: Mapping[str, str],
    listener: Listener | None = None,
    cancel: threading.Event | None = None,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    profiles_dir: Path | None = None,
) -> DbtOutcome:
    """Run one dbt command to the end (or until `cancel` is set) and return what it did."""
    listener = listener or Listener()
    cancel = cancel or threading.Event()
    started = time.monotonic()
    if command.target_path is not None:
        seed_partial_parse(project_dir, command.target_path)
    tracker = EventTracker(name_to_id=_manifest_lookup(command.target_path))
    process = subprocess.Popen(
        command.argv(project_dir, profiles_dir),
        cwd=project_dir,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    listener.on_start(process.pid)
    stderr_lines: list[str] = []
    stderr_reader = threading.Thread(
        target=_drain, args=(process.stderr, stderr_lines), daemon=True
    )
    stderr_reader.start()
    reported = threading.Event()
    stopper = threading.Thread(
        target=_stop_on_cancel,
        args=(process, cancel, grace_seconds, listener, reported),
        daemon=True,
    )
    stopper.start()

    assert process.stdout is not None
    try:
        for raw in process.stdout:
            updates, line = tracker.apply(raw)
            if tracker.interrupted:
                reported.set()
            for kind, payload in updates:
                if kind == "progress":
                    listener.on_progress(payload)  # type: ignore[arg-type]
                elif kind == "started":
                    listener.on_node_started(*payload)  # type: ignore[misc]
                elif kind == "finished":
                    listener.on_node_finished(payload)  # type: ignore[arg-type]
            if line is not None:
                listener.on_log(line)
    except BaseException:
        # The listener failed (its database went away): dbt must not run on unwatched.
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()
        raise
    exit_code = process.wait()
    cancel_done = cancel.is_set()
    cancel.set()  # lets the stopper thread end
    stderr_reader.join(timeout=5)

    for text in stderr_lines:
        if text.strip():
            listener.on_log(
                LogLine(_now(), "error" if exit_code else "info", "stderr", text.rstrip())
            )
    if command.target_path is not None:
        results_path = command.target_path / "run_results.json"
        if results_path.exists():
            try:
                for node in tracker.reconcile(json.loads(results_path.read_text())):
                    listener.on_node_finished(node)
            except ValueError:
                pass
        keep_partial_parse(project_dir, command.target_path)
    if exit_code != 0 and not tracker.errors and not cancel_done:
        detail = next(
            (t.strip() for t in reversed(stderr_lines) if t.strip()),
            f"dbt exited with code {exit_code}",
        )
        tracker.errors.append({"node": None, "message": detail})

    if cancel_done and (exit_code != 0 or tracker.interrupted):
        status = "cancelled"
    elif exit_code == 0:
        status = "succeeded"
    else:
        status = "failed"
    if status == "succeeded":
        tracker.progress.done = max(tracker.progress.done, tracker.progress.total)
    tracker.progress.current_node = None
    listener.on_progress(tracker.progress)
    return DbtOutcome(
        status=status,
        exit_code=exit_code,
        progress=tracker.progress,
        nodes=list(tracker.nodes.values()),
        errors=tracker.errors,
        stats=tracker.stats,
        seconds=round(time.monotonic() - started, 3),
        target_path=command.target_path,
    )


def _stop_on_cancel(
    process: subprocess.Popen,
    cancel: threading.Event,
    grace_seconds: float,
    listener: Listener,
    reported: threading.Event,
) -> None:
    cancel.wait()
    if process.poll() is not None:
        return
    _signal_group(process.pid, signal.SIGINT)
    deadline = time.monotonic() + grace_seconds
    try:
        listener.on_interrupt()
    finally:
        while process.poll() is None:
            now = time.monotonic()
            if now >= deadline:
                _signal_group(process.pid, signal.SIGKILL)
                break
            if reported.is_set():
                deadline = min(deadline, now + TEARDOWN_SECONDS)
            time.sleep(0.05)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def kill_process_group(pgid: int, grace_seconds: float = 5.0) -> bool:
    """Stop a dbt process group left behind by a dead worker. True when something was running."""
    if not _group_alive(pgid):
        return False
    _signal_group(pgid, signal.SIGINT)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        if not _group_alive(pgid):
            return True
        time.sleep(0.1)
    _signal_group(pgid, signal.SIGKILL)
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drain(stream, sink: list[str]) -> None:
    for line in stream:
        sink.append(line)


def _manifest_lookup(target_path: Path | None) -> Callable[[str, str], str | None]:
    """(resource type, name) -> unique id, from the manifest dbt writes before it runs nodes."""
    cache: dict[tuple[str, str], str] = {}

    def lookup(resource_type: str, name: str) -> str | None:
        if not cache and target_path is not None and (target_path / "manifest.json").exists():
            try:
                manifest = json.loads((target_path / "manifest.json").read_text())
            except ValueError:
                return None
            for uid, node in manifest.get("nodes", {}).items():
                cache[(node.get("resource_type"), node.get("name"))] = uid
        return cache.get((resource_type, name))

    return lookup


def _float(value: object) -> float | None:
    try:
        return round(float(value), 3) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _rows(status: str) -> int | None:
    match = ROWS_IN_STATUS.match(status.strip())
    return int(match.group(1)) if match else None


def _now() -> str:
    return datetime.now(UTC).isoformat()
