"""Upload / schema endpoints over real HTTP against real databases.

to-supabase is checked through the runs it creates (their dbt selection), with no worker: each
is cancelled while queued. The schema DDL is proven by applying it to an empty schema and
comparing catalogs. load-schema migrates a brand-new empty database. (`source: excel` with a
real worker is part of the end-to-end test in test_api_games.py, which shares its build.)
"""

from __future__ import annotations

import fnmatch

import httpx
import psycopg
import pytest
from api_checks import error, rows
from psycopg import sql
from runs_harness import api_server, api_settings, client, create_key

from api.errors import ApiError
from api.upload.service import choose_tables, published_models
from api.upload.structs import PublishRequest
from benchsight.config import REPO_ROOT
from benchsight.db import discover_migrations
from dbt_project.selection import ManifestIndex

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(db_url: str, tmp_path_factory):
    state = tmp_path_factory.mktemp("upload") / "state"
    state.mkdir()
    settings = api_settings(db_url, REPO_ROOT, state)
    with api_server(settings) as base_url:
        yield {
            "url": base_url,
            "db": db_url,
            "state": state,
            "settings": settings,
            "run": create_key(db_url, "run"),
            "admin": create_key(db_url, "admin"),
        }


@pytest.fixture(scope="module")
def published(setup) -> dict:
    from api.runs.service import manifest_index

    return published_models(manifest_index(setup["settings"]))


def publish(http: httpx.Client, **body) -> dict:
    """Queue a to-supabase run, cancel it (no worker here) and return it."""
    response = http.post("/api/upload/to-supabase", json=body)
    assert response.status_code == 202, response.text
    run = response.json()
    assert http.post(f"/api/etl/cancel/{run['run_id']}").json()["status"] == "cancelled"
    return run


# ---------------------------------------------------------------------------------- to-supabase
def test_modes_select_the_published_tables_they_name(setup, http, published):
    assert len(published) > 40
    everything = publish(http, mode="all")
    assert everything["mode"] == "full" and everything["source"] == "staging"
    assert everything["selection"]["select"] == []  # every model, staging included

    dims = publish(http, mode="dims")["selection"]["select"]
    assert dims == sorted(n for n in published if n.startswith("dim_"))
    assert "dim_player" in dims and "dim_schedule" in dims
    qa = publish(http, mode="qa")["selection"]["select"]
    assert qa == sorted(n for n in published if n.startswith("qa_")) and "qa_game_quality" in qa
    basic = publish(http, mode="basic")["selection"]["select"]
    assert "fact_player_season_stats_basic" in basic and "fact_events" not in basic
    tracking = publish(http, mode="tracking")["selection"]["select"]
    assert {"fact_events", "fact_shifts", "fact_game_status"} <= set(tracking)
    assert "dim_player" not in tracking

    players = publish(http, mode="facts", pattern="fact_player*")["selection"]["select"]
    assert players == sorted(n for n in published if fnmatch.fnmatchcase(n, "fact_player*"))
    assert players == [
        "fact_player_career_stats_basic",
        "fact_player_game_situation_stats",
        "fact_player_game_stats",
        "fact_player_period_stats",
        "fact_player_season_stats",
        "fact_player_season_stats_basic",
    ]
    named = publish(
        http,
        tables=["dim_team", "fact_standings"],
        exclude_tables=["fact_standings"],
        options={"replace": True, "batch_size": 500},
    )
    assert named["selection"]["select"] == ["dim_team"]
    status = http.get(f"/api/upload/status/{named['run_id']}").json()
    assert status == http.get(f"/api/etl/status/{named['run_id']}").json()
    assert status["status"] == "cancelled" and status["job_id"] == str(named["run_id"])
    assert (status["tables_uploaded"], status["rows_uploaded"]) == (0, 0)
    assert rows(
        setup["db"],
        "select request->'options'->>'wipe' from ops.runs where run_id = %s",
        named["run_id"],
    ) == [("true",)]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"mode": "dims", "pattern": "fact_*"}, "pattern_matched_nothing"),
        ({"pattern": "zzz*"}, "pattern_matched_nothing"),
        ({"pattern": "fact_*'; drop table raw.loads; --"}, "pattern_matched_nothing"),
        ({"tables": ["nope"]}, "unknown_tables"),
        ({"tables": ["dim_team; drop table raw.loads"]}, "unknown_tables"),
        ({"tables": ["pg_catalog.pg_authid"]}, "unknown_tables"),
        ({"tables": ["dim_t\u0435am"]}, "unknown_tables"),  # Cyrillic small ie
        ({"tables": ["stg_blb__games"]}, "unknown_tables"),  # a model, but not published
        ({"exclude_tables": ["nope"]}, "unknown_tables"),
        ({"tables": ["dim_team"], "exclude_tables": ["dim_team"]}, "empty_selection"),
    ],
)
def test_bad_selections_are_400_and_queue_nothing(setup, http, body, code):
    before = rows(setup["db"], "select count(*) from ops.runs")
    error(http.post("/api/upload/to-supabase", json=body), 400, code)
    assert rows(setup["db"], "select count(*) from ops.runs") == before


def test_publishing_needs_the_run_scope_and_a_known_mode(setup, http):
    error(http.post("/api/upload/to-supabase", json={"mode": "everything"}), 422)
    with client(setup["url"], create_key(setup["db"], "read")) as reader:
        error(reader.post("/api/upload/to-supabase", json={"mode": "all"}), 403, "forbidden")
        error(reader.post("/api/upload/generate-schema"), 403, "forbidden")
    error(http.post("/api/upload/generate-schema"), 403, "forbidden")
    error(http.post("/api/upload/load-schema"), 403, "forbidden")
    error(http.get("/api/upload/status/999999"), 404, "not_found")


# ----------------------------------------------------------------------------------------- schema
PUBLISHED_LIKE = """
create table public.dim_team (
    team_id text not null,
    "Team Name" varchar(80) default 'unnamed',
    league_id text,
    rating numeric(4, 1) check (rating >= 0),
    constraint dim_team_pkey primary key (team_id),
    constraint dim_team_name_key unique ("Team Name")
);
create index dim_team_league_idx on public.dim_team (league_id) where league_id is not null;
comment on table public.dim_team is 'Teams; it''s quoted';
comment on column public.dim_team."Team Name" is 'Display name';
create table public.fact_standings (season_id text, team_id text references public.dim_team (team_id),
    points integer not null default 0, primary key (season_id, team_id));
create view public.v_standings_current as select team_id, points from public.fact_standings;
create table public.not_published (secret text);
"""


def catalog(conn: psycopg.Connection, schema: str) -> list[tuple]:
    return conn.execute(
        """
        select c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
            pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class')
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
        where n.nspname = %s and c.relkind in ('r', 'v')
        order by c.relname, a.attnum
        """,
        [schema],
    ).fetchall()


def definitions(conn: psycopg.Connection, schema: str) -> list[tuple]:
    keys = conn.execute(
        """
        select conname, pg_get_constraintdef(con.oid) from pg_constraint con
        join pg_namespace n on n.oid = con.connamespace where n.nspname = %s order by conname
        """,
        [schema],
    ).fetchall()
    indexes = conn.execute(
        "select indexname, replace(indexdef, %s, 'S.') from pg_indexes where schemaname = %s order by 1",
        [f"{schema}.", schema],
    ).fetchall()
    return keys + indexes


def test_generated_schema_rebuilds_the_published_tables_exactly(setup, admin, http):
    with psycopg.connect(setup["db"], autocommit=True) as conn:
        conn.execute(PUBLISHED_LIKE)
    response = admin.post("/api/upload/generate-schema")
    assert response.status_code == 200, response.text
    body = response.json()
    ddl = body["ddl"]
    assert body["status"] == "completed" and body["job_id"].startswith("schema-")
    written = setup["settings"].schema_file
    assert body["result"] == {"schema_file": str(written), "tables_generated": 3}
    assert written.read_text() == ddl
    assert [t["name"] for t in body["tables"]] == [
        "dim_team",
        "fact_standings",
        "v_standings_current",
    ]
    team = body["tables"][0]
    assert team == {
        "name": "dim_team",
        "kind": "table",
        "columns": 4,
        "primary_key": ["team_id"],
        "indexes": 3,
    }
    assert "not_published" not in ddl and "secret" not in ddl
    assert '"Team Name" character varying(80)' in ddl
    assert "create index dim_team_league_idx on public.dim_team" in ddl.lower()

    with psycopg.connect(setup["db"]) as conn:  # one transaction, rolled back
        original = catalog(conn, "public")
        original_keys = definitions(conn, "public")
        conn.execute("alter schema public rename to public_before")
        conn.execute("create schema public")
        conn.execute(ddl)
        rebuilt = catalog(conn, "public")
        assert rebuilt == [r for r in original if r[0] != "not_published"]
        assert definitions(conn, "public") == original_keys
        conn.rollback()

    download = http.get("/api/upload/schema-file")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/sql")
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert download.text == ddl  # the file generate-schema wrote


def test_load_schema_migrates_an_empty_database(setup, pg_admin_url, tmp_path):
    name = f"{setup['db'].rsplit('/', 1)[-1]}_empty"
    url = setup["db"].rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        settings = api_settings(url, REPO_ROOT, tmp_path, auth_enabled=False)
        with api_server(settings) as base_url, client(base_url, None) as anonymous:
            first = anonymous.post("/api/upload/load-schema")
            assert first.status_code == 200, first.text
            expected = [m.name for m in discover_migrations()]
            assert first.json()["applied"] == [*expected, "procrastinate schema"]
            again = anonymous.post("/api/upload/load-schema").json()
            assert again["applied"] == [] and again["current"][: len(expected)] == expected
        assert rows(url, "select to_regclass('raw.tracker_events') is not null") == [(True,)]
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


# ------------------------------------------------------------------------ selection, no database
FOLDERS = {
    "dim_team": ("marts", "league"),
    "fact_standings": ("marts", "league"),
    "fact_player_season_stats_basic": ("marts", "league"),
    "fact_events": ("marts", "tracking"),
    "fact_player_game_stats": ("marts", "game"),
    "qa_game_quality": ("qa",),
}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("dims", ["dim_team"]),
        ("facts", sorted(n for n in FOLDERS if n.startswith("fact_"))),
        ("qa", ["qa_game_quality"]),
        ("basic", ["dim_team", "fact_player_season_stats_basic", "fact_standings"]),
        ("tracking", ["fact_events", "fact_player_game_stats"]),
    ],
)
def test_each_mode_is_a_group_of_published_tables(mode, expected):
    assert choose_tables(FOLDERS, PublishRequest(mode=mode)) == expected


def test_pattern_narrows_the_mode_and_all_alone_is_a_full_build():
    assert choose_tables(FOLDERS, PublishRequest(mode="all")) == []
    assert choose_tables(FOLDERS, PublishRequest(mode="all", pattern="fact_player*")) == [
        "fact_player_game_stats",
        "fact_player_season_stats_basic",
    ]
    assert choose_tables(FOLDERS, PublishRequest(mode="basic", pattern="fact_player*")) == [
        "fact_player_season_stats_basic"
    ]
    # fnmatch is case-sensitive here, as table names are.
    with pytest.raises(ApiError) as refused:
        choose_tables(FOLDERS, PublishRequest(pattern="FACT_*"))
    assert refused.value.status == 400 and refused.value.code == "pattern_matched_nothing"


def test_published_models_are_the_marts_and_qa_models_of_the_manifest():
    manifest = {
        "nodes": {
            f"model.benchsight.{name}": {
                "name": name,
                "resource_type": "model",
                "fqn": ["benchsight", *folders, name],
            }
            for name, folders in [
                ("stg_blb__games", ("staging", "blb")),
                ("int_events_sequenced", ("intermediate", "tracking")),
                ("dim_team", ("marts", "league")),
                ("qa_game_quality", ("qa",)),
            ]
        }
        | {
            "seed.benchsight.dim_shot_outcome": {
                "name": "dim_shot_outcome",
                "resource_type": "seed",
                "fqn": ["benchsight", "dim_shot_outcome"],
            }
        },
    }
    assert published_models(ManifestIndex.from_manifest(manifest)) == {
        "dim_team": ("marts", "league"),
        "qa_game_quality": ("qa",),
    }
