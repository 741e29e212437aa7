"""Bodies of the ML API: the model block every answer carries, model cards, health."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

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


class Insufficient(Struct):
    """The data cannot support the model's answer: the reason and the counts, never a number."""

    status: Literal["insufficient_data"]
    model_name: str
    reason: str
    counts: dict[str, Any]


class GameOutcomeRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """A scheduled game (`game_id`) or any two teams (`home_team`, `away_team`: id or name)."""

    game_id: int | None = None
    home_team: str | None = None
    away_team: str | None = None
    date: date | None = None
    """Accepted for the seed's clients; predictions use the active ratings (as of `model`)."""


class Score(Struct):
    home: int
    away: int


class OutcomeProbabilities(Struct):
    home_win: float
    draw: float
    away_win: float


class ExpectedGoals(Struct):
    home: float
    away: float


class GameOutcome(Struct):
    status: Literal["ok"]
    game_id: int | None
    home_team: str
    away_team: str
    home_team_id: str
    away_team_id: str
    predicted_winner: str
    """The side more likely to win (a draw is never the predicted winner; see probabilities)."""
    win_probability: float
    """P(predicted_winner wins) under the model."""
    predicted_score: Score
    """The most likely final score."""
    probabilities: OutcomeProbabilities
    expected_goals: ExpectedGoals
    model: ModelBlock


class PlayoffOdds(Struct):
    team_id: str
    team_name: str | None
    playoff_probability: float
    """Share of the simulations in which the team finishes in the playoff spots."""
    current_standing: int
    """Rank now by points, then wins, then goal difference (ties share the rank)."""
    season_id: str
    current_points: int
    games_played: int
    games_remaining: int
    expected_points: float
    seed_distribution: dict[str, float]
    """P(final standing = seed), seeds with a non-zero share only."""
    clinched: bool
    eliminated: bool
    spots: int
    simulations: int
    simulated_at: datetime
    model: ModelBlock


class WinProbabilityRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """A game state: a scheduled game (`game_id`) or two teams, the score, the period (4 =
    overtime), the seconds left in it, and optionally the strength as `home v away` skaters."""

    game_id: int | None = None
    home_team: str | None = None
    away_team: str | None = None
    home_score: Annotated[int, Meta(ge=0, le=99)]
    away_score: Annotated[int, Meta(ge=0, le=99)]
    period: Annotated[int, Meta(ge=1, le=4)]
    seconds_remaining: Annotated[float, Meta(ge=0, le=3600)]
    strength: Annotated[str, Meta(pattern=r"^[3-6]v[3-6]$")] | None = None


class WinProbability(Struct):
    status: Literal["ok"]
    game_id: int | None
    home_team: str
    away_team: str
    home_win_probability: float
    draw_probability: float
    """P(the final score is level), as the standings count a tie."""
    away_win_probability: float
    seconds_left_in_regulation: float
    pregame: OutcomeProbabilities
    """The same game before it started (the game_outcome model)."""
    model: ModelBlock
