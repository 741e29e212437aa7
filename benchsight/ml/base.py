"""What every model module gives the trainer: a fit result or a refusal with its counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class InsufficientData(Exception):
    """The data cannot support the model: the reason in words and the counts that decided it."""

    def __init__(self, reason: str, counts: dict):
        super().__init__(reason)
        self.reason = reason
        self.counts = counts


@dataclass
class FitResult:
    coefficients: dict[str, float]
    metrics: dict
    features: list[str]
    parameters: dict
    training_rows: int
    games: int
    data_from: date | None
    data_to: date | None
    notes: str = ""
    extra: dict = field(default_factory=dict)
