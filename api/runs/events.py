"""Server-Sent Events for one run: progress, finished nodes, log lines, then the terminal state.

The worker NOTIFYs `ops_run_<id>` whenever it records something. One watcher per run (per event
loop) LISTENs on a connection of its own and reads what is new (with a one-second poll as a
safety net), however many streams follow that run: the portal sees a node finish within
milliseconds, and fifty viewers of a build cost one connection and one read per change, not
fifty. With a connection per stream, bench_load_mixed's 50 viewers held half of a default server's
100 connections (Supabase's limit depends on the compute size), and a build failed with "too many
clients already" in a run where a second server also held connections.
"""

from __future__ import annotations

import asyncio
import bisect
import json
from collections.abc import AsyncIterator

import msgspec
import psycopg
from litestar.response import ServerSentEventMessage

from api.runs.store import TERMINAL, channel, logs_after, watch_state
from api.runs.structs import run_from_row

POLL_SECONDS = 1.0
LOG_BATCH = 500


class RunWatch:
    """What is known of one run (its row, nodes and every log line so far), kept current by one
    task; `version` grows with each read and `changed` is set when it does."""

    def __init__(self, url: str, run_id: int):
        self.url, self.run_id = url, run_id
        self.row: dict | None = None
        self.nodes: list[tuple] = []
        self.logs: list[tuple] = []
        self.log_ids: list[int] = []
        self.version = 0
        self.done = False
        self.error: BaseException | None = None
        self.changed = asyncio.Event()
        self.streams = 0
        self.task = asyncio.create_task(self._watch(), name=f"watch-run-{run_id}")

    def _publish(self) -> None:
        self.version += 1
        changed, self.changed = self.changed, asyncio.Event()
        changed.set()

    async def _watch(self) -> None:
        try:
            # LISTEN wants a session (the caller passes the worker URL when DATABASE_URL is a
            # pooler's); the poll repeats its queries, which must not become prepared statements.
            conn = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, prepare_threshold=None,
                application_name=f"benchsight-events-{self.run_id}",
            )  # fmt: skip
            try:
                await conn.execute(f'listen "{channel(self.run_id)}"')
                while True:
                    row, nodes = await watch_state(conn, self.run_id)
                    while True:
                        after = self.log_ids[-1] if self.log_ids else 0
                        logs = await logs_after(conn, self.run_id, after, LOG_BATCH)
                        self.logs += logs
                        self.log_ids += [log[0] for log in logs]
                        if len(logs) < LOG_BATCH:
                            break
                    self.row, self.nodes = row, nodes
                    self.done = row is None or row["status"] in TERMINAL
                    self._publish()
                    if self.done:
                        return
                    async for _ in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                        pass
            finally:
                await conn.close()
        except Exception as exc:  # the streams end with it; the next stream starts a new watch
            self.error, self.done = exc, True
            self._publish()


_watches: dict[tuple[int, str, int], RunWatch] = {}


def _join(url: str, run_id: int) -> RunWatch:
    key = (id(asyncio.get_running_loop()), url, run_id)
    watch = _watches.get(key)
    if watch is None or watch.error is not None:
        watch = _watches[key] = RunWatch(url, run_id)
    watch.streams += 1
    return watch


def _leave(watch: RunWatch) -> None:
    watch.streams -= 1
    if watch.streams == 0:
        key = (id(asyncio.get_running_loop()), watch.url, watch.run_id)
        if _watches.get(key) is watch:
            del _watches[key]
        watch.task.cancel()


async def run_events(
    url: str, run_id: int, after_log: int = 0
) -> AsyncIterator[ServerSentEventMessage]:
    watch = _join(url, run_id)
    try:
        seen = 0
        last_log = after_log
        node_states: dict[str, str] = {}
        last_progress = None
        while True:
            if watch.version == seen:
                await watch.changed.wait()
            seen = watch.version
            if watch.error is not None:
                raise watch.error
            row = watch.row
            if row is None:
                yield ServerSentEventMessage(
                    event="error", data=json.dumps({"detail": f"run {run_id} does not exist"})
                )
                return
            run = run_from_row(row)
            for uid, name, resource_type, status, seconds, rows, message in watch.nodes:
                if node_states.get(uid) != status and status != "running":
                    node_states[uid] = status
                    payload = {
                        "unique_id": uid,
                        "name": name,
                        "type": resource_type,
                        "status": status,
                        "seconds": seconds,
                        "rows": rows,
                        "message": message,
                    }
                    yield ServerSentEventMessage(event="node", data=json.dumps(payload))
            first = bisect.bisect_right(watch.log_ids, last_log)
            for log_id, ts, level, event, node, message in watch.logs[first:]:
                last_log = log_id
                payload = {
                    "id": log_id,
                    "ts": ts.isoformat(),
                    "level": level,
                    "event": event,
                    "node": node,
                    "message": message,
                }
                yield ServerSentEventMessage(event="log", data=json.dumps(payload), id=log_id)
            progress = (
                run.status,
                run.progress,
                run.current_step,
                run.current_node,
                run.nodes.done,
                run.nodes.total,
            )
            if progress != last_progress:
                last_progress = progress
                yield ServerSentEventMessage(
                    event="progress", data=msgspec.json.encode(run).decode()
                )
            if run.status in TERMINAL and watch.done:
                yield ServerSentEventMessage(event="end", data=msgspec.json.encode(run).decode())
                return
    finally:
        _leave(watch)
