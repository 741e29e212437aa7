"""Settings read once from the environment into one typed object.

Every command and the API get their configuration from `get_settings()`; nothing else in the
project reads environment variables, so this file is the one list of knobs (the README repeats it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parents[1]
N = TypeVar("N", int, float)


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    """An external Postgres (Supabase or any 15+). Unset: the embedded server under `state_dir`."""
    state_dir: Path
    """Embedded server record, data (when not root), sample league, run artifacts."""
    db_name: str
    """Database created inside the embedded server."""
    db_schema: str
    """Schema that published marts are built into."""
    threads: int
    """dbt threads."""
    api_host: str
    api_port: int
    environment: str
    publish_grants: bool = True
    """Published marts readable by Supabase's `anon` / `authenticated` (BENCHSIGHT_PUBLISH_GRANTS=off:
    by nobody but the owner). dbt_project.yml reads the same variable for its `grants`."""

    @property
    def embedded(self) -> bool:
        return not self.database_url


def env_number(env: Mapping[str, str], name: str, default: N, kind: type[N]) -> N:
    """A number setting; a value that is not one stops the program, naming the variable."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SystemExit(f"benchsight: {name}={raw!r} is not {what}") from None


@cache
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        state_dir=Path(env.get("BENCHSIGHT_HOME") or REPO_ROOT / ".benchsight").resolve(),
        db_name=env.get("BENCHSIGHT_DB_NAME") or "benchsight",
        db_schema=env.get("BENCHSIGHT_DB_SCHEMA") or "public",
        threads=env_number(env, "BENCHSIGHT_THREADS", 2, int),
        api_host=env.get("BENCHSIGHT_API_HOST") or "127.0.0.1",
        # PORT is what Render, Railway and Heroku give a web process to listen on.
        api_port=env_number(env, "BENCHSIGHT_API_PORT", env_number(env, "PORT", 8000, int), int),
        environment=env.get("BENCHSIGHT_ENV") or "local",
        publish_grants=env.get("BENCHSIGHT_PUBLISH_GRANTS", "on") != "off",
    )
