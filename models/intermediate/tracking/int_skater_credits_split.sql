-- Grain: individual credit (a shot attempt's shooter, a block, a counted assist), one row each,
-- with the period and the situation group of the credited player's side at the event (from the
-- shift row the event matched; null without usable shifts). What the period and situation splits
-- of the individual counts add up.
with shots as (select * from {{ ref('int_shots_classified') }} where {{ games_to_build() }}),

assists as (select * from {{ ref('int_assists_linked') }} where is_counted and {{ games_to_build() }}),

sides as (select * from {{ ref('int_shift_sides_counted') }} where {{ games_to_build() }}),

credits as (
    select
        game_id, shift_id, period, venue, shooter_player_id as player_id,
        (outcome = 'goal')::integer as goals,
        0 as a1,
        0 as a2,
        is_on_goal::integer as sog,
        1 as attempts,
        0 as blocks
    from shots
    where shooter_player_id is not null
    union all
    select
        game_id, shift_id, period, case when venue = 'home' then 'away' else 'home' end, blocker_player_id,
        0, 0, 0, 0, 0, 1
    from shots
    where blocker_player_id is not null
    union all
    select
        s.game_id, s.shift_id, s.period, s.venue, a.player_id,
        0,
        (a.assist_kind = 'A1')::integer,
        (a.assist_kind = 'A2')::integer,
        0, 0, 0
    from assists as a
    inner join shots as s on s.shot_id = a.goal_id
    where a.player_id is not null
),

final as (
    select
        c.game_id,
        c.player_id,
        c.period,
        sd.situation_group,
        c.goals,
        c.a1,
        c.a2,
        c.sog,
        c.attempts,
        c.blocks
    from credits as c
    left join sides as sd on sd.shift_id = c.shift_id and sd.venue = c.venue
)

select * from final
