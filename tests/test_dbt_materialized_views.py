"""The project's materialized-view rule (macros/materialized_view_definition.sql): a view whose SQL
changed is replaced, one whose SQL did not is refreshed in place. dbt alone refreshes both, so an
upgrade would keep the old definition (dbt-labs/dbt-adapters#234). A one-model project with the
project's macro, built with real dbt on the test database."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
from dbt_harness import REPO_ROOT, run_dbt
from runs_harness import PROFILE


def test_a_changed_definition_replaces_the_view_an_unchanged_one_is_refreshed(
    db_url: str, tmp_path: Path
) -> None:
    project = tmp_path / "mv"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    (project / "dbt_project.yml").write_text(
        'name: mv\nversion: "1.0"\nconfig-version: 2\nprofile: tiny\nmodel-paths: ["models"]\n'
        'macro-paths: ["macros"]\nflags:\n  send_anonymous_usage_stats: false\n'
    )
    (project / "profiles.yml").write_text(PROFILE)
    shutil.copy(REPO_ROOT / "macros" / "materialized_view_definition.sql", project / "macros")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create table public.mv_probe_source (n int)")
        conn.execute("insert into public.mv_probe_source values (1), (2)")

    def build(select: str) -> tuple[int, list[str], tuple]:
        (project / "models" / "mv_probe.sql").write_text(
            "{{ config(materialized='materialized_view') }}\n" + select + "\n"
        )
        done = run_dbt(db_url, "run", "--project-dir", str(project), "--profiles-dir",
                       str(project), target_path=tmp_path / "target")  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:]
        with psycopg.connect(db_url) as conn:
            oid = conn.execute("select 'public.mv_probe'::regclass::oid").fetchone()[0]
            cur = conn.execute("select * from public.mv_probe")
            return oid, [d.name for d in cur.description], cur.fetchone()

    first = build("select count(*)::int as n from public.mv_probe_source")
    assert first[1:] == (["n"], (2,))
    changed = build("select count(*)::int as n, max(n) as top from public.mv_probe_source")
    assert changed[1:] == (["n", "top"], (2, 2))
    assert changed[0] != first[0]  # a new relation: replaced
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("insert into public.mv_probe_source values (7)")
    same = build("select count(*)::int as n, max(n) as top from public.mv_probe_source")
    assert same == (changed[0], ["n", "top"], (3, 7))  # the same relation, refreshed
