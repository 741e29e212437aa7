"""Request and response bodies of the runs API; the OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from api.deps import NameList, no_names
from api.runs.store import SEED_STATUS, TERMINAL, RunStatus, SeedStatus

Mode = Literal["full", "incremental", "single", "test", "ml"]
Source = Literal["excel", "staging"]
# `supabase` is the seed's name for building from the staged tables: accepted, recorded as staging.
RequestSource = Literal["excel", "staging", "supabase"]
# A history filter: the seed's status words or the project's.
AnyStatus = Literal[
    "pending", "running", "completed", "failed", "cancelled", "queued", "succeeded", "cancelling"
]

GameId = Annotated[int, Meta(gt=0, lt=2**31)]


class TriggerOptions(Struct, forbid_unknown_fields=True, kw_only=True):
    wipe: bool = False
    """Rebuild from scratch (dbt --full-refresh)."""
    validate: bool = True
    """Run the tests (dbt build); false builds models and seeds only."""
    upload_to_supabase: bool = False
    """After the build, publish the published tables it built: copied to BENCHSIGHT_PUBLISH_URL
    when one is configured, else the warehouse is the target (`published_to: "target"`)."""
    regenerate_schema: bool = False
    """After the build, write the schema file of the published tables (GET /api/upload/schema-file)."""
    threads: Annotated[int, Meta(ge=1, le=16)] | None = None
    batch_size: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None
    """Rows per write of the publish copy (default 10000)."""
    retrain: bool = False
    """After the build, retrain every model even when its input is unchanged (by default only
    the models whose training data changed are retrained; the ML views are refreshed either way)."""


class TriggerRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    mode: Mode = "full"
    """`full`, `incremental` (the games and workbook tables whose source changed), `single` (the
    `game_ids`), `test` (dbt's tests only) or `ml` (no build: train the models whose input changed,
    every model with `options.retrain`, and refresh the ML views)."""
    source: RequestSource = "staging"
    game_ids: Annotated[list[GameId], Meta(max_length=5000)] = msgspec.field(default_factory=list)
    exclude_game_ids: Annotated[list[GameId], Meta(max_length=5000)] = msgspec.field(
        default_factory=list
    )
    tables: NameList = no_names()
    """Model names or dbt selectors."""
    exclude_tables: NameList = no_names()
    options: TriggerOptions = msgspec.field(default_factory=TriggerOptions)

    def __post_init__(self) -> None:
        if self.source == "supabase":
            self.source = "staging"


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
    published_to: str | None = None
    """With upload_to_supabase: `target` (the warehouse is the publish target) or `publish_target`
    (copied to BENCHSIGHT_PUBLISH_URL)."""
    tables_uploaded: int = 0
    rows_uploaded: int = 0
    schema_file: str | None = None
    """With regenerate_schema: the file written."""
    tables_generated: int | None = None
    changed: dict | None = None
    """Incremental runs: what changed since the last successful build (games, tables, reasons)."""


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
    publish, schema = summary.get("publish") or {}, summary.get("schema") or {}
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
            published_to=publish.get("published_to"),
            tables_uploaded=publish.get("tables", 0),
            rows_uploaded=publish.get("rows", 0),
            schema_file=schema.get("schema_file"),
            tables_generated=schema.get("tables_generated"),
            changed=summary.get("changed"),
        )
        if row["status"] in TERMINAL
        else None,
        selection=row["selection"] or {},
        retry_of=row["retry_of"],
        schedule_name=row["schedule_name"],
    )


class Job(Struct):
    """A run as the seed reference shows it, on the seed paths (/api/etl/trigger, status, history,
    cancel; /api/upload/to-supabase, status): `job_id`, the seed's status words, an int
    `progress`, `error`, `cancelled_at`, `tables_uploaded` / `rows_uploaded`. The run's own
    fields follow, with its status in the project's vocabulary as `run_status`."""

    job_id: str
    status: SeedStatus
    mode: Mode
    created_at: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None
    progress: int
    current_step: str | None
    result: RunResult | None
    error: str | None
    tables_uploaded: int
    rows_uploaded: int
    published_to: str | None
    run_id: int
    run_status: RunStatus
    source: Source
    started_at: datetime | None
    current_node: str | None
    nodes: NodeCounts
    tables_created: int
    rows_loaded: int
    errors: list[RunError]
    selection: dict
    retry_of: int | None
    schedule_name: str | None


def job_from_row(row: dict) -> Job:
    """A row of ops.runs as the seed paths show it (the status mapped by store.SEED_STATUS)."""
    run = run_from_row(row)
    fields = msgspec.structs.asdict(run)
    del fields["status"], fields["progress"]
    result = run.result
    return Job(
        job_id=str(run.run_id),
        status=SEED_STATUS[run.status],
        run_status=run.status,
        progress=int(run.progress),
        cancelled_at=row["cancel_requested_at"],
        error=next((e.message for e in run.errors if e.message), None),
        tables_uploaded=result.tables_uploaded if result else 0,
        rows_uploaded=result.rows_uploaded if result else 0,
        published_to=result.published_to if result else None,
        **fields,
    )
