"""The API's and worker's settings: one typed object, built once from `benchsight.config`.

The few knobs only the API and worker use are read here from the environment (the README lists
them with the others):

- BENCHSIGHT_AUTH: `keys` (default) or `off`; `off` is honoured only against the embedded
  database, so a server on a shared database always asks for keys.
- BENCHSIGHT_CORS_ORIGINS: comma-separated origins allowed to call the API from a browser.
- BENCHSIGHT_MAX_BODY_BYTES: largest request body accepted (default 1 MiB).
- BENCHSIGHT_DBT_PROJECT_DIR: the dbt project a worker builds (default: the repository).
- BENCHSIGHT_CANCEL_GRACE_SECONDS: SIGINT -> SIGKILL delay when a running build is cancelled.
- BENCHSIGHT_WORKER_STALE_SECONDS: a running build whose heartbeat is older is a dead worker's.
- BENCHSIGHT_MAX_UPLOAD_BYTES: largest tracker file or posted game accepted (default 32 MiB);
  only the upload endpoints take bodies above BENCHSIGHT_MAX_BODY_BYTES.
- BENCHSIGHT_WORKBOOK_PATH: the league workbook (BLB_TABLES.xlsx) a `source: excel` run reloads.
- BENCHSIGHT_TRACKER_DIR: the folder of tracker exports a `source: excel` run reloads.
- BENCHSIGHT_LINEAGE: `on` (default) or `off`: after each successful build the worker writes the
  model descriptions as comments and regenerates the lineage site (/lineage) when the project or
  the catalog changed (api/lineage/site.py).
- BENCHSIGHT_PUBLISH_URL: a separate database (any Postgres, Supabase included) that
  `upload_to_supabase` copies the published tables to; unset, the warehouse is the target.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from benchsight.config import REPO_ROOT, Settings, env_number, get_settings


@dataclass(frozen=True)
class ApiSettings:
    database_url: str
    base: Settings
    project_dir: Path = REPO_ROOT
    auth_enabled: bool = True
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1024 * 1024
    cancel_grace_seconds: float = 10.0
    stale_after_seconds: float = 30.0
    heartbeat_seconds: float = 1.0
    queue: str = "builds"
    environment: str = "local"
    max_upload_bytes: int = 32 * 1024 * 1024
    workbook_path: Path | None = None
    tracker_dir: Path | None = None
    publish_url: str | None = None
    lineage: bool = True
    worker_database_url: str | None = None
    """BENCHSIGHT_WORKER_DATABASE_URL: a session or direct connection for what needs one (the
    queue's LISTEN and search_path, run event streams) when DATABASE_URL is a transaction pooler."""

    @property
    def queue_url(self) -> str:
        """Where the queue, the worker and LISTEN go: the worker URL when set, else DATABASE_URL."""
        return self.worker_database_url or self.database_url

    @property
    def schema_file(self) -> Path:
        """Where generate-schema and `regenerate_schema` write the DDL of the published tables."""
        return self.base.state_dir / "schema" / "published_tables.sql"

    @property
    def runs_dir(self) -> Path:
        """Per-run artifacts: <state>/runs/<run_id>/target."""
        return self.base.state_dir / "runs"

    @property
    def manifest_cache_dir(self) -> Path:
        return self.base.state_dir / "manifest" / _slug(self.project_dir)

    @property
    def target_kind(self) -> str:
        return "embedded" if self.base.embedded else "external"

    def with_(self, **changes) -> ApiSettings:
        return replace(self, **changes)


def _slug(path: Path) -> str:
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    return Path(raw).expanduser().resolve() if raw else None


def load_settings(
    database_url: str | None = None, env: Mapping[str, str] | None = None
) -> ApiSettings:
    """Settings from the environment; `database_url` defaults to `benchsight.db.database_url()`."""
    from benchsight.db import database_url as resolve_url

    env = os.environ if env is None else env
    base = get_settings()
    auth = (env.get("BENCHSIGHT_AUTH") or "keys").strip().lower()
    if auth not in ("keys", "off"):
        raise SystemExit(f"benchsight: BENCHSIGHT_AUTH={auth!r}: use keys or off")
    if auth == "off" and not base.embedded:
        raise SystemExit(
            "benchsight: BENCHSIGHT_AUTH=off is allowed only with the embedded database"
        )
    origins = tuple(
        o.strip() for o in (env.get("BENCHSIGHT_CORS_ORIGINS") or "").split(",") if o.strip()
    )
    project = Path(env.get("BENCHSIGHT_DBT_PROJECT_DIR") or REPO_ROOT).resolve()
    lineage = (env.get("BENCHSIGHT_LINEAGE") or "on").strip().lower()
    if lineage not in ("on", "off"):
        raise SystemExit(f"benchsight: BENCHSIGHT_LINEAGE={lineage!r}: use on or off")
    return ApiSettings(
        database_url=database_url or resolve_url(),
        base=base,
        project_dir=project,
        auth_enabled=auth == "keys",
        cors_origins=origins,
        max_body_bytes=int(env_number(env, "BENCHSIGHT_MAX_BODY_BYTES", 1024.0 * 1024, float)),
        cancel_grace_seconds=env_number(env, "BENCHSIGHT_CANCEL_GRACE_SECONDS", 10.0, float),
        stale_after_seconds=env_number(env, "BENCHSIGHT_WORKER_STALE_SECONDS", 30.0, float),
        environment=base.environment,
        max_upload_bytes=int(
            env_number(env, "BENCHSIGHT_MAX_UPLOAD_BYTES", 32.0 * 1024 * 1024, float)
        ),
        workbook_path=_path(env, "BENCHSIGHT_WORKBOOK_PATH"),
        tracker_dir=_path(env, "BENCHSIGHT_TRACKER_DIR"),
        publish_url=(env.get("BENCHSIGHT_PUBLISH_URL") or "").strip() or None,
        lineage=lineage == "on",
        worker_database_url=(env.get("BENCHSIGHT_WORKER_DATABASE_URL") or "").strip() or None,
    )
