{#- Workbook cells arrive as text, written however the cell was typed: `3`, `3.0`, ` 3 `, a date
    with a time part, `Y` / `yes` / `1`. These macros turn such text into typed values and return
    null (never an error, never 0) for anything they cannot read, so one odd cell cannot stop a
    build; staging tests and QA see the nulls. -#}

{#- Blank or whitespace-only text is null. -#}
{% macro wb_text(column) -%}
    nullif(btrim({{ column }}), '')
{%- endmacro %}

{#- An identifier typed as a number reads `10001.0`: keep the digits the league wrote. -#}
{% macro wb_id(column) -%}
    nullif(regexp_replace(btrim({{ column }}), '^([0-9]+)\.0+$', '\1'), '')
{%- endmacro %}

{% macro wb_numeric(column) -%}
    case
        when btrim({{ column }}) ~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$'
            then btrim({{ column }})::numeric
    end
{%- endmacro %}

{#- Whole numbers only: `3` and `3.0` read 3, `3.5` is not a count and reads null. -#}
{% macro wb_integer(column) -%}
    case
        when btrim({{ column }}) ~ '^[+-]?[0-9]{1,9}(\.0*)?$'
            then btrim({{ column }})::numeric::integer
    end
{%- endmacro %}

{#- ISO dates with or without a time part (`2025-09-07`, `2025-09-07 00:00:00`,
    `2025-09-07T19:30`), US text dates (`9/7/2025`) and Excel serial day numbers (`45907`).
    A day the month does not have (`2025-02-30`) is null, not an error. -#}
{% macro wb_date(column) -%}
    {%- set text = 'btrim(' ~ column ~ ')' -%}
    case
        when {{ text }} ~ '^[12][0-9]{3}-(0?[1-9]|1[0-2])-(0?[1-9]|[12][0-9]|3[01])([ T].*)?$'
            then {{ wb_checked_date(
                "substring(" ~ text ~ " from '^([0-9]{4})-')",
                "substring(" ~ text ~ " from '^[0-9]{4}-([0-9]{1,2})-')",
                "substring(" ~ text ~ " from '^[0-9]{4}-[0-9]{1,2}-([0-9]{1,2})')") }}
        when {{ text }} ~ '^(0?[1-9]|1[0-2])/(0?[1-9]|[12][0-9]|3[01])/[12][0-9]{3}( .*)?$'
            then {{ wb_checked_date(
                "substring(" ~ text ~ " from '^[0-9]{1,2}/[0-9]{1,2}/([0-9]{4})')",
                "substring(" ~ text ~ " from '^([0-9]{1,2})/')",
                "substring(" ~ text ~ " from '^[0-9]{1,2}/([0-9]{1,2})/')") }}
        when {{ text }} ~ '^[0-9]{5}(\.[0-9]+)?$'
            then date '1899-12-30' + floor({{ text }}::numeric)::integer
    end
{%- endmacro %}

{#- make_date from year, month and day texts, or null when the month has no such day. -#}
{% macro wb_checked_date(year_text, month_text, day_text) -%}
    case
        when ({{ day_text }})::integer <= extract(day from (
            make_date(({{ year_text }})::integer, ({{ month_text }})::integer, 1)
            + interval '1 month' - interval '1 day'
        ))
            then make_date(({{ year_text }})::integer, ({{ month_text }})::integer, ({{ day_text }})::integer)
    end
{%- endmacro %}

{#- Clock times `19:30`, `7:30 PM`, `19:30:00`, a date-time's time part, or an Excel day
    fraction (`0.8125` = 19:30). -#}
{% macro wb_time(column) -%}
    case
        when btrim({{ column }}) ~ '^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$'
            then btrim({{ column }})::time
        when btrim({{ column }}) ~* '^(0?[1-9]|1[0-2]):[0-5][0-9](:[0-5][0-9])? ?[ap]\.?m\.?$'
            then replace(btrim({{ column }}), '.', '')::time
        when btrim({{ column }}) ~ '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T]([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?'
            then substring(btrim({{ column }}) from '[ T](([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)')::time
        when btrim({{ column }}) ~ '^0?\.[0-9]+$'
            then (interval '1 second' * round(btrim({{ column }})::numeric * 86400))::time
    end
{%- endmacro %}

{#- Y/N flags as the league types them (`Y`, `yes`, `TRUE`, `1`, `x`; `N`, `no`, `0`). -#}
{% macro wb_boolean(column) -%}
    case
        when upper(btrim({{ column }})) in ('Y', 'YES', 'TRUE', 'T', '1', '1.0', 'X') then true
        when upper(btrim({{ column }})) in ('N', 'NO', 'FALSE', 'F', '0', '0.0') then false
    end
{%- endmacro %}

{#- One row per key: the latest load wins, and within a load the sheet's lowest row (the row
    the admin added last). `relation` is a CTE with the typed key columns and the lineage. -#}
{% macro wb_latest_per_key(relation, key_columns) -%}
    {#- distinct on, not row_number() = 1: the planner estimates a filter on a window's output
        at 0.5 % of the rows (4 games of 800), and the event models then joined the schedule in
        a nested loop (885k events x 800 games: minutes). distinct on's estimate is the key's
        own distinct count. -#}
    select distinct on ({{ key_columns | join(', ') }}) *
    from {{ relation }}
    where {% for key in key_columns %}{{ key }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
    order by {{ key_columns | join(', ') }}, load_id desc, row_number desc
{%- endmacro %}
