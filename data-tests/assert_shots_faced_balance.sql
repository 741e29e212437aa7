-- Invariant family "shots faced": for every goalie, SOG faced = saves + GA; and per game and side
-- (games with usable shifts), the shots on goal the goalies faced plus those at an empty net
-- equal the opponent's shots on goal. A build of some games tests those games (macro tested_games).
with goalies as (select * from {{ ref('fact_goalie_game_stats') }} where {{ tested_games() }}),

team as (select * from {{ ref('fact_team_game_stats') }} where {{ tested_games() }}),

coverage as (select game_id from {{ ref('qa_game_quality') }} where has_usable_shifts),

faced as (
    select game_id, venue, sum(shots_against) as shots_against
    from goalies
    group by game_id, venue
),

empty_net as (
    select game_id, case venue when 'home' then 'away' else 'home' end as defending_venue, count(*) as shots
    from {{ ref('fact_shots') }}
    -- An attempt whose team the export does not say counts for neither side (QA reports it).
    where is_on_goal and goalie_player_id is null and venue is not null and {{ tested_games() }}
    group by game_id, venue
)

select game_id, venue, 'goalie saves + GA <> SOG faced' as problem
from goalies
where saves + goals_against <> shots_against
union all
select t.game_id, t.venue, 'goalies faced <> opponent SOG'
from team as t
inner join coverage as c on c.game_id = t.game_id
left join faced as f on f.game_id = t.game_id and f.venue = t.venue
left join empty_net as e on e.game_id = t.game_id and e.defending_venue = t.venue
where coalesce(f.shots_against, 0) + coalesce(e.shots, 0) <> t.sog_against
