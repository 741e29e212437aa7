"""The league behind the sample: teams, players, seasons and a schedule, all derived from one seed.

Nothing here depends on the clock: dates start from a fixed season start, so the same seed always
gives the same league.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

FIRST_NAMES = (
    "Alex", "Bailey", "Blake", "Cameron", "Casey", "Dakota", "Drew", "Elliot", "Emery", "Finley",
    "Frankie", "Gray", "Harper", "Hayden", "Jamie", "Jesse", "Kai", "Lane", "Logan", "Marley",
    "Morgan", "Nico", "Noel", "Parker", "Peyton", "Quinn", "Reese", "Riley", "Rowan", "Sage",
    "Sawyer", "Skyler", "Tatum", "Taylor", "Val", "Zion", "Avery", "Jordan", "Rory", "Shay",
)  # fmt: skip
LAST_NAMES = (
    "Barnes", "Carver", "Dalton", "Ellis", "Fairchild", "Foster", "Gentry", "Hale", "Holloway",
    "Ingram", "Iverson", "Keller", "Kessler", "Lindqvist", "Maddox", "Mercer", "Nash", "Osborne",
    "Prescott", "Pruitt", "Quarles", "Ramsey", "Sinclair", "Sutter", "Thorne", "Tremblay",
    "Underhill", "Upton", "Vance", "Voss", "Whitlock", "Winslow", "Yates", "Abbott", "Brennan",
    "Calloway", "Doyle", "Everett", "Fletcher", "Galloway",
)  # fmt: skip
TEAMS = (
    ("Platinum", "#919294"), ("Velodrome", "#9C47E4"), ("Nelson", "#1F6F3F"),
    ("Ace", "#CA0527"), ("HollowBrook", "#4D2640"), ("OS Offices", "#F28C28"),
    ("Ironside", "#2B3A55"), ("Northgate", "#00838F"), ("Lakeshore", "#1565C0"),
    ("Copperline", "#B87333"), ("Summit", "#5D4037"), ("Riverton", "#2E7D32"),
    ("Blackpine", "#212121"), ("Harbor", "#0277BD"), ("Kingsway", "#6A1B9A"),
    ("Redwood", "#8E2418"),
)  # fmt: skip

FIRST_GAME_ID = 30001
CURRENT_SEASON_START = dt.date(2025, 9, 7)
GAME_TIMES = ("19:00", "20:15", "21:30", "22:45")
PERIOD_MINUTES = 18
OT_MINUTES = 5

FORWARDS_PER_TEAM = 9
DEFENCE_PER_TEAM = 5
UNTRACKED_SHARE = 0.2  # past games with an official score but no tracker file, per tracked game
FORMAT_WEIGHTS = (("json23.8", 0.75), ("json25.0", 0.15), ("xlsx", 0.1))
FLAW_KINDS = (
    "blank_clock",
    "fractional_clock",
    "seconds_missing_clock",
    "unknown_jersey",
    "duplicate_player",
    "extra_assist_flag",
    "missing_goal",
    "no_shifts",
    "partial_game",
    "empty_template",
)
OLDER_EXPORT_SHARE = 0.1
# Each team's true strength: a normal draw (mean 0, this sd) from its own derived seed. It tilts
# tracked play (the shot share of an attacking-zone action, game.STRENGTH_SHOT_SHARE per unit of
# strength difference) and untracked scores (goals per period Poisson(0.95 * exp(difference)));
# truth.json `team_strengths` holds the values, the target of the team ratings (benchsight/ml).
TEAM_STRENGTH_SD = 0.3
NEIGHBOUR_FILE_SHARE = 0.15


def derive_seed(seed: int, *parts: object) -> int:
    """A stable 63-bit seed for one part of the sample, independent of every other part."""
    text = ":".join(str(part) for part in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


@dataclass(slots=True, eq=False)  # players are compared by identity
class Player:
    player_id: str
    first_name: str
    last_name: str
    position: str  # F / D / G
    rating: int  # 2-6, the league's skill rating
    birth_year: int
    gender: str
    full_name: str = field(init=False)

    def __post_init__(self) -> None:
        self.full_name = f"{self.first_name} {self.last_name}".strip()


@dataclass(slots=True)
class Team:
    team_id: str
    name: str
    color: str
    code: str
    players: list[Player]
    jerseys: dict[str, str]  # player_id -> jersey number (text, as the tracker keeps it)
    strength: float = 0.0  # the true strength (TEAM_STRENGTH_SD); 0 for an even team


@dataclass(slots=True)
class Season:
    season_id: str
    season: int  # e.g. 20252026
    session: str
    start_date: dt.date

    @property
    def display(self) -> str:
        first = str(self.season)[:4]
        return f"{first}-{str(self.season)[4:]} {'Fall' if self.session == 'F' else 'Winter'}"


@dataclass(slots=True)
class RosterEntry:
    player: Player
    jersey: str
    sub: bool = False


@dataclass(slots=True)
class ScheduledGame:
    game_id: int
    season: Season
    date: dt.date
    time: str
    home: Team
    away: Team
    status: str  # tracked / untracked / upcoming
    seed: int
    fmt: str | None = None  # json23.8 / json25.0 / xlsx for tracked games
    xlsx_layout: str | None = None  # v28 (full export) / v29 (reduced export) for xlsx games
    flaw: str | None = None
    older_export: bool = False
    neighbour_file: bool = False
    postponed: bool = False  # an upcoming game the schedule marks PPD


@dataclass(slots=True)
class League:
    league_id: str
    name: str
    seed: int
    seasons: list[Season]
    teams: list[Team]
    subs: list[Player]
    games: list[ScheduledGame] = field(default_factory=list)

    @property
    def players(self) -> list[Player]:
        return [p for team in self.teams for p in team.players] + self.subs

    def tracked_games(self) -> list[ScheduledGame]:
        return [g for g in self.games if g.status == "tracked"]


def _make_player(rng: random.Random, number: int, position: str) -> Player:
    return Player(
        player_id=f"P{100000 + number}",
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        position=position,
        rating=rng.choice((2, 3, 3, 4, 4, 4, 5, 5, 6)),
        birth_year=rng.randint(1968, 2003),
        gender=rng.choice(("M", "M", "M", "F")),
    )


def _make_teams(rng: random.Random, n_teams: int) -> tuple[list[Team], list[Player]]:
    counter = 0
    teams = []
    # Jerseys come from one shuffled league-wide pool, so two teams share a number only once the
    # pool runs out (real games show at most one shared number).
    pool = rng.sample(range(2, 99), 97)
    for i in range(n_teams):
        name, color = TEAMS[i % len(TEAMS)]
        if i >= len(TEAMS):
            name = f"{name} {i // len(TEAMS) + 1}"
        players = []
        for position, count in (("F", FORWARDS_PER_TEAM), ("D", DEFENCE_PER_TEAM), ("G", 1)):
            for _ in range(count):
                counter += 1
                players.append(_make_player(rng, counter, position))
        numbers = [pool[(len(players) * i + k) % len(pool)] for k in range(len(players))]
        jerseys = {p.player_id: str(n) for p, n in zip(players, numbers, strict=True)}
        code = "".join(ch for ch in name.upper() if ch.isalpha())[:3]
        teams.append(Team(f"N{10001 + i}", name, color, code, players, jerseys))
    subs = []
    for position in ("F", "F", "F", "D", "D", "G"):
        counter += 1
        subs.append(_make_player(rng, counter, position))
    return teams, subs


def _round_robin(team_count: int) -> list[list[tuple[int, int]]]:
    """Circle-method double round robin: rounds of (home, away) team indexes."""
    idx = list(range(team_count)) + ([None] if team_count % 2 else [])
    n = len(idx)
    rounds = []
    for r in range(n - 1):
        pairs = []
        for i in range(n // 2):
            a, b = idx[i], idx[n - 1 - i]
            if a is not None and b is not None:
                pairs.append((a, b) if r % 2 == 0 else (b, a))
        rounds.append(pairs)
        idx = [idx[0], idx[-1], *idx[1:-1]]
    return rounds + [[(b, a) for a, b in pairs] for pairs in rounds]


def _seasons(count: int) -> list[Season]:
    """`count` seasons ending with the current one, two sessions (fall, winter) a year."""
    seasons = []
    for back in range(count - 1, -1, -1):
        year = 2025 - (back + 1) // 2
        session = "F" if back % 2 == 0 else "W"
        start = dt.date(year, 9, 7) if session == "F" else dt.date(year + 1, 1, 11)
        # Seasons start on a Sunday like the real league's.
        start += dt.timedelta(days=(6 - start.weekday()) % 7)
        season = int(f"{year}{year + 1}")
        seasons.append(Season(f"N{season}{session}", season, session, start))
    return seasons


def build_league(teams: int = 8, games: int = 40, seed: int = 7, flaws: float = 0.05) -> League:
    """The league, seasons and schedule with exactly `games` tracked games.

    Every past game has an official score; about one in six is untracked (official score only);
    the last two rounds of the current season are upcoming.
    """
    if teams < 2:
        raise ValueError("a league needs at least 2 teams")
    if games < 1:
        raise ValueError("at least 1 tracked game")
    rng = random.Random(derive_seed(seed, "league"))
    team_list, subs = _make_teams(rng, teams)
    for team in team_list:
        draw = random.Random(derive_seed(seed, "strength", team.team_id)).gauss(
            0.0, TEAM_STRENGTH_SD
        )
        team.strength = round(draw, 3)
    rounds = _round_robin(teams)
    per_season = sum(len(r) for r in rounds)
    upcoming_rounds = 2 if len(rounds) > 4 else 1
    upcoming = sum(len(r) for r in rounds[-upcoming_rounds:])
    needed_past = games + max(1, round(games * UNTRACKED_SHARE))
    season_count = 1
    while season_count * per_season - upcoming < needed_past:
        season_count += 1
    seasons = _seasons(season_count)
    league = League("N", "NORAD", seed, seasons, team_list, subs)

    game_id = FIRST_GAME_ID
    for s_index, season in enumerate(seasons):
        last = s_index == len(seasons) - 1
        for r_index, pairs in enumerate(rounds):
            date = season.start_date + dt.timedelta(weeks=r_index)
            for slot, (h, a) in enumerate(pairs):
                status = "upcoming" if last and r_index >= len(rounds) - upcoming_rounds else "past"
                league.games.append(
                    ScheduledGame(
                        game_id=game_id,
                        season=season,
                        date=date,
                        time=GAME_TIMES[slot % len(GAME_TIMES)],
                        home=team_list[h],
                        away=team_list[a],
                        status=status,
                        seed=derive_seed(seed, "game", game_id),
                    )
                )
                game_id += 1

    next(g for g in league.games if g.status == "upcoming").postponed = True
    past = [g for g in league.games if g.status == "past"]
    chosen = set(rng.sample(range(len(past)), games))
    tracked = []
    for i, game in enumerate(past):
        game.status = "tracked" if i in chosen else "untracked"
        if i in chosen:
            tracked.append(game)
    _assign_formats(rng, tracked)
    _assign_flaws(rng, tracked, flaws)
    for i, game in enumerate(tracked):
        game.older_export = game.fmt != "xlsx" and rng.random() < OLDER_EXPORT_SHARE
        game.neighbour_file = i > 0 and rng.random() < NEIGHBOUR_FILE_SHARE
    # Even a small league shows the mess: the second game's folder has an older export of
    # itself and the first game's file.
    if len(tracked) > 1:
        tracked[1].older_export = tracked[1].neighbour_file = True
    return league


def _assign_formats(rng: random.Random, tracked: list[ScheduledGame]) -> None:
    names = [name for name, _ in FORMAT_WEIGHTS]
    weights = [w for _, w in FORMAT_WEIGHTS]
    for i, game in enumerate(tracked):
        # Small leagues still show every format: the second game is 25.0, the third and fourth
        # xlsx (one of each Excel layout).
        if i == 1:
            game.fmt = "json25.0"
        elif i in (2, 3):
            game.fmt = "xlsx"
        else:
            game.fmt = rng.choices(names, weights)[0]
    xlsx_games = [g for g in tracked if g.fmt == "xlsx"]
    for i, game in enumerate(xlsx_games):
        game.xlsx_layout = "v29" if i % 2 == 0 else "v28"


def _assign_flaws(rng: random.Random, tracked: list[ScheduledGame], rate: float) -> None:
    """Spread flaw kinds over `rate` of the tracked games, every kind before any repeats.

    Flawed games are written as tracker JSON 23.8, the format the real flawed files have.
    """
    if rate <= 0:
        return
    count = min(len(tracked), round(rate * len(tracked)))
    kinds = list(FLAW_KINDS)
    rng.shuffle(kinds)
    # Keep the first four games clean so every format appears in even the smallest league.
    candidates = tracked[4:] if len(tracked) > 4 + count else tracked
    for i, game in enumerate(rng.sample(candidates, min(count, len(candidates)))):
        game.flaw = kinds[i % len(kinds)]
        game.fmt = "json23.8"
        game.xlsx_layout = None


def game_rosters(
    game: ScheduledGame, league: League, rng: random.Random
) -> dict[str, list[RosterEntry]]:
    """Both teams' game rosters; a spare can sub for one side only."""
    home = game_roster(game.home, league, rng, taken=set())
    away = game_roster(game.away, league, rng, taken={e.player.player_id for e in home})
    return {"home": home, "away": away}


def game_roster(
    team: Team, league: League, rng: random.Random, taken: set[str]
) -> list[RosterEntry]:
    """Who dressed for one game: most of the team, sometimes a sub from the spare pool."""
    forwards = [p for p in team.players if p.position == "F"]
    defence = [p for p in team.players if p.position == "D"]
    goalie = next(p for p in team.players if p.position == "G")
    absent_f = rng.choice((0, 0, 1, 1, 2))
    absent_d = rng.choice((0, 0, 0, 1))
    dressed = rng.sample(forwards, len(forwards) - absent_f)
    dressed += rng.sample(defence, len(defence) - absent_d)
    entries = [RosterEntry(p, team.jerseys[p.player_id]) for p in [*dressed, goalie]]
    if rng.random() < 0.15:
        used = {e.jersey for e in entries} | set(team.jerseys.values())
        sub = rng.choice([p for p in league.subs if p.position != "G" and p.player_id not in taken])
        jersey = str(rng.choice([n for n in range(2, 99) if str(n) not in used]))
        entries.append(RosterEntry(sub, jersey, sub=True))
    return sorted(entries, key=lambda e: int(e.jersey))
