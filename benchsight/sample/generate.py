"""Generate a whole sample: workbook, tracker exports, truth.json.

Each tracked game is simulated and written independently from its own seed (derived from the
league seed and the game id), so games can be built in parallel and the output is the same
bytes for the same seed whatever the worker count. truth.json is streamed game by game, so
memory stays flat however many games are asked for.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing
import os
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from benchsight.sample.flaws import apply_flaws
from benchsight.sample.game import STRENGTH_SHOT_SHARE, simulate_game
from benchsight.sample.league import (
    FLAW_KINDS,
    TEAM_STRENGTH_SD,
    League,
    RosterEntry,
    ScheduledGame,
    build_league,
    derive_seed,
    game_rosters,
)
from benchsight.sample.tracker_xlsx import write_xlsx
from benchsight.sample.truth import DEFINITIONS, game_truth, goal_model_card
from benchsight.sample.workbook import OfficialGame, write_workbook
from benchsight.sample.writers import GameDocument, render_json

DEFAULT_SAMPLE = {"teams": 8, "games": 40, "seed": 7, "flaws": 0.25}
GENERATOR_VERSION = "1"
TRACKER_DIR = "tracker"
LONG_FIRST_PERIOD_SHARE = 0.03

_worker_state: dict = {}


def json_file_name(game: ScheduledGame) -> str:
    home = game.home.name.replace(" ", "_")
    away = game.away.name.replace(" ", "_")
    return f"benchsight_game_{home}_vs_{away}_{game.game_id}.json"


def _init_worker(league: League, out_dir: str) -> None:
    _worker_state["league"] = league
    _worker_state["tracked"] = league.tracked_games()
    _worker_state["out"] = Path(out_dir)


def _tracked_job(index: int) -> dict:
    game = _worker_state["tracked"][index]
    return build_tracked_game(_worker_state["league"], game, _worker_state["out"])


def build_tracked_game(league: League, game: ScheduledGame, out: Path) -> dict:
    """Simulate one tracked game, write its file(s), return its truth and official result."""
    rng = random.Random(game.seed)
    rosters = game_rosters(game, league, rng)
    # A few JSON games come from a tracker whose first period was set to 21 minutes.
    first_period = 21 if game.fmt != "xlsx" and rng.random() < LONG_FIRST_PERIOD_SHARE else 18
    strengths = {"home": game.home.strength, "away": game.away.strength}
    sim = simulate_game(rosters, derive_seed(game.seed, "play"), game.flaw, first_period, strengths)
    truth = game_truth(game.game_id, sim, [])
    exported = dt.datetime.combine(game.date, dt.time(22, 30)) + dt.timedelta(
        days=rng.randint(1, 40), seconds=rng.randint(0, 86399), milliseconds=rng.randint(0, 999)
    )
    folder = out / TRACKER_DIR / str(game.game_id)
    folder.mkdir(parents=True, exist_ok=True)
    version = "25.0" if game.fmt == "json25.0" else "23.8"
    own_name = f"{game.game_id}_tracking.xlsx" if game.fmt == "xlsx" else json_file_name(game)
    own_rel = f"{TRACKER_DIR}/{game.game_id}/{own_name}"
    doc = GameDocument(game.game_id, game.home.name, game.away.name, game.home.color, game.away.color,
                       sim, exported, derive_seed(game.seed, "render"))  # fmt: skip
    events, shifts, flaw_entries = apply_flaws(game, sim, rng, own_rel)
    truth["flaws"] = flaw_entries
    files = [{"path": own_rel, "game_id": game.game_id, "role": "own", "format": game.fmt}]
    if game.fmt == "xlsx":
        write_xlsx(doc, folder / own_name, game.xlsx_layout or "v29")
    else:
        (folder / own_name).write_bytes(render_json(doc, version, events, shifts))
    if game.older_export and events:
        keep = int(len(events) * rng.uniform(0.85, 0.97))
        last = events[keep - 1]
        older_shifts = [
            r for r in shifts if (r.period, r.start or 0) <= (last.period, last.start or 0)
        ]
        saved = exported - dt.timedelta(minutes=rng.randint(20, 60 * 24 * 4))
        name = json_file_name(game).replace(".json", f"_{saved:%Y%m%d-%H%M}.json")
        (folder / name).write_bytes(render_json(doc, version, events[:keep], older_shifts, saved))
        files.append({"path": f"{TRACKER_DIR}/{game.game_id}/{name}", "game_id": game.game_id,
                      "role": "older_export", "format": game.fmt})  # fmt: skip
    truth["format"] = game.fmt
    truth["xlsx_layout"] = game.xlsx_layout
    truth["files"] = files
    truth["date"] = game.date.isoformat()
    truth["home_team"] = game.home.name
    truth["away_team"] = game.away.name
    official = OfficialGame.from_truth(game, rosters, truth)
    return {"game_id": game.game_id, "truth": truth, "official": official, "own": own_rel}


def official_untracked(league: League, game: ScheduledGame) -> OfficialGame:
    """An untracked game's official result: a score and scorers, no tracker file."""
    rng = random.Random(game.seed)
    rosters = game_rosters(game, league, rng)
    by_period = {side: [0, 0, 0, 0] for side in ("home", "away")}
    stats: dict[str, dict[str, int]] = {}
    for side in ("home", "away"):
        for e in rosters[side]:
            stats[e.player.player_id] = {"g": 0, "a": 0, "pim": 0}
    tilt = {"home": game.home.strength - game.away.strength}
    tilt["away"] = -tilt["home"]
    for period in range(3):
        for side in ("home", "away"):
            for _ in range(_poisson(rng, 0.95 * math.exp(tilt[side]))):
                by_period[side][period] += 1
                _credit_goal(rng, rosters[side], stats)
    if sum(by_period["home"]) == sum(by_period["away"]) and rng.random() < 0.5:
        side = rng.choice(("home", "away"))
        by_period[side][3] += 1
        _credit_goal(rng, rosters[side], stats)
    for side in ("home", "away"):
        skaters = [e for e in rosters[side] if e.player.position != "G"]
        for _ in range(_poisson(rng, 1.3)):
            stats[rng.choice(skaters).player.player_id]["pim"] += 3
    # A game level after regulation went to overtime, scored in it or not.
    overtime = sum(by_period["home"][:3]) == sum(by_period["away"][:3])
    return OfficialGame.build(game, rosters, by_period, stats, overtime)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _credit_goal(rng: random.Random, roster: list[RosterEntry], stats: dict) -> None:
    skaters = [e for e in roster if e.player.position != "G"]
    weights = [e.player.rating + (2 if e.player.position == "F" else 0) for e in skaters]
    scorer = rng.choices(skaters, weights)[0]
    stats[scorer.player.player_id]["g"] += 1
    others = [e for e in skaters if e is not scorer]
    for share in (0.8, 0.55):
        if others and rng.random() < share:
            helper = rng.choice(others)
            others.remove(helper)
            stats[helper.player.player_id]["a"] += 1


def generate(
    out_dir: str | os.PathLike,
    teams: int = 8,
    games: int = 40,
    seed: int = 7,
    flaws: float = 0.05,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write a sample league into `out_dir` and return a summary of what was written.

    `games` is the number of tracked games (tracker files); the schedule around them adds
    untracked past games (official score only) and upcoming games.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Files of an earlier, larger sample in the same folder would be loaded as real games.
    shutil.rmtree(out / TRACKER_DIR, ignore_errors=True)
    league = build_league(teams=teams, games=games, seed=seed, flaws=flaws)
    tracked = league.tracked_games()
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    officials: dict[int, OfficialGame] = {}
    files: list[dict] = []
    flaw_list: list[dict] = []
    truth_path = out / "truth.json"
    with truth_path.open("w", encoding="utf-8") as truth_file:
        header = {
            "generator": {
                "version": GENERATOR_VERSION,
                "seed": seed,
                "teams": teams,
                "games": games,
                "flaw_rate": flaws,
                "flaw_kinds": list(FLAW_KINDS),
            },
            "goal_model": goal_model_card(),
            "team_strengths": {
                "definition": (
                    "true strength per team (normal, mean 0, sd TEAM_STRENGTH_SD): tracked games "
                    "add STRENGTH_SHOT_SHARE x (own - opponent strength) to the chance that an "
                    "attacking-zone action is a shot; untracked games draw each side's goals per "
                    "period from Poisson(0.95 x exp(own - opponent strength))"
                ),
                "sd": TEAM_STRENGTH_SD,
                "shot_share_per_unit": STRENGTH_SHOT_SHARE,
                "teams": {t.team_id: t.strength for t in league.teams},
            },
            # The true skill (2-6) of every player, team or spare: what puck touches and credited
            # goals weight by; the target the player projections' scoring rates rank against.
            "player_ratings": {p.player_id: p.rating for p in league.players},
            "definitions": DEFINITIONS,
        }
        truth_file.write(json.dumps(header, separators=(",", ":"))[:-1] + ',"games":{')
        results = _run_jobs(league, out, workers, len(tracked))
        previous_own: str | None = None
        for n, result in enumerate(results, start=1):
            game = tracked[n - 1]
            truth = result["truth"]
            if game.neighbour_file and previous_own is not None:
                src = out / previous_own
                rel = f"{TRACKER_DIR}/{game.game_id}/{Path(previous_own).name}"
                shutil.copyfile(src, out / rel)
                neighbour_id = int(Path(previous_own).parent.name)
                entry = {
                    "path": rel,
                    "game_id": neighbour_id,
                    "role": "neighbour",
                    "format": tracked[n - 2].fmt,
                }
                truth["files"].append(entry)
            files.extend(truth["files"])
            flaw_list.extend(truth["flaws"])
            previous_own = result["own"]
            officials[game.game_id] = result["official"]
            sep = "," if n > 1 else ""
            truth_file.write(
                f'{sep}"{game.game_id}":' + json.dumps(truth, separators=(",", ":")) + "\n"
            )
            if progress and (n % 100 == 0 or n == len(tracked)):
                progress(f"tracked games: {n}/{len(tracked)}")
        for game in league.games:
            if game.status == "untracked":
                officials[game.game_id] = official_untracked(league, game)
        untracked = {
            str(g.game_id): officials[g.game_id].truth_summary()
            for g in league.games
            if g.status == "untracked"
        }
        upcoming = [g.game_id for g in league.games if g.status == "upcoming"]
        tail = {
            "untracked_games": untracked,
            "upcoming_games": upcoming,
            "files": files,
            "flaws": flaw_list,
        }
        truth_file.write("}," + json.dumps(tail, separators=(",", ":"))[1:] + "\n")
    if progress:
        progress("writing BLB_TABLES.xlsx")
    write_workbook(out / "BLB_TABLES.xlsx", league, officials)
    return {
        "out_dir": str(out),
        "seed": seed,
        "teams": teams,
        "seasons": len(league.seasons),
        "scheduled_games": len(league.games),
        "tracked_games": len(tracked),
        "untracked_games": len(untracked),
        "upcoming_games": len(upcoming),
        "files": len(files),
        "flaws": len(flaw_list),
        "formats": {
            fmt: sum(1 for g in tracked if g.fmt == fmt) for fmt in ("json23.8", "json25.0", "xlsx")
        },
        "seconds": round(time.perf_counter() - started, 2),
    }


def _run_jobs(league: League, out: Path, workers: int, count: int):
    if workers <= 1 or count < 8:
        _init_worker(league, str(out))
        for i in range(count):
            yield _tracked_job(i)
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(league, str(out))) as pool:
        yield from pool.imap(_tracked_job, range(count), chunksize=4)


def ensure_default_sample(
    path: str | os.PathLike, progress: Callable[[str], None] | None = None
) -> dict | None:
    """Generate the default sample into `path` unless it is already there (truth.json and the
    workbook present). Returns the summary when it generated, None when it did nothing."""
    out = Path(path)
    if (out / "truth.json").is_file() and (out / "BLB_TABLES.xlsx").is_file():
        return None
    return generate(out, progress=progress, **DEFAULT_SAMPLE)
