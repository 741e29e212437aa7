"""BLB_TABLES.xlsx: the league master workbook, with the real workbook's 16 sheets and columns.

Official results (dim_schedule scores and per-period goals, fact_gameroster G/A/PIM) come from
the simulated games for tracked games and from a quick score draw for untracked ones, so the
workbook agrees with the tracker files except where a flaw says otherwise.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import xlsxwriter

from benchsight.sample.league import (
    FIRST_NAMES,
    LAST_NAMES,
    OT_MINUTES,
    PERIOD_MINUTES,
    League,
    Player,
    RosterEntry,
    ScheduledGame,
    derive_seed,
)
from benchsight.sample.vocab import (
    DETAIL_1_IDS,
    DETAIL_2_ROW_IDS,
    DETAILS_1,
    DETAILS_2,
    EVENT_TYPES,
    PLAY_DETAILS,
)

POSITION_NAMES = {"F": "Forward", "D": "Defense", "G": "Goalie"}
FIXED_CREATED = dt.datetime(2026, 1, 1)

SHEETS = {
    "dim_league": ("league_id", "league"),
    "dim_season": ("season_id", "season", "session", "norad", "csah", "league_id", "league", "start_date", "season_display"),
    "dim_team": ("team_name", "team_id", "norad_team", "league_id", "league", "long_team_name", "team_cd",
                 "team_color1", "team_color2", "team_color3", "team_color4", "team_logo", "team_url"),
    "dim_player": ("player_first_name", "player_last_name", "player_full_name", "player_id",
                   "player_primary_position", "current_skill_rating", "birth_year", "player_gender",
                   "highest_beer_league", "player_rating_ly", "player_leadership", "player_norad",
                   "player_norad_current_team", "player_norad_current_team_id", "other_url", "player_url",
                   "player_image"),
    "dim_schedule": ("game_id", "season", "season_id", "game_url", "date", "game_time", "home_team_name",
                     "away_team_name", "home_team_id", "away_team_id", "head_to_head_id", "game_type",
                     "playoff_round", "last_period_type", "period_length", "ot_period_length",
                     "shootout_rounds", "schedule_type", "include", "home_total_goals", "away_total_goals",
                     "home_team_period1_goals", "home_team_period2_goals", "home_team_period3_goals",
                     "home_team_periodot_goals", "away_team_period1_goals", "away_team_period2_goals",
                     "away_team_period3_goals", "away_team_periodot_goals", "home_team_seeding",
                     "away_team_seeding", "home_team_w", "home_team_l", "home_team_t", "home_team_pts",
                     "away_team_w", "away_team_l", "away_team_t", "away_team_pts", "sort_"),
    "fact_gameroster": ("game_id", "team_venue", "team_name", "opp_team_name", "player_game_number",
                        "player_position", "games_played", "goals", "assist", "goals_against", "pim",
                        "shutouts", "team_id", "opp_team_id", "player_full_name", "player_id", "date",
                        "season", "sub", "current_team"),
    "fact_registration": ("player_season_registration_id", "player_full_name", "player_id", "season_id", "season", "restricted", "email",
                          "position", "norad_experience", "caf", "highest_beer_league_played", "skill_rating",
                          "age", "referred_by", "notes", "sub_yn", "drafted_team_name", "drafted_team_id"),
    "fact_draft": ("player_draft_id", "team_id", "skill_rating", "round", "player_full_name", "player_id", "team_name", "restricted",
                   "overall_draft_round", "overall_draft_position", "unrestricted_draft_position", "season",
                   "season_id", "league"),
    "fact_leadership": ("player_full_name", "player_id", "leadership", "skill_rating", "team_name", "team_id",
                        "season", "season_id"),
    "dim_playerurlref": ("n_player_url", "player_full_name", "n_player_id_2"),
    "dim_randomnames": ("random_full_name", "random_first_name", "random_last_name", "gender", "name_used"),
    "dim_event_type": ("event_type_id", "event_type_code", "event_type_name", "event_category", "description",
                       "is_corsi", "is_fenwick"),
    "dim_event_detail": ("event_detail_id", "event_detail_code", "event_detail_name", "event_type", "category",
                         "description", "is_shot_on_goal", "is_goal", "is_miss", "is_block", "danger_potential"),
    "dim_event_detail_2": ("event_detail_2_id", "event_detail_2_code", "event_detail_2_name", "event_type",
                           "category", "description", "is_shot_on_goal", "is_goal", "is_miss", "is_block",
                           "danger_potential", "event_type_macro"),
    "dim_play_detail": ("play_detail_id", "play_detail_code", "play_detail_name", "play_category", "skill_level",
                        "description"),
    # The real sheet reuses the play_detail_* names.
    "dim_play_detail_2": ("play_detail_id", "play_detail_code", "play_detail_name", "play_category",
                          "skill_level", "description"),
}  # fmt: skip


@dataclass(slots=True)
class OfficialGame:
    """A played game's official result, as the league keeps it."""

    game_id: int
    by_period: dict[str, list[int]]  # side -> goals in periods 1, 2, 3, OT
    overtime: bool
    rows: list[
        tuple
    ]  # (side, player_id, jersey, position, goals, assists, pim, goals_against, sub)

    @classmethod
    def build(cls, game: ScheduledGame, rosters: dict[str, list[RosterEntry]], by_period: dict[str, list[int]],
              stats: dict[str, dict[str, int]], overtime: bool) -> OfficialGame:  # fmt: skip
        totals = {side: sum(by_period[side]) for side in ("home", "away")}
        rows = []
        for side, other in (("home", "away"), ("away", "home")):
            for e in rosters[side]:
                s = stats.get(e.player.player_id, {"g": 0, "a": 0, "pim": 0})
                ga = totals[other] if e.player.position == "G" else 0
                rows.append(
                    (
                        side,
                        e.player.player_id,
                        e.jersey,
                        e.player.position,
                        s["g"],
                        s["a"],
                        s["pim"],
                        ga,
                        e.sub,
                    )
                )
        return cls(game.game_id, by_period, overtime, rows)

    @classmethod
    def from_truth(
        cls, game: ScheduledGame, rosters: dict[str, list[RosterEntry]], truth: dict
    ) -> OfficialGame:
        by_period = {}
        for side in ("home", "away"):
            periods = truth["teams"][side]["goals_by_period"]
            by_period[side] = [periods.get(str(p), 0) for p in (1, 2, 3, 4)]
        stats = {
            r["player_id"]: {"g": r["g"], "a": r["a1"] + r["a2"], "pim": r["pim"]}
            for r in truth["players"]
        }
        return cls.build(game, rosters, by_period, stats, overtime=truth["periods"] == 4)

    def totals(self) -> tuple[int, int]:
        return sum(self.by_period["home"]), sum(self.by_period["away"])

    def truth_summary(self) -> dict:
        return {
            "score": dict(zip(("home", "away"), self.totals(), strict=True)),
            "goals_by_period": self.by_period,
            "players": [
                {"team": r[0], "player_id": r[1], "jersey": r[2], "g": r[4], "a": r[5], "pim": r[6]}
                for r in self.rows
            ],
        }


def _email(p: Player) -> str:
    return f"{p.first_name.lower()}.{p.last_name.lower()}.{p.player_id[1:]}@example.com"


def write_workbook(path, league: League, officials: dict[int, OfficialGame]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": FIXED_CREATED, "author": "NORAD league admin"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheets = {}
    rows = {}
    for name, columns in SHEETS.items():
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, columns)
        sheets[name], rows[name] = ws, 1

    def put(sheet: str, values) -> None:
        ws, r = sheets[sheet], rows[sheet]
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, datetime_fmt)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date_fmt)
            else:
                ws.write(r, c, v)
        rows[sheet] = r + 1

    rng = random.Random(derive_seed(league.seed, "workbook"))
    players_by_id = {p.player_id: p for p in league.players}
    put("dim_league", (league.league_id, league.name))
    for s in league.seasons:
        put(
            "dim_season",
            (
                s.season_id,
                s.season,
                s.session,
                "Y",
                "N",
                league.league_id,
                league.name,
                s.start_date,
                s.display,
            ),
        )
    current_team = {}
    for t in league.teams:
        put("dim_team", (t.name, t.team_id, "Y", league.league_id, league.name, f"{t.name} Hockey Club", t.code,
                         t.color, "#FFFFFF", "#000000", "", "", f"https://example.org/teams/{t.team_id}"))  # fmt: skip
        for p in t.players:
            current_team[p.player_id] = t
    # A team from the neighbouring league: listed, never scheduled (norad_team = N).
    put(
        "dim_team",
        (
            "Visitors",
            "N19999",
            "N",
            "C",
            "CSAH",
            "Visitors Hockey Club",
            "VIS",
            "#777777",
            "",
            "",
            "",
            "",
            "",
        ),
    )
    for p in league.players:
        team = current_team.get(p.player_id)
        put("dim_player", (p.first_name, p.last_name, p.full_name, p.player_id, POSITION_NAMES[p.position], p.rating,
                           p.birth_year, p.gender, rng.choice(("C", "D", "B", "")), max(2, p.rating - rng.choice((0, 0, 1))),
                           "", "Y", team.name if team else "", team.team_id if team else "", "",
                           f"https://example.org/players/{p.player_id}", ""))  # fmt: skip

    by_season: dict[str, list[ScheduledGame]] = {}
    for g in league.games:
        by_season.setdefault(g.season.season_id, []).append(g)
    for season_games in by_season.values():
        last_date = max(g.date for g in season_games)
        for g in season_games:
            playoffs = g.date == last_date and g.status != "upcoming"
            official = officials.get(g.game_id)
            h2h = "_".join(sorted((g.home.team_id, g.away.team_id)))
            base = [g.game_id, g.season.season, g.season.season_id, f"https://example.org/games/{g.game_id}", g.date,
                    g.time, g.home.name, g.away.name, g.home.team_id, g.away.team_id, h2h,
                    "Playoffs" if playoffs else "Regular", 1 if playoffs else ""]  # fmt: skip
            if official is None:
                put(
                    "dim_schedule",
                    base
                    + ["", PERIOD_MINUTES, OT_MINUTES, 0, "PPD" if g.postponed else "Upcoming", "Y"]
                    + [""] * 20
                    + [g.game_id],
                )
                continue
            home, away = official.totals()
            hp, ap = official.by_period["home"], official.by_period["away"]
            result = (home > away, home < away, home == away)
            put("dim_schedule", [*base, "OT" if official.overtime else "Regulation", PERIOD_MINUTES, OT_MINUTES, 0, "Past", "Y", home, away, *hp, *ap, "", "", int(result[0]), int(result[1]), int(result[2]), 2 * result[0] + result[2], int(result[1]), int(result[0]), int(result[2]), 2 * result[1] + result[2], g.game_id])  # fmt: skip
            game_time = dt.datetime.combine(g.date, dt.time(*map(int, g.time.split(":"))))
            for side, pid, jersey, pos, goals, assists, pim, ga, sub in official.rows:
                team, opp = (g.home, g.away) if side == "home" else (g.away, g.home)
                player = players_by_id[pid]
                put("fact_gameroster", (
                    g.game_id, side, team.name, opp.name, int(jersey), POSITION_NAMES[pos], 1, goals, assists,
                    ga if pos == "G" else "", pim, int(pos == "G" and ga == 0) if pos == "G" else "", team.team_id,
                    opp.team_id, player.full_name, pid, game_time if rng.random() < 0.2 else g.date,
                    g.season.season, "Y" if sub else "N", team.name,
                ))  # fmt: skip

    for s in league.seasons:
        pick = 0
        for t in league.teams:
            ranked = sorted(t.players, key=lambda p: (-p.rating, p.player_id))
            for rnd, p in enumerate(ranked, start=1):
                pick += 1
                put("fact_registration", (f"{p.player_id}-{s.season_id}", p.full_name, p.player_id, s.season_id, s.season, "N", _email(p), POSITION_NAMES[p.position],
                                          rng.randint(0, 12), "Y", rng.choice(("C", "D", "B")), p.rating,
                                          s.season // 10000 - p.birth_year, "", "", "N", t.name, t.team_id))  # fmt: skip
                put("fact_draft", (f"D{s.season_id}-{p.player_id}", t.team_id, p.rating, rnd, p.full_name, p.player_id, t.name, "N", rnd, pick, pick,
                                   s.season, s.season_id, league.name))  # fmt: skip
            for p, role in zip(ranked[:3], ("C", "A", "A"), strict=False):
                put(
                    "fact_leadership",
                    (
                        p.full_name,
                        p.player_id,
                        role,
                        p.rating,
                        t.name,
                        t.team_id,
                        s.season,
                        s.season_id,
                    ),
                )
    for i, p in enumerate(league.players, start=1):
        put(
            "dim_playerurlref",
            (f"https://example.org/players/{p.player_id}", p.full_name, f"N{i:05d}"),
        )
    for first in FIRST_NAMES[:20]:
        last = LAST_NAMES[len(first) % len(LAST_NAMES)]
        put("dim_randomnames", (f"{first} {last}", first, last, rng.choice(("M", "F")), "N"))
    for name, code, category, corsi, fenwick in EVENT_TYPES:
        put(
            "dim_event_type",
            (code, name, name.replace("_", " "), category, f"{name} event", corsi, fenwick),
        )
    for value, etype, sog, goal, miss, block, danger in DETAILS_1:
        put(
            "dim_event_detail",
            (
                DETAIL_1_IDS[value],
                value,
                value.replace("_", " "),
                etype,
                etype,
                "",
                sog,
                goal,
                miss,
                block,
                danger,
            ),
        )
    for row_id, (value, etype) in zip(DETAIL_2_ROW_IDS, DETAILS_2, strict=True):
        put(
            "dim_event_detail_2",
            (
                row_id,
                value,
                value.replace("_", " "),
                etype,
                etype,
                "",
                0,
                0,
                0,
                0,
                0,
                etype,
            ),
        )
    for i, (value, category, skill) in enumerate(PLAY_DETAILS, start=1):
        put("dim_play_detail", (f"PD{i:04d}", value, value, category, skill, ""))
        put("dim_play_detail_2", (f"PD2{i:04d}", value, value, category, skill, ""))
    # A sheet the loader must notice and skip.
    extra = wb.add_worksheet("dim_rinkboxcoord")
    extra.write_row(0, 0, ("box_id", "x_min", "x_max", "y_min", "y_max"))
    extra.write_row(1, 0, ("B1", -100, -25, -42.5, 42.5))
    wb.close()
