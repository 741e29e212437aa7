{#- Run once at the end of every dbt invocation (on-run-end), in one statement, over this
    project's relations that live in the published schema or are granted to someone:
    - tables: row-level security enabled, with one read-only policy `published_read` (select,
      `using (true)`) for the API roles, so what the grants allow is readable and nothing else;
    - views: `security_invoker`, so a view reads with its caller's rights (no security-definer
      views: Supabase's advisor flags them);
    - every relation: insert, update, delete, truncate, references and trigger revoked from the
      API roles (a Supabase project whose default privileges still grant all on new tables in
      public gives them those at creation);
    - the schemas of granted relations: usage for the roles the grants name, and RLS (without a
      policy) on every other table in them but the published schema.
    The select grants themselves are dbt's own `grants` config (dbt_project.yml, switched off by
    BENCHSIGHT_PUBLISH_GRANTS=off). Policies and revokes are skipped where the roles are missing
    (a database `benchsight db migrate` has not prepared). -#}
{% macro expose_published() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relations = [] -%}
    {%- set usage = {} -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type in ('model', 'seed') and node.package_name == project_name
            and node.config.materialized != 'ephemeral' -%}
            {%- set grantees = (node.config.get('grants') or {}).get('select') or [] -%}
            {%- if node.schema == target.schema or grantees -%}
                {%- do relations.append("('" ~ node.schema ~ "', '" ~ (node.alias or node.name) ~ "')") -%}
            {%- endif -%}
            {%- for role in grantees -%}
                {%- set roles = usage.setdefault(node.schema, []) -%}
                {%- if role not in roles -%}
                    {%- do roles.append(role) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set own_schemas = [] -%}
    {%- for schema in usage if schema not in (target.schema, 'public') -%}
        {%- do own_schemas.append("'" ~ schema ~ "'") -%}
    {%- endfor -%}
    {%- if not relations -%}
        {{ return('') }}
    {%- endif -%}
    do $expose$
    declare
        rel record;
        roles_exist boolean := (select count(*) = 2 from pg_roles where rolname in ('anon', 'authenticated'));
    begin
        {%- for schema, roles in usage.items() %}
        {%- for role in roles %}
        if not has_schema_privilege('{{ role }}', '{{ schema }}', 'usage') then
            execute format('grant usage on schema %I to %I', '{{ schema }}', '{{ role }}');
        end if;
        {%- endfor %}
        {%- endfor %}
        -- Every other table in a schema of ours the API roles may use (the ML registry's beside
        -- the prediction views; not the published schema, where other tables are the user's):
        -- RLS on, no policy, so a stray grant would still show no row.
        for rel in
            select c.oid::regclass as name
            from pg_class as c
            inner join pg_namespace as n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and not c.relrowsecurity
                and n.nspname in ({{ own_schemas | join(', ') if own_schemas else 'null' }})
        loop
            execute format('alter table %s enable row level security', rel.name);
        end loop;
        for rel in
            select c.oid::regclass as name, c.relkind, c.relrowsecurity, c.reloptions
            from pg_class as c
            inner join pg_namespace as n on n.oid = c.relnamespace
            where (n.nspname, c.relname) in ({{ relations | join(', ') }})
        loop
            if rel.relkind in ('r', 'p') then
                if not rel.relrowsecurity then
                    execute format('alter table %s enable row level security', rel.name);
                end if;
                if roles_exist and not exists (
                    select from pg_policy where polrelid = rel.name and polname = 'published_read'
                ) then
                    execute format(
                        'create policy published_read on %s for select to anon, authenticated using (true)',
                        rel.name
                    );
                end if;
            elsif rel.relkind = 'v' and not coalesce('security_invoker=true' = any(rel.reloptions), false) then
                execute format('alter view %s set (security_invoker = true)', rel.name);
            end if;
            if roles_exist and (
                has_table_privilege('anon', rel.name, 'insert, update, delete, truncate, references, trigger')
                or has_table_privilege('authenticated', rel.name, 'insert, update, delete, truncate, references, trigger')
            ) then
                execute format(
                    'revoke insert, update, delete, truncate, references, trigger on %s from anon, authenticated',
                    rel.name
                );
            end if;
        end loop;
    end
    $expose$
{% endmacro %}
