"""The generated league every ML test module reads: built and trained once per test session.

`ml_league_template` generates a 40-game league with known truth (truth.json: team strengths,
every attempt's goal probability, ...), loads it, builds everything the ML views need and trains
every model of benchsight.ml.train.MODELS, in a database of its own that then serves as a
template. `ml_league` gives a module its own copy (CREATE DATABASE ... TEMPLATE, about a second),
so a module may retrain, inject faults or add rows without touching another module's league.
Bigger leagues (the issues' 600 games) are benchmarks/bench_ml.py's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from itertools import count

import httpx
import psycopg
import pytest
from api_checks import rows
from dbt_harness import remove_targets, run_dbt
from psycopg import sql
from runs_harness import api_server, api_settings, client, create_key, make_tiny_project

from benchsight.ml.train import train
from benchsight.sample import generate
from loaders.tracking import load_tracking_paths
from loaders.workbook_load import load_workbook_file

LEAGUE = {"teams": 6, "games": 40, "flaws": 0.0, "seed": 5}
_copies = count(1)


def _url(admin_url: str, name: str) -> str:
    from conftest import _url_for

    return _url_for(admin_url, name)


def _create(admin_url: str, name: str, template: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )


def _drop(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
    remove_targets(name)


@pytest.fixture(scope="session")
def ml_league_template(
    pg_admin_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    from conftest import SESSION_TAG

    name = f"{SESSION_TAG}_ml_league"
    _create(pg_admin_url, name, template_db)
    url = _url(pg_admin_url, name)
    out = tmp_path_factory.mktemp("ml_league")
    # Before anything is built every model refuses, with the reason.
    before = train(url)
    started = time.perf_counter()
    generate(out, **LEAGUE)
    truth = json.loads((out / "truth.json").read_text())
    with psycopg.connect(url) as conn:
        assert not load_workbook_file(conn, out / "BLB_TABLES.xlsx").failed
        outcomes = load_tracking_paths(conn, [out / "tracker"])
        assert not [o for o in outcomes if o.failed]
    print(f"ml league: generated and loaded in {time.perf_counter() - started:.1f} s")
    done = run_dbt(
        url, "build", "--select", "+path:models/ml", "+qa_game_quality", "+fact_stints", "+fact_goals",
        "--exclude", "resource_type:test",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:]
    print(f"ml league: built at {time.perf_counter() - started:.1f} s")
    report = train(url)
    print(f"ml league: trained at {time.perf_counter() - started:.1f} s")
    yield {"name": name, "truth": truth, "before": before, "report": report, "out": out}
    _drop(pg_admin_url, name)


@pytest.fixture(scope="module")
def ml_league(pg_admin_url: str, ml_league_template: dict) -> Iterator[dict]:
    """This module's copy of the trained league: url, truth, out (the generated files), before
    (the refusals of an unbuilt warehouse) and report (the training report)."""
    name = f"{ml_league_template['name']}_{next(_copies)}"
    _create(pg_admin_url, name, ml_league_template["name"])
    yield {**ml_league_template, "url": _url(pg_admin_url, name)}
    _drop(pg_admin_url, name)


@pytest.fixture(scope="module")
def ml_http(ml_league: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A client with a `read` key of the API serving this module's league. The app serves a
    tiny dbt project: the ML endpoints read schema ml only, and the real project's start-up parse
    is not needed."""
    url = ml_league["url"]
    project = make_tiny_project(tmp_path_factory.mktemp("ml_project"))
    settings = api_settings(url, project, tmp_path_factory.mktemp("ml_state"))
    with api_server(settings) as base, client(base, create_key(url, "read")) as c:
        yield c


def active_coefficients(url: str, model: str) -> dict[str, float]:
    """The active version's coefficients of `model` (ml.active_coefficients)."""
    return dict(
        rows(url, "select term, value from ml.active_coefficients where model_name = %s", model)
    )
