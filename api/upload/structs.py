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
    batch_size: Annotated[int, Meta(ge=1)] | None = None
    """Kept for the portal: dbt writes each table in one statement, so there are no batches."""


class PublishRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    mode: PublishMode = "all"
    tables: NameList = no_names()
    pattern: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    """A shell-style name pattern (`fact_player*`) over the published tables of the mode."""
    exclude_tables: NameList = no_names()
    options: PublishOptions = msgspec.field(default_factory=PublishOptions)


class SchemaTable(Struct):
    name: str
    kind: str
    columns: int
    primary_key: list[str]
    indexes: int


class GeneratedSchema(Struct):
    schema: str
    generated_at: datetime
    tables: list[SchemaTable]
    ddl: str


class LoadSchemaResult(Struct):
    applied: list[str]
    """Migrations applied by this call, in order (empty when none were pending)."""
    current: list[str]
    """Every migration the database has, in order."""
