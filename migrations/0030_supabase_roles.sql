-- The roles a Supabase project has, created when missing, so a local database behaves like one:
-- PostgREST logs in as `authenticator` and switches to `anon` (no JWT / the anon key) or
-- `authenticated` (a user's JWT); `service_role` bypasses RLS. Attributes as Supabase creates
-- them. On Supabase they exist already and this changes nothing. Roles are cluster-wide, so a
-- concurrent migration of another database may create one first: that is not an error.
do $$
declare
    spec record;
begin
    for spec in
        select *
        from (values
            ('anon', 'nologin noinherit'),
            ('authenticated', 'nologin noinherit'),
            ('service_role', 'nologin noinherit bypassrls'),
            ('authenticator', 'login noinherit')
        ) as s (name, attributes)
    loop
        if not exists (select from pg_roles where rolname = spec.name) then
            begin
                execute format('create role %I %s', spec.name, spec.attributes);
            exception when duplicate_object or unique_violation then
                null;
            end;
        end if;
    end loop;
    -- authenticator may become each API role (Supabase grants exactly these three).
    for spec in select unnest(array['anon', 'authenticated', 'service_role']) as name loop
        if not exists (
            select
            from pg_auth_members m
            where m.roleid = spec.name::regrole and m.member = 'authenticator'::regrole
        ) then
            begin
                execute format('grant %I to authenticator', spec.name);
            exception when insufficient_privilege then
                raise notice 'cannot grant % to authenticator: %', spec.name, sqlerrm;
            end;
        end if;
    end loop;
end
$$;

-- Nothing of BenchSight's own schemas is reachable through the Data API: raw (loader output),
-- ops (runs, logs, API key hashes) and ml (the registry; its published prediction views get
-- their own grants where they are built). The published marts' grants come from dbt
-- (dbt_project.yml `+grants`) and RLS from the on-run-end macro `expose_published`.
revoke all on schema raw, ops, ml from public, anon, authenticated;
