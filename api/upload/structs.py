"""Request and response bodies of the upload / schema API (paths of the older API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from api.deps import NameList, no_names

PublishMode = Literal["all", "dims", "facts", "qa", "basic", "tracking"]


class PublishOptions(Struct, forbid_unknown_fields=True, kw_only=True):
    replace: bool = False
    """Rebuild the tables from scratch (dbt --full-refresh) instead of incrementally."""
    batch_size: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None
    """Rows per write of the copy to the publish target (default 10000)."""


class PublishRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    mode: PublishMode = "all"
    tables: NameList = no_names()
    pattern: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    """A shell-style name pattern (`fact_player*`) over the published tables of the mode."""
    exclude_tables: NameList = no_names()
    options: PublishOptions = msgspec.field(default_factory=PublishOptions)


class SchemaOptions(Struct, forbid_unknown_fields=True, kw_only=True):
    """The seed sends `options: {}`; there are none, so any option named is a 422."""


class GenerateSchemaRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    options: SchemaOptions = msgspec.field(default_factory=SchemaOptions)


class SchemaTable(Struct):
    name: str
    kind: str
    columns: int
    primary_key: list[str]
    indexes: int


class SchemaResult(Struct):
    schema_file: str
    tables_generated: int


class GeneratedSchema(Struct):
    """The seed's answer (`job_id`, `status`, `result`) and the DDL itself. The schema is read
    from the catalog while the request waits, so the job is `completed` at once; `job_id` names
    this generation, it is not a run."""

    job_id: str
    status: Literal["completed"]
    result: SchemaResult
    schema: str
    generated_at: datetime
    tables: list[SchemaTable]
    ddl: str


class LoadSchemaResult(Struct):
    applied: list[str]
    """Migrations applied by this call, in order (empty when none were pending)."""
    current: list[str]
    """Every migration the database has, in order."""
