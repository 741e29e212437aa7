"""Bodies of the ML API: the model block every answer carries, model cards, health."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from msgspec import Struct

ModelState = Literal["trained", "stale", "missing", "insufficient_data", "failed"]


class ModelBlock(Struct):
    """Which model version answered: every ML answer carries one."""

    name: str
    version: int
    trained_at: datetime
    training_rows: int
    metrics: dict[str, Any]


class ModelCard(Struct):
    name: str
    version: int
    trained_at: datetime
    is_active: bool
    data_from: date | None
    data_to: date | None
    games: int
    training_rows: int
    features: list[Any]
    parameters: dict[str, Any]
    metrics: dict[str, Any]
    description: str
    coefficients: dict[str, float]


class ModelCards(Struct):
    models: list[ModelCard]


class Attempt(Struct):
    attempted_at: datetime
    outcome: str
    reason: str
    counts: dict[str, Any]
    seconds: float | None


class ModelHealth(Struct):
    name: str
    state: ModelState
    reason: str
    version: int | None
    trained_at: datetime | None
    last_attempt: Attempt | None


class MlHealth(Struct):
    status: Literal["healthy", "degraded"]
    """healthy: every model is trained and current; degraded: one is missing, stale or refused."""
    models: list[ModelHealth]
