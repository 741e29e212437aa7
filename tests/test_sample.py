"""The sample generator: real shapes, realistic figures, a truth that agrees with its files,
same bytes for the same seed, and every injected flaw really present."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from shift_pairs import pair_seconds

from benchsight.sample import ensure_default_sample, generate
from benchsight.sample.calibration import complete_measures
from benchsight.sample.game import goal_probability, shot_geometry
from benchsight.sample.league import FLAW_KINDS
from benchsight.sample.tracker_xlsx import METADATA_COLUMNS

FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures"
REAL_JSON = sorted((FIXTURES / "tracker").glob("*.json"))
SLOTS = ("F1", "F2", "F3", "D1", "D2", "G", "X")
SAVED = {"Shot_OnNetSaved", "Shot_DeflectedOnNetSaved"}
MISSED = {"Shot_Missed", "Shot_MissedPost", "Shot_HitPost", "Shot_Deflected"}

needs_fixtures = pytest.mark.skipif(not REAL_JSON, reason="real tracker fixtures not available")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate(out, teams=4, games=8, seed=11, flaws=0.0, workers=1)
    return out


@pytest.fixture(scope="module")
def flawed(tmp_path_factory) -> Path:
    """14 tracked games, 10 flawed: one of each kind."""
    out = tmp_path_factory.mktemp("flawed")
    generate(out, teams=4, games=14, seed=5, flaws=10 / 14, workers=1)
    return out


def _truth(out: Path) -> dict:
    return json.loads((out / "truth.json").read_text())


def _own_files(out: Path, truth: dict) -> dict[int, Path]:
    return {f["game_id"]: out / f["path"] for f in truth["files"] if f["role"] == "own"}


def _key_sets(documents: list[dict]) -> dict[str, set[tuple]]:
    keys: dict[str, set[tuple]] = defaultdict(set)
    for d in documents:
        keys["top"].add(tuple(d))
        for e in d["events"]:
            keys["event"].add(tuple(e))
            for p in e["players"]:
                keys["player"].add(tuple(p))
        for s in d["shifts"]:
            keys["shift"].add(tuple(s))
            for side in ("home", "away"):
                for v in s[side].values():
                    if v:
                        keys["slot"].add(tuple(v))
    return keys


@needs_fixtures
def test_json_shapes_are_the_real_ones(sample):
    real = defaultdict(list)
    for path in REAL_JSON:
        d = json.loads(path.read_text())
        real[d["version"]].append(d)
    generated = defaultdict(list)
    for path in sample.rglob("*.json"):
        if path.name != "truth.json":
            d = json.loads(path.read_text())
            generated[d["version"]].append(d)
    assert set(generated) == {"23.8", "25.0"}
    for version, documents in generated.items():
        real_keys = _key_sets(real[version])
        for part, key_sets in _key_sets(documents).items():
            assert key_sets <= real_keys[part], (version, part, key_sets - real_keys[part])


def test_json_values_follow_each_versions_conventions(sample):
    for path in sample.rglob("benchsight_game_*.json"):
        d = json.loads(path.read_text())
        events = [e for e in d["events"] if e["players"]]
        roles = {p["role"] for e in events for p in e["players"]}
        successes = {json.dumps(e["success"]) for e in d["events"]}
        xs = [pt["x"] for e in d["events"] for pt in e["puckXY"]]
        if d["version"] == "23.8":
            assert roles <= {f"{k}_player_{n}" for k in ("event", "opp") for n in range(1, 6)}
            assert successes <= {"true", "null", '""'}
            assert min(xs) >= 0 and max(xs) <= 200
        else:
            assert roles <= {f"{k}_team_player_{n}" for k in ("event", "opp") for n in range(1, 6)}
            assert successes <= {'"s"', '"u"', '""'}
            assert min(xs) < 0 < max(xs) and min(xs) >= -100 and max(xs) <= 100
        assert all(e["game_id"] == d["gameId"] for e in d["events"] if "game_id" in e)


@needs_fixtures
def test_xlsx_has_the_real_v28_and_v29_columns(sample):
    truth = _truth(sample)
    layouts = {g["xlsx_layout"] for g in truth["games"].values() if g["format"] == "xlsx"}
    assert layouts == {"v28", "v29"}
    for game_id, path in _own_files(sample, truth).items():
        layout = truth["games"][str(game_id)]["xlsx_layout"]
        if layout is None:
            continue
        real = CalamineWorkbook.from_path(
            str(FIXTURES / "tracker_xlsx" / layout / "18981_tracking.xlsx")
        )
        wb = CalamineWorkbook.from_path(str(path))
        assert {"metadata", "events", "shifts"} <= set(wb.sheet_names)
        for sheet in ("events", "shifts"):
            real_rows = real.get_sheet_by_name(sheet).to_python()
            rows = wb.get_sheet_by_name(sheet).to_python()
            assert rows[0] == real_rows[0], (layout, sheet)
            assert all(len(r) == len(real_rows[0]) for r in rows)
        real_meta = real.get_sheet_by_name("metadata").to_python()[0]
        assert wb.get_sheet_by_name("metadata").to_python()[0] == real_meta[: len(METADATA_COLUMNS)]


@needs_fixtures
def test_figures_sit_within_the_real_games_ranges(sample):
    real_events, real_shifts = complete_measures(REAL_JSON)
    gen_events, gen_shifts = complete_measures(sorted(sample.rglob("benchsight_game_*.json")))
    assert len(gen_events) >= 4 and len(gen_shifts) >= 4

    def mean(measures, metric):
        return sum(m[metric] for m in measures) / len(measures)

    def span(measures, metric):
        return min(m[metric] for m in measures), max(m[metric] for m in measures)

    for metric, slack in (
        ("events", 0.1),
        ("goals", 0.4),
        ("shot_attempts", 0.15),
        ("faceoffs", 0.15),
    ):
        lo, hi = span(real_events, metric)
        assert lo * (1 - slack) <= mean(gen_events, metric) <= hi * (1 + slack), metric
    lo, hi = span(real_shifts, "shift_rows")
    assert lo * 0.9 <= mean(gen_shifts, "shift_rows") <= hi * 1.1
    for t in ("Possession", "Pass", "Zone_Entry_Exit", "Turnover", "Shot", "Save", "Faceoff"):
        lo, hi = span(real_events, f"share_{t}")
        assert lo - 0.03 <= mean(gen_events, f"share_{t}") <= hi + 0.03, t


def _seconds(clock: str) -> float:
    minutes, _, seconds = clock.partition(":")
    return int(minutes) * 60 + float(seconds)


def _recount(d: dict) -> tuple[dict, dict]:
    """Box score recounted from a tracker JSON file alone, by the metrics.md definitions."""
    ids = {(side, str(p["num"])): p["id"] for side in ("home", "away") for p in d["rosters"][side]}
    box: dict[str, Counter] = defaultdict(Counter)
    score = Counter()

    def pid(p):
        return ids[(p["team"], str(p["num"]))]

    def role(p, kind, n):
        return p["role"].replace("_team_", "_") == f"{kind}_player_{n}"

    lengths = {int(k) if k != "OT" else 4: v * 60 for k, v in d["periodLengths"].items()}
    goals = []
    attempts = []  # (period, t, team, on goal, goal): each goal once, from its Goal event
    for e in d["events"]:
        first = next((p for p in e["players"] if role(p, "event", 1)), None)
        opp1 = next((p for p in e["players"] if role(p, "opp", 1)), None)
        t = lengths[e["period"]] - _seconds(e["start_time"]) if e["start_time"] else None
        if e["type"] == "Goal" and e["detail1"] == "Goal_Scored":
            attempts.append((e["period"], t, e["team"], True, True))
            score[e["team"]] += 1
            box[pid(first)]["g"] += 1
            box[pid(first)]["sog"] += 1
            box[pid(first)]["attempts"] += 1
            goals.append((e["period"], lengths[e["period"]] - _seconds(e["start_time"]), e["team"]))
        elif e["type"] == "Shot":
            if e["detail1"] in SAVED | MISSED | {"Shot_Blocked"}:
                attempts.append((e["period"], t, e["team"], e["detail1"] in SAVED, False))
            if e["detail1"] in SAVED:
                box[pid(first)]["sog"] += 1
            if e["detail1"] in SAVED | MISSED | {"Shot_Blocked"}:
                box[pid(first)]["attempts"] += 1
            if e["detail1"] == "Shot_Blocked":
                box[pid(opp1)]["blocks"] += 1
        elif e["type"] == "Faceoff":
            box[pid(first)]["fow"] += 1
            box[pid(opp1)]["fol"] += 1
        elif e["type"] == "Penalty":
            box[pid(first)]["pim"] += 6 if e["detail1"] == "Penalty_Major" else 3
        if e.get("assistToGoalIdx") is not None and first is not None:
            flag = first["playD1"]
            box[pid(first)]["a1" if flag == "AssistPrimary" else "a2"] += 1
    rows = []
    for s in d["shifts"]:
        if not s["end_time"]:
            continue
        start = lengths[s["period"]] - _seconds(s["start_time"])
        end = lengths[s["period"]] - _seconds(s["end_time"])
        on = {
            side: [(slot, ids[(side, str(v["num"]))]) for slot, v in s[side].items() if v]
            for side in ("home", "away")
        }
        rows.append((s["period"], start, end, on))
        for side in ("home", "away"):
            for _, player in on[side]:
                box[player]["toi_s"] += end - start
    for period, t, team, on_goal, goal in attempts:
        row = next(r for r in rows if r[0] == period and r[1] < t <= r[2])
        other = "away" if team == "home" else "home"
        for side, suffix in ((team, "f"), (other, "a")):
            for slot, p in row[3][side]:
                if slot != "G":
                    box[p][f"on_ice_c{suffix}"] += 1
                    box[p][f"on_ice_s{suffix}"] += on_goal
                    box[p][f"on_ice_g{suffix}"] += goal
    for period, t, team in goals:
        row = next(r for r in rows if r[0] == period and r[1] < t <= r[2])
        other = "away" if team == "home" else "home"
        skaters = {
            side: [p for slot, p in row[3][side] if slot != "G"] for side in ("home", "away")
        }
        goalies = {side: any(slot == "G" for slot, _ in row[3][side]) for side in ("home", "away")}
        power_play = goalies[team] and goalies[other] and len(skaters[team]) > len(skaters[other])
        if not power_play:
            for p in skaters[team]:
                box[p]["plus_minus"] += 1
            for p in skaters[other]:
                box[p]["plus_minus"] -= 1
    return box, score


def test_truth_skater_pairs_are_consistent_and_bounded(sample):
    """Pair time together: each pair once (a < b) within one team, positive and at most either
    player's own TOI; a player's pairs add up to at most 5 teammates' worth of his TOI; on-ice
    goals of a pair are at most either player's."""
    truth = _truth(sample)
    for game_id, game in truth["games"].items():
        players = {p["player_id"]: p for p in game["players"]}
        keys = [(p["team"], p["player_id_a"], p["player_id_b"]) for p in game["skater_pairs"]]
        assert len(keys) == len(set(keys)) and keys == sorted(keys)
        partner_seconds: Counter = Counter()
        for pair in game["skater_pairs"]:
            a, b = players[pair["player_id_a"]], players[pair["player_id_b"]]
            assert a["player_id"] < b["player_id"], game_id
            assert a["team"] == b["team"] == pair["team"]
            assert 0 < pair["toi_together_s"] <= min(a["toi_s"], b["toi_s"]) + 1e-9
            for stat in ("on_ice_gf", "on_ice_ga"):
                assert 0 <= pair[stat] <= min(a[stat], b[stat])
            partner_seconds[a["player_id"]] += pair["toi_together_s"]
            partner_seconds[b["player_id"]] += pair["toi_together_s"]
        for player_id, seconds in partner_seconds.items():
            assert seconds <= 5 * players[player_id]["toi_s"] + 1e-9
        assert game["skater_pairs"], game_id


def test_truth_skater_pairs_agree_with_the_json_shifts(sample):
    """The files' shifts, intersected as half-open intervals (tests/shift_pairs.py), give the
    simulation's time together for every pair."""
    truth = _truth(sample)
    checked = 0
    for game_id, path in _own_files(sample, truth).items():
        if path.suffix != ".json":
            continue
        document = json.loads(path.read_text())
        ids = {(side, str(p["num"])): p["id"] for side in ("home", "away")
               for p in document["rosters"][side]}  # fmt: skip
        counted = {
            (a[0], *sorted((ids[a], ids[b]))): seconds
            for (a, b), seconds in pair_seconds(document).items()
        }
        expected = {
            (p["team"], p["player_id_a"], p["player_id_b"]): p["toi_together_s"]
            for p in truth["games"][str(game_id)]["skater_pairs"]
        }
        assert counted.keys() == expected.keys(), game_id
        for pair, seconds in expected.items():
            assert counted[pair] == pytest.approx(seconds), (game_id, pair)
        checked += 1
    assert checked >= 4


def test_truth_agrees_with_the_files_it_describes(sample):
    truth = _truth(sample)
    checked = 0
    for game_id, path in _own_files(sample, truth).items():
        game = truth["games"][str(game_id)]
        assert not game["flaws"]
        if path.suffix != ".json":
            continue
        box, score = _recount(json.loads(path.read_text()))
        assert dict(score) == {k: v for k, v in game["score"].items() if v}
        for player in game["players"]:
            counted = box[player["player_id"]]
            stats = ("g", "a1", "a2", "sog", "attempts", "blocks", "fow", "fol", "pim", "plus_minus",
                     *(f"on_ice_{k}" for k in ("cf", "ca", "sf", "sa", "gf", "ga")))  # fmt: skip
            for stat in stats:
                assert counted[stat] == player[stat], (game_id, player["player_id"], stat)
            assert counted["toi_s"] == pytest.approx(player["toi_s"])
        checked += 1
    assert checked >= 4


CONTROLLED_ENTRIES = {"ZoneEntry_Carried", "ZoneEntry_Rush", "ZoneEntry_Pass"}


def _rebound_rush(d: dict, shot_idx: int) -> tuple[bool, bool]:
    """metrics.md: rebound = an attempt by the same team in the previous 3 s, rush = a controlled
    entry by the same team in the previous 7 s, no stoppage (faceoff) between."""
    lengths = {int(k) if k != "OT" else 4: v * 60 for k, v in d["periodLengths"].items()}
    shot = d["events"][shot_idx]

    def elapsed(e):
        return lengths[e["period"]] - _seconds(e["start_time"])

    t = elapsed(shot)
    rebound = rush = False
    for e in reversed(d["events"][:shot_idx]):
        if e["type"] in ("Faceoff", "Stoppage") or e["period"] != shot["period"]:
            break
        if e["team"] != shot["team"]:
            continue
        if e["type"] == "Shot" and t - elapsed(e) <= 3:
            rebound = True
        entry = (
            e["detail1"] == "Zone_Entry" and e["detail2"].replace("-", "_") in CONTROLLED_ENTRIES
        )
        if entry and t - elapsed(e) <= 7:
            rush = True
    return rebound, rush


def test_goal_probability_follows_the_model_and_the_file_xy(sample):
    truth = _truth(sample)
    for game_id, path in _own_files(sample, truth).items():
        if path.suffix != ".json":
            continue
        d = json.loads(path.read_text())
        game = truth["games"][str(game_id)]
        offset = 100.0 if d["version"] == "23.8" else 0.0
        for shot in game["shots"]:
            event = d["events"][shot["event_idx"]]
            assert event["type"] == "Shot"
            shooter = next(
                p for p in event["players"] if p["role"].replace("_team_", "_") == "event_player_1"
            )
            x, y = shooter["xy"][0]["x"] - offset, shooter["xy"][0]["y"] - offset * 0.425
            home_right = d["homeAttacksRightP1"] == (event["period"] % 2 == 1)
            if (event["team"] == "home") != home_right:
                x, y = -x, -y
            distance, angle = shot_geometry(x, y)
            assert distance == pytest.approx(shot["distance"], abs=0.01)
            p = goal_probability(distance, angle, shot["shot_type"], shot["rebound"], shot["rush"],
                                 shot["situation"] == "pp", shot["empty_net"])  # fmt: skip
            assert p == pytest.approx(shot["p_goal"], abs=1e-5)
            assert (shot["rebound"], shot["rush"]) == _rebound_rush(d, shot["event_idx"])
    shots = [s for g in truth["games"].values() for s in g["shots"]]
    goals = sum(s["outcome"] == "goal" for s in shots)
    unblocked = [s for s in shots if s["outcome"] != "blocked"]
    expected = sum(s["p_goal"] for s in unblocked)
    # Goals are drawn from the model: the count sits within four standard deviations of the sum.
    assert abs(goals - expected) <= 4 * math.sqrt(
        sum(s["p_goal"] * (1 - s["p_goal"]) for s in unblocked)
    )


def test_workbook_sheets_and_official_results(sample):
    truth = _truth(sample)
    wb = CalamineWorkbook.from_path(str(sample / "BLB_TABLES.xlsx"))
    documented = {
        "dim_league", "dim_season", "dim_team", "dim_player", "dim_schedule", "fact_gameroster",
        "fact_registration", "fact_draft", "fact_leadership", "dim_playerurlref", "dim_randomnames",
        "dim_event_type", "dim_event_detail", "dim_event_detail_2", "dim_play_detail", "dim_play_detail_2",
    }  # fmt: skip
    assert documented <= set(wb.sheet_names)

    def rows(sheet):
        data = wb.get_sheet_by_name(sheet).to_python()
        return [dict(zip(data[0], r, strict=True)) for r in data[1:]]

    schedule = {int(r["game_id"]): r for r in rows("dim_schedule")}
    assert {r["schedule_type"] for r in schedule.values()} == {"Past", "Upcoming", "PPD"}
    for game_id, game in truth["games"].items():
        row = schedule[int(game_id)]
        assert (row["home_total_goals"], row["away_total_goals"]) == (
            game["score"]["home"],
            game["score"]["away"],
        )
        periods = [row[f"home_team_period{p}_goals"] for p in ("1", "2", "3", "ot")]
        assert sum(periods) == game["score"]["home"]
    for game_id in truth["untracked_games"]:
        assert schedule[int(game_id)]["schedule_type"] == "Past"
    keys = {
        "dim_league": ("league_id",), "dim_season": ("season_id",), "dim_team": ("team_id",),
        "dim_player": ("player_id",), "dim_schedule": ("game_id",),
        "fact_gameroster": ("game_id", "player_id"),
        "fact_registration": ("player_season_registration_id",), "fact_draft": ("player_draft_id",),
        "fact_leadership": ("player_id", "team_id", "season_id"), "dim_playerurlref": ("n_player_url",),
        "dim_randomnames": ("random_full_name",), "dim_event_type": ("event_type_id",),
        "dim_event_detail": ("event_detail_id",), "dim_event_detail_2": ("event_detail_2_id",),
        "dim_play_detail": ("play_detail_id",), "dim_play_detail_2": ("play_detail_id",),
    }  # fmt: skip
    for sheet, key in keys.items():
        values = [tuple(r[k] for k in key) for r in rows(sheet)]
        assert values and len(values) == len(set(values)), sheet
    roster = {(int(r["game_id"]), r["player_id"]): r for r in rows("fact_gameroster")}
    for game_id, game in truth["games"].items():
        for p in game["players"]:
            row = roster[(int(game_id), p["player_id"])]
            assert (row["goals"], row["assist"], row["pim"]) == (
                p["g"],
                p["a1"] + p["a2"],
                p["pim"],
            )


def test_same_seed_same_bytes(tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    generate(serial, teams=4, games=8, seed=3, flaws=0.3, workers=1)
    generate(parallel, teams=4, games=8, seed=3, flaws=0.3, workers=2)
    files = sorted(p.relative_to(serial) for p in serial.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(parallel) for p in parallel.rglob("*") if p.is_file())
    for rel in files:
        assert (serial / rel).read_bytes() == (parallel / rel).read_bytes(), rel


def test_every_flaw_listed_is_in_the_files(flawed):
    truth = _truth(flawed)
    assert {f["kind"] for f in truth["flaws"]} == set(FLAW_KINDS)
    for flaw in truth["flaws"]:
        d = json.loads((flawed / flaw["file"]).read_text())
        kind = flaw["kind"]
        events = d["events"]
        game = truth["games"][str(flaw["game_id"])]
        if kind == "blank_clock":
            e = events[flaw["event_idx"]]
            assert (e["start_time"], e["end_time"]) == ("", "")
        elif kind == "fractional_clock":
            assert d["shifts"][flaw["shift_index"]]["end_time"] == "00:0.01"
        elif kind == "seconds_missing_clock":
            assert events[flaw["event_idx"]]["start_time"] == "18:"
        elif kind == "unknown_jersey":
            num = events[flaw["event_idx"]]["players"][0]["num"]
            assert str(num) == flaw["jersey"]
            assert flaw["jersey"] not in {p["num"] for p in d["rosters"][flaw["team"]]}
        elif kind == "duplicate_player":
            nums = [
                p["num"]
                for p in events[flaw["event_idx"]]["players"]
                if p["team"] == events[flaw["event_idx"]]["team"]
            ]
            assert nums.count(int(flaw["jersey"])) == 2
        elif kind == "extra_assist_flag":
            flags = [e for e in events if e.get("assistToGoalIdx") == flaw["goal_event_idx"]
                     and e["players"][0]["playD1"] == "AssistPrimary"]  # fmt: skip
            goal = next(g for g in game["goals"] if g["goal_event_idx"] == flaw["goal_event_idx"])
            assert len(flags) == (1 if goal["a1"] else 0) + 1
        elif kind == "missing_goal":
            tracked = sum(1 for e in events if e["type"] == "Goal" and e["team"] == flaw["team"])
            assert tracked == game["score"][flaw["team"]] - 1
        elif kind == "no_shifts":
            assert len(d["shifts"]) == 1 and len(events) > 1000
        elif kind == "partial_game":
            assert {e["period"] for e in events} == {1}
        elif kind == "empty_template":
            assert events == [] and d["shifts"] == [] and d["rosters"]["home"]


def test_folder_mess_is_described(flawed):
    truth = _truth(flawed)
    by_role = Counter(f["role"] for f in truth["files"])
    assert by_role["own"] == 14
    assert by_role["older_export"] >= 1 and by_role["neighbour"] >= 1
    own = _own_files(flawed, truth)
    for f in truth["files"]:
        path = flawed / f["path"]
        assert path.is_file()
        if path.suffix == ".json":
            assert json.loads(path.read_text())["gameId"] == f["game_id"]
        if f["role"] == "older_export":
            older, newest = json.loads(path.read_text()), json.loads(own[f["game_id"]].read_text())
            assert older["savedAt"] < newest["savedAt"] and len(older["events"]) < len(
                newest["events"]
            )
        if f["role"] == "neighbour":
            assert path.read_bytes() == own[f["game_id"]].read_bytes()
            assert path.parent != own[f["game_id"]].parent


def test_default_sample_is_not_regenerated(tmp_path):
    (tmp_path / "truth.json").write_text("{}")
    (tmp_path / "BLB_TABLES.xlsx").write_bytes(b"")
    assert ensure_default_sample(tmp_path) is None


def test_generated_files_parse_with_the_loaders(sample, flawed):
    tracking = pytest.importorskip("loaders.tracking")
    workbook = pytest.importorskip("loaders.workbook")
    for out in (sample, flawed):
        truth = _truth(out)
        for f in truth["files"]:
            path = out / f["path"]
            parsed = tracking.parse_tracking_file(path, path.read_bytes())
            assert parsed.game_id == f["game_id"]
        for game_id, path in _own_files(out, truth).items():
            parsed = tracking.parse_tracking_file(path, path.read_bytes())
            if path.suffix == ".json":
                assert parsed.event_count == len(json.loads(path.read_text())["events"]), game_id
        parsed_wb = workbook.parse_workbook(
            (out / "BLB_TABLES.xlsx").read_bytes(), "BLB_TABLES.xlsx"
        )
        assert {w.code for w in parsed_wb.warnings} <= {"unknown_sheet"}


def test_loaders_read_the_truths_goals_and_shot_locations(sample):
    """Through the loaders' own rows, every format gives truth's goals, scorers and shot spots."""
    tracking = pytest.importorskip("loaders.tracking")
    tables = pytest.importorskip("loaders.tables")
    truth = _truth(sample)

    def named(table, rows):
        columns = ("sheet", "row_number", *tables.TRACKER_TABLES[table])
        return [dict(zip(columns, r, strict=True)) for r in rows]

    formats = set()
    for game_id, path in _own_files(sample, truth).items():
        game = truth["games"][str(game_id)]
        parsed = tracking.parse_tracking_file(path, path.read_bytes())
        formats.add(game["format"])
        events = {e["event_idx"]: e for e in named("tracker_events", parsed.rows["tracker_events"])}
        players = defaultdict(list)
        for p in named("tracker_event_players", parsed.rows["tracker_event_players"]):
            players[p["event_idx"]].append(p)
        goals = [
            e
            for e in events.values()
            if e["event_type"] == "Goal" and e["detail1"] == "Goal_Scored"
        ]
        # The reduced Excel export (v29) writes no team: raw keeps none, the warehouse infers it.
        writes_team = game.get("xlsx_layout") != "v29"
        assert Counter(e["team"] for e in goals) == Counter(
            {k: v for k, v in game["score"].items() if v} if writes_team else {None: len(goals)}
        )
        jersey_of = {p["player_id"]: (p["team"], p["jersey"]) for p in game["players"]}
        for goal in game["goals"]:
            scorer = next(
                p for p in players[goal["goal_event_idx"]] if p["role"] == "event_player_1"
            )
            side, jersey = jersey_of[goal["scorer"]]
            assert (scorer["side"], str(scorer["jersey"])) == (
                side if writes_team else None,
                jersey,
            )
        # The shot spot: the shooter's point, else the puck's first (v28 has no player XY).
        shooter_points, puck_points = defaultdict(list), defaultdict(list)
        for xy in named("tracker_xy_points", parsed.rows["tracker_xy_points"]):
            point = (xy["x_centred"], xy["y_centred"])
            if xy["kind"] == "player" and xy["role"] == "event_player_1":
                shooter_points[xy["event_idx"]].append(point)
            elif xy["kind"] == "puck":
                puck_points[xy["event_idx"]].append(point)
        for shot in game["shots"]:
            x, y = (shooter_points[shot["event_idx"]] or puck_points[shot["event_idx"]])[0]
            home_right = game["home_attacks_right_p1"] == (shot["period"] % 2 == 1)
            if (shot["team"] == "home") != home_right:
                x, y = -x, -y
            assert (x, y) == (
                pytest.approx(shot["x"], abs=0.01),
                pytest.approx(shot["y"], abs=0.01),
            )
    assert formats == {"json23.8", "json25.0", "xlsx"}
