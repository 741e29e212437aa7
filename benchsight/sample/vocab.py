"""The tracker's event vocabulary: the codes 25.0 writes beside each value and the workbook's
dim_event_type / dim_event_detail / dim_play_detail sheets, from one list so they agree."""

from __future__ import annotations

# (type, id, category, is_corsi, is_fenwick). The ids the real 25.0 tracker writes are kept.
EVENT_TYPES = (
    ("Shot", "ET0001", "Shot", 1, 1),
    ("Goal", "ET0002", "Shot", 1, 1),
    ("Pass", "ET0003", "Possession", 0, 0),
    ("Faceoff", "ET0004", "Restart", 0, 0),
    ("Turnover", "ET0005", "Possession", 0, 0),
    ("Zone_Entry_Exit", "ET0006", "Transition", 0, 0),
    ("Possession", "ET0007", "Possession", 0, 0),
    ("Save", "ET0008", "Goaltending", 0, 0),
    ("Rebound", "ET0009", "Goaltending", 0, 0),
    ("Play", "ET0010", "Play", 0, 0),
    ("Stoppage", "ET0011", "Stoppage", 0, 0),
    ("Penalty", "ET0012", "Penalty", 0, 0),
    ("LoosePuck", "ET0013", "Possession", 0, 0),
    ("GameStart", "ET0014", "Game", 0, 0),
    ("GameEnd", "ET0015", "Game", 0, 0),
    ("DeadIce", "ET0016", "Stoppage", 0, 0),
    ("Intermission", "ET0017", "Game", 0, 0),
    ("Penalty_Delayed", "ET0018", "Penalty", 0, 0),
    ("Timeout", "ET0019", "Game", 0, 0),
    ("Clockstop", "ET0020", "Game", 0, 0),
)
EVENT_TYPE_IDS = {name: code for name, code, *_ in EVENT_TYPES}

# detail1 values: (value, type, is_sog, is_goal, is_miss, is_block, danger)
DETAILS_1 = (
    ("Shot_OnNetSaved", "Shot", 1, 0, 0, 0, 1), ("Shot_DeflectedOnNetSaved", "Shot", 1, 0, 0, 0, 2),
    ("Shot_Goal", "Shot", 1, 1, 0, 0, 3), ("Shot_OnNetGoal", "Shot", 1, 1, 0, 0, 3), ("Shot_Missed", "Shot", 0, 0, 1, 0, 1),
    ("Shot_MissedPost", "Shot", 0, 0, 1, 0, 1), ("Shot_HitPost", "Shot", 0, 0, 1, 0, 2),
    ("Shot_Deflected", "Shot", 0, 0, 1, 0, 1), ("Shot_Blocked", "Shot", 0, 0, 0, 1, 0),
    ("Goal_Scored", "Goal", 1, 1, 0, 0, 3),
    ("Pass_Completed", "Pass", 0, 0, 0, 0, 0), ("Pass_Missed", "Pass", 0, 0, 0, 0, 0),
    ("Pass_Intercepted", "Pass", 0, 0, 0, 0, 0), ("Pass_Deflected", "Pass", 0, 0, 0, 0, 0),
    ("Turnover_Giveaway", "Turnover", 0, 0, 0, 0, 0), ("Turnover_Takeaway", "Turnover", 0, 0, 0, 0, 0),
    ("Zone_Entry", "Zone_Entry_Exit", 0, 0, 0, 0, 0), ("Zone_Exit", "Zone_Entry_Exit", 0, 0, 0, 0, 0),
    ("Zone_Entry_Failed", "Zone_Entry_Exit", 0, 0, 0, 0, 0), ("Zone_Exit_Failed", "Zone_Entry_Exit", 0, 0, 0, 0, 0),
    ("Zone_Keepin", "Zone_Entry_Exit", 0, 0, 0, 0, 0), ("Zone_Keepin_Failed", "Zone_Entry_Exit", 0, 0, 0, 0, 0),
    ("Possession_PuckRetrieval", "Possession", 0, 0, 0, 0, 0), ("Possession_PuckRecovery", "Possession", 0, 0, 0, 0, 0),
    ("Possession_Regroup", "Possession", 0, 0, 0, 0, 0), ("Possession_Breakaway", "Possession", 0, 0, 0, 0, 2),
    ("Save_Rebound", "Save", 0, 0, 0, 0, 0), ("Save_Freeze", "Save", 0, 0, 0, 0, 0), ("Save_Played", "Save", 0, 0, 0, 0, 0),
    ("Rebound_TeamRecovered", "Rebound", 0, 0, 0, 0, 0), ("Rebound_OppTeamRecovered", "Rebound", 0, 0, 0, 0, 1),
    ("Rebound_ShotGenerated", "Rebound", 0, 0, 0, 0, 2),
    ("Faceoff", "Faceoff", 0, 0, 0, 0, 0), ("Faceoff_GameStart", "Faceoff", 0, 0, 0, 0, 0),
    ("Faceoff_PeriodStart", "Faceoff", 0, 0, 0, 0, 0), ("Faceoff_AfterGoal", "Faceoff", 0, 0, 0, 0, 0),
    ("Faceoff_AfterPenalty", "Faceoff", 0, 0, 0, 0, 0), ("Faceoff_AfterStoppage", "Faceoff", 0, 0, 0, 0, 0),
    ("Stoppage_Play", "Stoppage", 0, 0, 0, 0, 0), ("Stoppage_PeriodEnd", "Stoppage", 0, 0, 0, 0, 0),
    ("Stoppage_GameEnd", "Stoppage", 0, 0, 0, 0, 0),
    ("Penalty_Minor", "Penalty", 0, 0, 0, 0, 0), ("Penalty_Major", "Penalty", 0, 0, 0, 0, 0),
    ("Play_Defensive", "Play", 0, 0, 0, 0, 0), ("Play_Offensive", "Play", 0, 0, 0, 0, 0),
    ("LoosePuck_Battle", "LoosePuck", 0, 0, 0, 0, 0),
)  # fmt: skip
DETAILS_2 = (
    ("Shot_Wrist", "Shot"), ("Shot_Snap", "Shot"), ("Shot_Slap", "Shot"), ("Shot_OneTime", "Shot"),
    ("Shot_Backhand", "Shot"), ("Shot_Tip", "Shot"), ("Shot_WrapAround", "Shot"), ("Shot_Poke", "Shot"),
    ("Goal_Wrist", "Goal"), ("Goal_Snap", "Goal"), ("Goal_Slap", "Goal"), ("Goal_OneTime", "Goal"),
    ("Goal_Backhand", "Goal"), ("Goal_Tip", "Goal"), ("Goal_WrapAround", "Goal"), ("Goal_Poke", "Goal"),
    ("Pass_Forehand", "Pass"), ("Pass_Backhand", "Pass"), ("Pass_Rim/Wrap", "Pass"), ("Pass_Stretch", "Pass"),
    ("Pass_Bank", "Pass"), ("Pass_Drop", "Pass"), ("Pass_Lob", "Pass"), ("Pass_OneTouch", "Pass"),
    ("Pass_ReceiverMissed", "Pass"),
    ("Giveaway_PassMissed", "Turnover"), ("Giveaway_PassIntercepted", "Turnover"), ("Giveaway_PassBlocked", "Turnover"),
    ("Giveaway_ZoneClear/Dump", "Turnover"), ("Giveaway_AttemptedZoneClear/Dump", "Turnover"),
    ("Giveaway_DumpInZone", "Turnover"), ("Giveaway_Misplayed", "Turnover"), ("Giveaway_BattleLost", "Turnover"),
    ("Giveaway_Other", "Turnover"), ("Giveaway_ShotBlocked", "Turnover"), ("Giveaway_ShotMissed", "Turnover"),
    ("Takeaway_PokeCheck", "Turnover"), ("Takeaway_BattleWon", "Turnover"), ("Play_PokeCheck", "Turnover"),
    ("ZoneExit_Carried", "Zone_Entry_Exit"), ("ZoneExit_Rush", "Zone_Entry_Exit"), ("ZoneExit_Pass", "Zone_Entry_Exit"),
    ("ZoneExit_Chip", "Zone_Entry_Exit"), ("ZoneExit_Lob", "Zone_Entry_Exit"), ("ZoneExit_Clear", "Zone_Entry_Exit"),
    ("ZoneExit_Other", "Zone_Entry_Exit"), ("ZoneExit_CausedTurnover", "Zone_Entry_Exit"),
    ("ZoneExit_OppTeam", "Zone_Entry_Exit"), ("ZoneExit_PassMiss/Misplay", "Zone_Entry_Exit"),
    ("ZoneEntry_Carried", "Zone_Entry_Exit"), ("ZoneEntry_Rush", "Zone_Entry_Exit"), ("ZoneEntry_Pass", "Zone_Entry_Exit"),
    ("ZoneEntry_DumpIn", "Zone_Entry_Exit"), ("ZoneEntry_Chip", "Zone_Entry_Exit"),
    ("ZoneEntry_PassMiss/Misplay", "Zone_Entry_Exit"), ("Zone_KeepIn", "Zone_Entry_Exit"),
    ("Save_Butterfly", "Save"), ("Save_Chest", "Save"), ("Save_Glove", "Save"), ("Save_LeftPad", "Save"),
    ("Save_RightPad", "Save"), ("Save_Stick", "Save"), ("Save_Blocker", "Save"),
    ("Stoppage_GoalieStoppage", "Stoppage"), ("Stoppage_Icing", "Stoppage"), ("Stoppage_Offsides", "Stoppage"),
    ("Stoppage_PuckOutofPlay", "Stoppage"), ("Stoppage_Goal", "Stoppage"), ("Stoppage_Penalty", "Stoppage"),
    ("Stoppage_PeriodEnd", "Stoppage"),
    ("Penalty_Tripping", "Penalty"), ("Penalty_Hooking", "Penalty"), ("Penalty_Roughing", "Penalty"),
    ("Penalty_Slashing", "Penalty"), ("Penalty_Interference", "Penalty"), ("Penalty_Holding", "Penalty"),
    ("Play_PokeCheck", "Play"), ("Play_SeperateFromPuck", "Play"), ("Play_AttemptedClear", "Play"),
    ("Play_Deke", "Play"), ("Play_DumpChase", "Play"), ("Play_Dump/RimInZone", "Play"),
)  # fmt: skip
DETAIL_1_IDS = {value: f"ED{i + 1:04d}" for i, (value, *_) in enumerate(DETAILS_1)}
DETAIL_2_ROW_IDS = tuple(f"ED{i + 101:03d}" for i in range(len(DETAILS_2)))
DETAIL_2_IDS: dict[str, str] = {}
for _row_id, (_value, _) in zip(DETAIL_2_ROW_IDS, DETAILS_2, strict=True):
    DETAIL_2_IDS.setdefault(_value, _row_id)

# Player play details (playD1 / playD2): (value, category, skill level)
PLAY_DETAILS = (
    ("AssistPrimary", "Offense", 3), ("AssistSecondary", "Offense", 3), ("AssistTertiary", "Offense", 2),
    ("Breakout", "Transition", 2), ("AttemptedBreakOutPass", "Transition", 2), ("SecondTouch", "Offense", 2),
    ("ReceiverMissed", "Offense", 1), ("StickCheck", "Defense", 2), ("PokeCheck", "Defense", 2),
    ("ManOnMan", "Defense", 2), ("InShotPassLane", "Defense", 2), ("BlockedShot", "Defense", 3),
    ("PassDeflected", "Defense", 2), ("PassIntercepted", "Defense", 3), ("LoosePuckBattleWon", "Battle", 2),
    ("LoosePuckBattleLost", "Battle", 1), ("FrontofNet", "Offense", 3), ("Screen", "Offense", 3),
    ("CrashNet", "Offense", 2), ("ZoneKeepin", "Offense", 2), ("RecoveryRetreivalPass", "Recovery", 1),
    ("RecoveryRetreivalDumpIn", "Recovery", 1), ("RecoveryRetreivalShot", "Recovery", 1),
    ("RecoveryRetreivalRebound", "Recovery", 1), ("RecoveryRetreivalTurnover", "Recovery", 1),
)  # fmt: skip
