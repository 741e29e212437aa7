"""Server-Sent Events for one run: progress, finished nodes, log lines, then the terminal state.

The worker NOTIFYs `ops_run_<id>` whenever it records something; this stream LISTENs on a
connection of its own and reads what is new (with a one-second poll as a safety net), so the
portal sees a node finish within milliseconds and never has to poll.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import msgspec
import psycopg
from litestar.response import ServerSentEventMessage

from api.runs.store import TERMINAL, channel, logs_after, watch_state
from api.runs.structs import run_from_row

POLL_SECONDS = 1.0
LOG_BATCH = 500


async def run_events(
    url: str, run_id: int, after_log: int = 0
) -> AsyncIterator[ServerSentEventMessage]:
    # LISTEN wants a session (the caller passes the worker URL when DATABASE_URL is a pooler's);
    # the one-second poll repeats its queries, which must not become prepared statements.
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True, prepare_threshold=None)
    try:
        await conn.execute(f'listen "{channel(run_id)}"')
        last_log = after_log
        node_states: dict[str, str] = {}
        last_progress = None
        while True:
            row, nodes = await watch_state(conn, run_id)
            if row is None:
                yield ServerSentEventMessage(
                    event="error", data=json.dumps({"detail": f"run {run_id} does not exist"})
                )
                return
            run = run_from_row(row)
            for uid, name, resource_type, status, seconds, rows, message in nodes:
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
            logs = await logs_after(conn, run_id, last_log, LOG_BATCH)
            for log_id, ts, level, event, node, message in logs:
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
            if run.status in TERMINAL and len(logs) < LOG_BATCH:
                yield ServerSentEventMessage(event="end", data=msgspec.json.encode(run).decode())
                return
            async for _ in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                pass
    finally:
        await conn.close()
