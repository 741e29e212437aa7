"""Request and response bodies of the runs API; the OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from api.deps import NameList, no_names
from api.runs.store import TERMINAL, RunStatus

Mode = Literal["full", "incremental", "single", "test"]
Source = Literal["excel", "staging"]

GameId = Annotated[int, Meta(gt=0, lt=2**31)]


class TriggerOptions(Struct, forbid_unknown_fields=True, kw_only=True):
    wipe: bool = False
    """Rebuild from scratch (dbt --full-refresh)."""
    validate: bool = True
    """Run the tests (dbt build); false builds models and seeds only."""
    upload_to_supabase: bool = False
    """Kept for the portal: dbt builds straight into the target database, so there is no separate upload."""
    regenerate_schema: bool = False
    """Kept for the portal: the schema is produced by dbt's contracts; nothing extra to do."""
    threads: Annotated[int, Meta(ge=1, le=16)] | None = None


class TriggerRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    mode: Mode = "full"
    source: Source = "staging"
    game_ids: Annotated[list[GameId], Meta(max_length=5000)] = msgspec.field(default_factory=list)
    exclude_game_ids: Annotated[list[GameId], Meta(max_length=5000)] = msgspec.field(
        default_factory=list
    )
    tables: NameList = no_names()
    """Model names or dbt selectors."""
    exclude_tables: NameList = no_names()
    options: TriggerOptions = msgspec.field(default_factory=TriggerOptions)


class NodeCounts(Struct):
    total: int
    done: int
    failed: int
    skipped: int


class RunResult(Struct):
    tables_created: int
    duration_seconds: float | None
    tests_passed: int
    tests_failed: int


class RunError(Struct):
    node: str | None
    message: str | None


class Run(Struct):
    run_id: int
    status: RunStatus
    mode: Mode
    source: Source
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    progress: float
    current_step: str | None
    current_node: str | None
    nodes: NodeCounts
    tables_created: int
    rows_loaded: int
    errors: list[RunError]
    result: RunResult | None
    selection: dict
    retry_of: int | None = None
    schedule_name: str | None = None


class RunPage(Struct):
    runs: list[Run]
    next_cursor: str | None


class LogLine(Struct):
    id: int
    ts: datetime
    level: str
    event: str
    node: str | None
    message: str


class LogPage(Struct):
    run_id: int
    lines: list[LogLine]
    next_after: int | None


class Step(Struct):
    unique_id: str
    name: str
    type: str
    status: str
    seconds: float | None
    rows: int | None
    message: str | None
    started_at: datetime | None
    completed_at: datetime | None


class StepList(Struct):
    run_id: int
    steps: list[Step]


class Schedule(Struct):
    name: str
    cron: str
    enabled: bool
    mode: Mode
    request: dict
    next_run_at: datetime | None
    last_run_id: int | None
    last_triggered_at: datetime | None


class ScheduleList(Struct):
    schedules: list[Schedule]


class ScheduleUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    cron: Annotated[str, Meta(min_length=9, max_length=100)]
    enabled: bool = True
    request: TriggerRequest = msgspec.field(default_factory=TriggerRequest)


def run_from_row(row: dict) -> Run:
    """A row of ops.runs (the store's RUN_COLUMNS) as the API shows it."""
    summary = row["summary"] or {}
    return Run(
        run_id=row["run_id"],
        status=RunStatus(row["status"]),
        mode=row["mode"],
        source=row["source"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        progress=float(row["progress"]),
        current_step=row["current_step"],
        current_node=row["current_node"],
        nodes=NodeCounts(
            row["nodes_total"], row["nodes_done"], row["nodes_failed"], row["nodes_skipped"]
        ),
        tables_created=row["tables_created"],
        rows_loaded=row["rows_loaded"],
        errors=[RunError(e.get("node"), e.get("message")) for e in row["errors"] or []],
        result=RunResult(
            tables_created=row["tables_created"],
            duration_seconds=summary.get("duration_seconds"),
            tests_passed=row["tests_passed"],
            tests_failed=row["tests_failed"],
        )
        if row["status"] in TERMINAL
        else None,
        selection=row["selection"] or {},
        retry_of=row["retry_of"],
        schedule_name=row["schedule_name"],
    )
