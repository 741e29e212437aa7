{{ incremental_by_game_config() }}

-- Grain: team x tracked game. Counted from events by team, never summed over skaters.
-- Games without events (templates) have no row: their numbers are unknown, not zero.
with games as (select * from {{ ref('stg_tracker__games') }} where event_count > 0 and {{ games_to_build() }}),

schedule as (select * from {{ ref('dim_schedule') }}),

events as (select * from {{ ref('fact_events') }} where {{ games_to_build() }}),

shots as (select * from {{ ref('fact_shots') }} where {{ games_to_build() }}),

penalties as (select * from {{ ref('fact_penalties') }} where {{ games_to_build() }}),

venues as (
    select g.game_id, v.venue
    from games as g
    cross join (values ('home'), ('away')) as v (venue)
),

shot_counts as (
    select
        game_id,
        venue,
        count(*) filter (where outcome = 'goal') as goals,
        count(*) filter (where is_on_goal) as sog,
        count(*) as attempts,
        count(*) filter (where is_unblocked) as unblocked
    from shots
    group by game_id, venue
),

event_counts as (
    select
        game_id,
        venue,
        count(*) filter (where event_type = 'Faceoff') as faceoffs_won,
        count(*) filter (where detail1 = 'Turnover_Giveaway') as giveaways,
        count(*) filter (where detail1 = 'Turnover_Takeaway') as takeaways
    from events
    group by game_id, venue
),

penalty_counts as (
    select game_id, venue, count(*) as penalties, coalesce(sum(pim), 0) as pim
    from penalties
    group by game_id, venue
),

by_venue as (
    select
        v.game_id,
        v.venue,
        coalesce(own.goals, 0) as goals_for,
        coalesce(opp.goals, 0) as goals_against,
        coalesce(own.sog, 0) as sog_for,
        coalesce(opp.sog, 0) as sog_against,
        coalesce(own.attempts, 0) as attempts_for,
        coalesce(opp.attempts, 0) as attempts_against,
        coalesce(own.unblocked, 0) as unblocked_for,
        coalesce(opp.unblocked, 0) as unblocked_against,
        coalesce(own_e.faceoffs_won, 0) as fo_wins,
        coalesce(opp_e.faceoffs_won, 0) as fo_losses,
        coalesce(own_e.giveaways, 0) as giveaways,
        coalesce(own_e.takeaways, 0) as takeaways,
        coalesce(p.penalties, 0) as penalties,
        coalesce(p.pim, 0) as pim
    from venues as v
    left join shot_counts as own on own.game_id = v.game_id and own.venue = v.venue
    left join shot_counts as opp on opp.game_id = v.game_id and opp.venue <> v.venue
    left join event_counts as own_e on own_e.game_id = v.game_id and own_e.venue = v.venue
    left join event_counts as opp_e on opp_e.game_id = v.game_id and opp_e.venue <> v.venue
    left join penalty_counts as p on p.game_id = v.game_id and p.venue = v.venue
),

final as (
    select
        b.game_id,
        {{ side_value('b.venue', 's.home_team_id', 's.away_team_id') }} as team_id,
        b.venue,
        b.goals_for,
        b.goals_against,
        b.sog_for,
        b.sog_against,
        b.attempts_for,
        b.attempts_against,
        round(b.attempts_for::numeric / nullif(b.attempts_for + b.attempts_against, 0), 4) as cf_pct,
        b.unblocked_for,
        b.unblocked_against,
        b.fo_wins,
        b.fo_losses,
        round(b.fo_wins::numeric / nullif(b.fo_wins + b.fo_losses, 0), 4) as fo_pct,
        b.giveaways,
        b.takeaways,
        b.penalties,
        b.pim,
        g.load_id
    from by_venue as b
    inner join games as g on g.game_id = b.game_id
    left join schedule as s on s.game_id = b.game_id
)

select * from final
