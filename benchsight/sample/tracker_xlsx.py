"""`{game_id}_tracking.xlsx`: the tracker's own Excel export, in its two real layouts.

- v29, the reduced export: 44 event columns, 25 shift columns, no team column (the event team
  must be derived from the roles and the players' sides).
- v28, the full export: 90 event columns (the `_`-suffixed input-hint columns, codes, running
  times, `Type`, `team_` h/a) and 66 shift columns (strength, EN, PP/PK, score and zone-start
  columns as the tracker computes them: untrusted).

Both are LONG: one events row per (event, player); an event without players is one row with
blank player cells. Events are numbered from 1000 (`event_index = 1000 + idx`). Coordinates are
rink-centred.
"""

from __future__ import annotations

from benchsight.sample import xlsx_stream
from benchsight.sample.writers import (
    ROLES_238,
    VIDEO_TIME_TYPES,
    GameDocument,
    clock,
    event_clock,
    iso,
    strength,
)

INDEX_BASE = 1000
ZONE_NAMES = {"o": "Offensive", "d": "Defensive", "n": "Neutral"}
SLOT_ORDER = ("F1", "F2", "F3", "D1", "D2", "G", "X")
PIM = {"Penalty_Minor": 3, "Penalty_Major": 6}
METADATA_COLUMNS = (
    "game_id", "home_team", "away_team", "period_length_minutes", "home_attacks_right_p1",
    "export_timestamp", "tracker_version", "total_videos",
)  # fmt: skip
SLOT_COLUMNS = tuple(
    f"{side}_{name}"
    for side in ("home", "away")
    for name in ("forward_1", "forward_2", "forward_3", "defense_1", "defense_2", "goalie", "xtra")
)
V29_EVENT_COLUMNS = (
    "event_index", "tracking_event_index", "period", "game_id", "home_team", "away_team",
    "event_start_min", "event_start_sec", "event_end_min", "event_end_sec", "event_type",
    "event_detail", "event_detail_2", "event_successful", "event_team_zone", "player_game_number",
    "player_role", "player_name", "play_detail1", "play_detail_2", "play_detail_successful",
    "pressured_pressurer", "side_of_puck", "role_abrev_binary", "linked_event_index",
    "sequence_index", "play_index", "assist_to_goal_index", "assist_primary_event_index",
    "assist_secondary_event_index", "puck_x_start", "puck_y_start", "puck_x_stop", "puck_y_stop",
    "net_x", "net_y", "player_x_start", "player_y_start", "player_x_stop", "player_y_stop",
    "strength", "is_highlight", "video_url", "pim",
)  # fmt: skip
V29_SHIFT_COLUMNS = (
    "shift_index", "Period", "game_id", "home_team", "away_team", "shift_start_min",
    "shift_start_sec", "shift_end_min", "shift_end_sec", "shift_start_type", "shift_stop_type",
    *SLOT_COLUMNS,
)  # fmt: skip
V28_EVENT_COLUMNS = (
    "event_index_flag_", "sequence_index_flag_", "play_index_flag_", "linked_event_index_flag_",
    "assist_to_goal_index_flag_", "assist_primary_event_index_flag_",
    "assist_secondary_event_index_flag_", "event_start_min_", "event_start_sec_", "event_end_min_",
    "event_end_sec_", "event_team_zone_", "event_type_", "event_detail_", "event_detail_2_",
    "event_successful_", "team_", "period", "event_index", "tracking_event_index",
    "linked_event_index", "assist_to_goal_index", "assist_primary_event_index",
    "assist_secondary_event_index", "game_id", "home_team", "away_team", "strength",
    "event_team_zone", "event_start_min", "event_start_sec", "event_end_min", "event_end_sec",
    "event_type_code", "event_type_id", "event_detail_code", "event_detail_id",
    "event_detail_2_code", "event_detail_2_id", "event_detail", "event_detail_2",
    "event_successful", "time_start_total_seconds", "time_end_total_seconds", "duration",
    "period_start_total_running_seconds", "running_video_time", "event_running_start",
    "event_running_end", "running_intermission_duration", "zone_change_index", "shift_index",
    "is_highlight", "video_url", "Type", "pim", "player_game_number_", "player_game_number",
    "role_abrev", "role_abrev_binary_", "player_role", "player_name", "play_detail1_",
    "play_detail2_", "play_detail_successful_", "pressured_pressurer_", "side_of_puck_",
    "play_detail1", "play_detail_2", "play_detail_successful", "pressured_pressurer",
    "side_of_puck", "puck_x_start", "puck_y_start", "puck_x_start_adjusted",
    "puck_y_start_adjusted", "puck_x_stop", "puck_y_stop", "puck_x_stop_adjusted",
    "puck_y_stop_adjusted", "is_xy_adjusted", "needs_xy_adjustment",
)  # fmt: skip
V28_SHIFT_COLUMNS = (
    "shift_index", "Period", "shift_start_min", "shift_start_sec", "shift_end_min",
    "shift_end_sec", "shift_start_type", "shift_stop_type", "shift_duration", "stoppage_time",
    *SLOT_COLUMNS, "game_id", "home_team", "away_team", "strength", "shift_start_total_seconds",
    "shift_end_total_seconds", "home_team_strength", "away_team_strength", "home_team_en",
    "away_team_en", "home_team_pk", "home_team_pp", "away_team_pp", "away_team_pk", "situation",
    "home_goals", "away_goals", "home_team_plus", "home_team_minus", "away_team_plus",
    "away_team_minus", "home_ozone_start", "home_ozone_end", "home_dzone_start", "home_dzone_end",
    "home_nzone_start", "home_nzone_end", "away_ozone_start", "away_ozone_end",
    "away_dzone_start", "away_dzone_end", "away_nzone_start", "away_nzone_end",
    "period_start_total_running_seconds", "running_video_time", "shift_start_running_time",
    "shift_end_running_time", "puck_start_x", "puck_start_y", "puck_end_x", "puck_end_y",
    "needs_xy_adjustment",
)  # fmt: skip
CENTRE_START_TYPES = {"GameStart", "PeriodStart", "FaceoffAfterGoal"}


def split_clock(text: str) -> tuple[str, str]:
    if not text:
        return "", ""
    minutes, _, seconds = text.partition(":")
    return minutes, seconds


def write_xlsx(doc: GameDocument, path, variant: str = "v29") -> None:
    """Write the game's Excel export in the `variant` layout (v28 full or v29 reduced)."""
    version = "v25.0" if variant == "v28" else "v29.0"
    metadata = [
        METADATA_COLUMNS,
        (doc.game_id, doc.home, doc.away, 18, 1 if doc.sim.home_attacks_right_p1 else 0,
         iso(doc.exported), version, 0),
    ]  # fmt: skip
    if variant == "v28":
        sheets = [
            ("metadata", metadata),
            ("events", _v28_events(doc)),
            ("shifts", _v28_shifts(doc)),
        ]
    else:
        sheets = [
            ("metadata", metadata),
            ("events", _v29_events(doc)),
            ("shifts", _v29_shifts(doc)),
        ]
    xlsx_stream.write_workbook(path, sheets)


def _assist_links(doc: GameDocument) -> dict[int, dict[str, int]]:
    """Goal idx -> the idx of its AssistPrimary / AssistSecondary events."""
    links: dict[int, dict[str, int]] = {}
    for ev in doc.events:
        if ev.assist_goal is not None and ev.players:
            key = "primary" if ev.players[0].d1 == "AssistPrimary" else "secondary"
            links.setdefault(ev.assist_goal, {})[key] = ev.idx
    return links


def _v29_events(doc: GameDocument):
    yield V29_EVENT_COLUMNS
    col = {name: i for i, name in enumerate(V29_EVENT_COLUMNS)}
    assists = _assist_links(doc)
    for ev in doc.events:
        length = doc.length(ev.period)
        base: list = [""] * len(V29_EVENT_COLUMNS)
        index = INDEX_BASE + ev.idx
        sm, ss = split_clock(event_clock(ev, length, ev.start))
        em, es = split_clock(event_clock(ev, length, ev.end))
        base[0:15] = [index, index, ev.period, doc.game_id, doc.home, doc.away, sm, ss, em, es, ev.type,
                      ev.d1, doc.detail2(ev.d2), ev.success or "", ZONE_NAMES.get(ev.zone, "")]  # fmt: skip
        if ev.linked is not None:
            base[col["linked_event_index"]] = INDEX_BASE + ev.linked
        if ev.assist_goal is not None:
            base[col["assist_to_goal_index"]] = INDEX_BASE + ev.assist_goal
        for key, idx in assists.get(ev.idx, {}).items():
            base[col[f"assist_{key}_event_index"]] = INDEX_BASE + idx
        if ev.puck:
            (x1, y1), (x2, y2) = ev.puck[0], ev.puck[-1]
            base[col["puck_x_start"] : col["puck_y_stop"] + 1] = [
                round(x1, 2),
                round(y1, 2),
                round(x2, 2),
                round(y2, 2),
            ]
        base[col["strength"]] = "5v5"
        base[col["is_highlight"]] = 1 if ev.highlight else 0
        if ev.type == "Penalty":
            base[col["pim"]] = PIM.get(ev.d1, "")
        if not ev.players:
            yield base
            continue
        for p in ev.players:
            row = list(base)
            row[15:24] = [int(p.jersey), ROLES_238[p.kind, p.n], p.player.full_name, p.d1, p.d2, p.success,
                          p.pressure, p.side_of_puck, "e" if p.kind == "event" else "o"]  # fmt: skip
            if p.xy:
                x, y = round(p.xy[0][0], 2), round(p.xy[0][1], 2)
                row[col["player_x_start"] : col["player_y_stop"] + 1] = [x, y, x, y]
            yield row


def _jerseys(doc: GameDocument) -> dict[str, dict[str, int]]:
    return {
        side: {e.player.player_id: int(e.jersey) for e in doc.sim.rosters[side]}
        for side in ("home", "away")
    }


def _slot_numbers(doc: GameDocument, jerseys, shift) -> list:
    return [
        jerseys[side][p.player_id] if p is not None else ""
        for side, slots in (("home", shift.home), ("away", shift.away))
        for p in (slots[s] for s in SLOT_ORDER)
    ]


def _v29_shifts(doc: GameDocument):
    yield V29_SHIFT_COLUMNS
    jerseys = _jerseys(doc)
    for i, shift in enumerate(doc.shifts, 1):
        length = doc.length(shift.period)
        sm, ss = split_clock(clock(length, shift.start))
        em, es = split_clock(clock(length, shift.end))
        head = [
            i,
            shift.period,
            doc.game_id,
            doc.home,
            doc.away,
            sm,
            ss,
            em,
            es,
            shift.start_type,
            shift.stop_type,
        ]
        yield head + _slot_numbers(doc, jerseys, shift)


def _period_offsets(doc: GameDocument) -> dict[int, int]:
    offsets, total = {}, 0
    for period in sorted(doc.sim.period_lengths):
        offsets[period] = total
        total += doc.sim.period_lengths[period]
    return offsets


def _v28_events(doc: GameDocument):
    yield V28_EVENT_COLUMNS
    col = {name: i for i, name in enumerate(V28_EVENT_COLUMNS)}
    assists = _assist_links(doc)
    offsets = _period_offsets(doc)
    zone_changes = 0
    last_zone = None
    for ev in doc.events:
        length = doc.length(ev.period)
        index = INDEX_BASE + ev.idx
        start_text, end_text = event_clock(ev, length, ev.start), event_clock(ev, length, ev.end)
        sm, ss = split_clock(start_text)
        em, es = split_clock(end_text)
        if ev.zone != last_zone:
            zone_changes += 1
            last_zone = ev.zone
        d2 = doc.detail2(ev.d2)
        base: list = [""] * len(V28_EVENT_COLUMNS)
        base[0:17] = [ev.idx + 1, "", "", ev.linked + 1 if ev.linked is not None else "",
                      ev.assist_goal + 1 if ev.assist_goal is not None else "", "", "", sm, ss, em, es,
                      ev.zone, ev.type, ev.d1, d2, ev.success or "", "h" if ev.team == "home" else "a"]  # fmt: skip
        base[col["period"] : col["event_successful"] + 1] = [
            ev.period, index, index,
            INDEX_BASE + ev.linked if ev.linked is not None else "",
            INDEX_BASE + ev.assist_goal if ev.assist_goal is not None else "", "", "",
            doc.game_id, doc.home, doc.away, "5v5", ZONE_NAMES.get(ev.zone, ""), sm, ss, em, es,
            ev.type, "", ev.d1, "", d2, "", ev.d1, d2, ev.success or "",
        ]  # fmt: skip
        for key, idx in assists.get(ev.idx, {}).items():
            base[col[f"assist_{key}_event_index_flag_"]] = idx + 1
            base[col[f"assist_{key}_event_index"]] = INDEX_BASE + idx
        if (
            isinstance(ev.start, int)
            and isinstance(ev.end, int)
            and ev.type not in VIDEO_TIME_TYPES
        ):
            start_s, end_s = offsets[ev.period] + ev.start, offsets[ev.period] + ev.end
            base[col["time_start_total_seconds"] : col["running_intermission_duration"] + 1] = [
                start_s, end_s, end_s - start_s, offsets[ev.period], start_s, start_s, end_s, 0,
            ]  # fmt: skip
        base[col["zone_change_index"]] = zone_changes
        base[col["is_highlight"]] = 1 if ev.highlight else 0
        base[col["Type"]] = ev.type
        if ev.type == "Penalty":
            base[col["pim"]] = PIM.get(ev.d1, "")
        if ev.puck:
            (x1, y1), (x2, y2) = ev.puck[0], ev.puck[-1]
            flip = -1 if not doc.attacks_right(ev.team, ev.period) else 1
            base[col["puck_x_start"] : col["needs_xy_adjustment"] + 1] = [
                round(x1, 2), round(y1, 2), round(flip * x1, 2), round(flip * y1, 2),
                round(x2, 2), round(y2, 2), round(flip * x2, 2), round(flip * y2, 2),
                1 if flip < 0 else 0, 0,
            ]  # fmt: skip
        if not ev.players:
            yield base
            continue
        for p in ev.players:
            row = list(base)
            kind = "e" if p.kind == "event" else "o"
            row[col["player_game_number_"] : col["side_of_puck"] + 1] = [
                int(p.jersey), int(p.jersey), f"{kind}{p.n}", kind, ROLES_238[p.kind, p.n], p.player.full_name,
                p.d1, p.d2, p.success, p.pressure, p.side_of_puck,
                p.d1, p.d2, p.success, p.pressure, p.side_of_puck,
            ]  # fmt: skip
            yield row


def _v28_shifts(doc: GameDocument):
    yield V28_SHIFT_COLUMNS
    jerseys = _jerseys(doc)
    offsets = _period_offsets(doc)
    goals = sorted((offsets[g.period] + g.t, g.team) for g in doc.sim.goals)
    for i, shift in enumerate(doc.shifts, 1):
        if shift.end is None:
            yield [
                i,
                shift.period,
                "",
                "",
                "",
                "",
                shift.start_type,
                "",
                "",
                "",
                *[""] * 14,
                doc.game_id,
                doc.home,
                doc.away,
            ]
            continue
        length = doc.length(shift.period)
        sm, ss = split_clock(clock(length, shift.start))
        em, es = split_clock(clock(length, shift.end))
        start_s = offsets[shift.period] + shift.start
        end_s = offsets[shift.period] + shift.end
        skaters = {
            side: sum(1 for s, p in slots.items() if p is not None and s != "G")
            for side, slots in (("home", shift.home), ("away", shift.away))
        }
        empty = {
            side: int(slots["G"] is None)
            for side, slots in (("home", shift.home), ("away", shift.away))
        }
        home_pp = int(skaters["home"] > skaters["away"])
        away_pp = int(skaters["away"] > skaters["home"])
        score = {
            side: sum(1 for t, team in goals if t <= start_s and team == side)
            for side in ("home", "away")
        }
        scored = {
            side: sum(1 for t, team in goals if start_s < t <= end_s and team == side)
            for side in ("home", "away")
        }
        centre = int(shift.start_type in CENTRE_START_TYPES)
        zones = [0, 0, 0, 0, centre, 0] * 2
        yield [
            i, shift.period, sm, ss, em, es, shift.start_type, shift.stop_type, round(shift.end - shift.start),
            shift.stoppage, *_slot_numbers(doc, jerseys, shift), doc.game_id, doc.home, doc.away, strength(shift),
            start_s, end_s, skaters["home"], skaters["away"], empty["home"], empty["away"], away_pp, home_pp,
            away_pp, home_pp, "even" if not (home_pp or away_pp) else "powerplay", score["home"], score["away"],
            scored["home"], scored["away"], scored["away"], scored["home"], *zones, offsets[shift.period], start_s,
            start_s, end_s, "", "", "", "", "",
        ]  # fmt: skip
