"""`benchsight up`: everything `make run` does before it serves.

Start the database and migrate; generate the sample league into `.benchsight/sample` the first
time; load its workbook and tracker files (an unchanged file is a no-op); build the warehouse
unless nothing changed since the last successful `up`; print a one-screen summary. Safe to
repeat: a second run loads nothing and builds nothing when nothing changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

from dbt_project.manifest import PROJECT_FILES, PROJECT_INPUTS


def register(subparsers: argparse._SubParsersAction) -> None:
    up = subparsers.add_parser(
        "up",
        help="start the database, load the sample league (first time), build, train, print a summary",
        description=(
            "What `make run` does before serving: start the database and migrate; generate the "
            "sample league into .benchsight/sample when it is missing; load its workbook and "
            "tracker files (unchanged files are skipped); build the warehouse unless nothing "
            "changed since the last successful run; train the models whose input changed and refresh "
            "the prediction views; print a one-screen summary."
        ),
    )
    up.add_argument("--rebuild", action="store_true", help="build even when nothing changed")
    up.set_defaults(func=_up)


def _up(args: argparse.Namespace) -> int:
    import psycopg

    from benchsight.cli import main as benchsight_main
    from benchsight.config import REPO_ROOT, get_settings
    from benchsight.db import database_url, migrate, redact
    from benchsight.sample import ensure_default_sample
    from loaders.tracking import load_tracking_paths
    from loaders.workbook_load import load_workbook_file

    settings = get_settings()
    url = database_url()
    applied = migrate(url)
    print(f"database: {redact(url)}" + (f" (applied {', '.join(applied)})" if applied else ""))

    sample = settings.state_dir / "sample"
    started = time.perf_counter()
    generated = ensure_default_sample(sample)
    if generated:
        print(
            f"sample league generated in {sample} ({generated['tracked_games']} tracked games, "
            f"{generated['scheduled_games']} scheduled) in {time.perf_counter() - started:.1f} s"
        )

    with psycopg.connect(url, autocommit=True) as conn:
        workbook = sample / "BLB_TABLES.xlsx"
        if _workbook_loaded(conn, workbook):
            print("workbook: unchanged")
        else:
            outcome = load_workbook_file(conn, workbook)
            print(f"workbook: {outcome.outcome} ({sum(outcome.tables.values())} rows)")
            if outcome.failed:
                print(f"  {outcome.reason}")
                return 1
        outcomes = load_tracking_paths(conn, [sample / "tracker"])
        tally: dict[str, int] = {}
        for o in outcomes:
            tally[o.outcome] = tally.get(o.outcome, 0) + 1
        print("tracker files: " + ", ".join(f"{n} {k}" for k, n in sorted(tally.items())))
        fingerprint = _fingerprint(conn, REPO_ROOT)

    state_path = settings.state_dir / "up_state.json"
    previous = json.loads(state_path.read_text()) if state_path.exists() else {}
    if not args.rebuild and previous.get("fingerprint") == fingerprint:
        print(f"warehouse: up to date (built {previous.get('built_at')})")
    else:
        code = benchsight_main(["build"])
        if code != 0:
            return code
        state_path.write_text(
            json.dumps({"fingerprint": fingerprint, "built_at": time.strftime("%Y-%m-%d %H:%M:%S")})
        )
    # The models, as the worker's ML step trains them after a build: the ones whose input changed
    # (4.4 s on the sample league the first time).
    code = benchsight_main(["ml", "train"])
    if code != 0:
        return code
    print_summary(url)
    return 0


def _workbook_loaded(conn, path: Path) -> bool:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    row = conn.execute(
        "select file_sha256 from raw.loads where kind = 'workbook' order by load_id desc limit 1"
    ).fetchone()
    return row is not None and row[0] == digest


def _fingerprint(conn, root: Path) -> str:
    digest = hashlib.sha256()
    (last_load,) = conn.execute("select coalesce(max(load_id), 0) from raw.loads").fetchone()
    digest.update(str(last_load).encode())
    # What a build depends on besides the data: when none of these changed and no load happened,
    # the warehouse is up to date.
    for name in (*PROJECT_INPUTS, *PROJECT_FILES):
        path = root / name
        if not path.exists():
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def print_summary(url: str) -> None:
    """One screen: what the warehouse holds, its quality, the current leaders."""
    import psycopg

    with psycopg.connect(url) as conn:
        status = conn.execute(
            "select tracking_status, count(*) from fact_game_status group by 1 order by 1"
        ).fetchall()
        grades = conn.execute(
            "select grade, count(*) from qa_game_quality group by 1 order by 1"
        ).fetchall()
        counts = conn.execute(
            "select (select count(*) from fact_events), (select count(*) from fact_goals),"
            " (select count(*) from fact_shots), (select count(*) from fact_player_game_stats)"
        ).fetchone()
        standings = conn.execute(
            "select standing_rank, team_name, games_played, wins, losses, ties, points"
            " from v_standings_current where game_type = 'All' order by standing_rank limit 8"
        ).fetchall()
        leaders = conn.execute(
            "select rank, player_full_name, team_name, goals, assists, points"
            " from v_leaderboard_points order by rank, player_full_name limit 5"
        ).fetchall()
    print()
    print("games:   " + ", ".join(f"{n} {s}" for s, n in status))
    print("quality: " + ", ".join(f"{n} x {g}" for g, n in grades) + "  (qa_game_quality)")
    print(
        f"tracked: {counts[0]} events, {counts[1]} goals, {counts[2]} shot attempts, "
        f"{counts[3]} skater-games"
    )
    print("\nstandings (current season)")
    for rank, team, gp, wins, losses, ties, pts in standings:
        print(f"  {rank:>2}. {team:<16} GP {gp:>2}  {wins}-{losses}-{ties}  {pts:>3} pts")
    print("\npoints leaders")
    for rank, name, team, g, a, p in leaders:
        print(f"  {rank:>2}. {name:<22} {team:<14} {g:>2} G {a:>2} A {p:>3} P")
    print()
