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
from psycopg.rows import dict_row

from api.runs.service import RUN_COLUMNS, run_from_row
from api.runs.structs import TERMINAL

POLL_SECONDS = 1.0


async def run_events(
    url: str, run_id: int, after_log: int = 0
) -> AsyncIterator[ServerSentEventMessage]:
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    try:
        await conn.execute(f'listen "ops_run_{int(run_id)}"')
        last_log = after_log
        node_states: dict[str, str] = {}
        last_progress = None
        while True:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(f"select {RUN_COLUMNS} from ops.runs where run_id = %s", [run_id])
            row = await cursor.fetchone()
            if row is None:
                yield ServerSentEventMessage(
                    event="error", data=json.dumps({"detail": f"run {run_id} does not exist"})
                )
                return
            run = run_from_row(row)
            nodes = await (
                await conn.execute(
                    "select unique_id, name, resource_type, status, seconds::float8, rows_affected, message"
                    " from ops.run_nodes where run_id = %s order by seq",
                    [run_id],
                )
            ).fetchall()
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
            logs = await (
                await conn.execute(
                    "select log_id, ts, level, event, node, message from ops.run_logs"
                    " where run_id = %s and log_id > %s order by log_id limit 500",
                    [run_id, last_log],
                )
            ).fetchall()
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
            if run.status in TERMINAL and len(logs) < 500:
                yield ServerSentEventMessage(event="end", data=msgspec.json.encode(run).decode())
                return
            async for _ in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                pass
    finally:
        await conn.close()
