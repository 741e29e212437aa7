"""`benchsight doctor`: what Supabase's security advisor would say about this database, plus ours.

Every check is one query against the catalog (or ops), and every finding says what to run to fix
it. Levels: `error` (something reachable that should not be, or the project is not set up: the
command exits 1), `warn` (a weakness or a stopped part), `info` (worth knowing).

"Exposed" means what the Data API can reach: the published schema and every schema `anon` or
`authenticated` may use (Supabase's own schemas aside).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from benchsight.db import PROCRASTINATE_SCHEMA, discover_migrations

API_ROLES = ("anon", "authenticated")
SUPABASE_ROLES = ("anon", "authenticated", "service_role", "authenticator")
# Schemas whose contents the Data API must never reach.
PRIVATE_SCHEMAS = ("raw", "ops", PROCRASTINATE_SCHEMA, "staging", "intermediate")
# Published-looking relations that hold personal data and stay with the owner.
NOT_PUBLISHED = ("fact_registration",)
PUBLISHED_PREFIXES = ("dim_", "fact_", "qa_", "v_")
# Supabase manages these; their exposure is its business, not the advisor's findings about ours.
SUPABASE_SCHEMAS = (
    "auth",
    "storage",
    "realtime",
    "_realtime",
    "graphql",
    "graphql_public",
    "extensions",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "supabase_functions",
    "supabase_migrations",
    "net",
    "cron",
    "pgbouncer",
    "_analytics",
    "information_schema",
    "pg_catalog",
    "pg_toast",
)
WRITES = ("insert", "update", "delete", "truncate", "references", "trigger")


@dataclass(frozen=True)
class Finding:
    level: str  # error | warn | info
    check: str
    subject: str
    message: str
    fix: str

    def line(self) -> str:
        return f"{self.level.upper():5} {self.check}: {self.subject}: {self.message}\n      fix: {self.fix}"

    def as_dict(self) -> dict:
        return asdict(self)


def diagnose(conn, published_schema: str, publish_grants: bool = True) -> list[Finding]:
    """Every finding for the database behind `conn` (a psycopg connection of the owner)."""
    findings: list[Finding] = []
    roles = {
        r[0]
        for r in conn.execute(
            "select rolname from pg_roles where rolname = any(%s)", [list(SUPABASE_ROLES)]
        )
    }
    missing = [r for r in SUPABASE_ROLES if r not in roles]
    if missing:
        findings.append(
            Finding(
                "error",
                "supabase_roles_missing",
                ", ".join(missing),
                "the Supabase roles are missing, so grants and policies for them cannot exist",
                "benchsight db migrate",
            )
        )
    findings += _migrations(conn)
    if not missing:
        exposed = _exposed_schemas(conn, published_schema)
        findings += _rls_disabled(conn, exposed)
        findings += _security_definer_views(conn, exposed)
        findings += _mutable_search_path(conn, exposed)
        findings += _private_schemas_exposed(conn)
        findings += _writable(conn)
        findings += _published_grants(conn, published_schema, publish_grants)
        findings += _auth_users_exposed(conn, exposed)
    findings += _extensions_in_public(conn)
    findings += _warehouse_and_workers(conn, published_schema)
    order = {"error": 0, "warn": 1, "info": 2}
    return sorted(findings, key=lambda f: (order[f.level], f.check, f.subject))


def _exposed_schemas(conn, published_schema: str) -> list[str]:
    rows = conn.execute(
        """
        select nspname from pg_namespace
        where nspname = %s
           or ((has_schema_privilege('anon', oid, 'usage') or has_schema_privilege('authenticated', oid, 'usage'))
               and nspname <> all(%s) and nspname not like 'pg\\_%%')
        order by 1
        """,
        [published_schema, list(SUPABASE_SCHEMAS)],
    ).fetchall()
    return [r[0] for r in rows]


def _exposed_relations(conn, exposed: list[str], where: str) -> list[tuple[str, bool]]:
    """(quoted name, readable by an API role) of the relations in the exposed schemas that match
    `where` (a fixed SQL condition on pg_class c), by name; RLS and security-definer views are
    errors only when an API role can read them."""
    return conn.execute(
        f"""
        select format('%%I.%%I', n.nspname, c.relname),
               has_table_privilege('anon', c.oid, 'select')
               or has_table_privilege('authenticated', c.oid, 'select')
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%s) and {where}
        order by 1
        """,
        [exposed],
    ).fetchall()


def _rls_disabled(conn, exposed: list[str]) -> list[Finding]:
    rows = _exposed_relations(conn, exposed, "c.relkind in ('r', 'p') and not c.relrowsecurity")
    return [
        Finding(
            "error" if granted else "info",
            "rls_disabled_in_exposed_schema",
            name,
            "row-level security is off on a table the Data API can read"
            if granted
            else "row-level security is off; no API role is granted the table today",
            f"alter table {name} enable row level security; create policy published_read on {name} "
            "for select to anon, authenticated using (true);  (or rebuild: dbt's on-run-end does it)",
        )
        for name, granted in rows
    ]


def _security_definer_views(conn, exposed: list[str]) -> list[Finding]:
    rows = _exposed_relations(
        conn,
        exposed,
        """c.relkind = 'v'
          and not coalesce('security_invoker=true' = any(c.reloptions)
                           or 'security_invoker=on' = any(c.reloptions), false)""",
    )
    return [
        Finding(
            "error" if granted else "info",
            "security_definer_view",
            name,
            "the view reads with its owner's rights, bypassing the caller's grants and RLS"
            + ("" if granted else "; no API role is granted the view today"),
            f"alter view {name} set (security_invoker = true);",
        )
        for name, granted in rows
    ]


def _mutable_search_path(conn, exposed: list[str]) -> list[Finding]:
    """Functions the Data API can call, and security-definer functions anywhere, without a fixed
    search_path (a caller's objects could be found first)."""
    rows = conn.execute(
        """
        select format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
               p.prosecdef
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        left join pg_depend d on d.objid = p.oid and d.deptype = 'e'
        where d.objid is null
          and n.nspname <> all(%s) and n.nspname not like 'pg\\_%%'
          and (n.nspname = any(%s) or p.prosecdef)
          and not exists (select from unnest(coalesce(p.proconfig, '{}')) c where c like 'search\\_path=%%')
        order by 1
        """,
        [list(SUPABASE_SCHEMAS), exposed],
    ).fetchall()
    return [
        Finding(
            "error" if definer else "warn",
            "function_search_path_mutable",
            name,
            ("a security-definer function" if definer else "a function the Data API can call")
            + " has no fixed search_path",
            f"alter function {name} set search_path = '';  (and schema-qualify what it uses)",
        )
        for name, definer in rows
    ]


def _private_schemas_exposed(conn) -> list[Finding]:
    findings = []
    for role in API_ROLES:
        rows = conn.execute(
            """
            select nspname from pg_namespace
            where nspname = any(%s) and has_schema_privilege(%s, oid, 'usage') order by 1
            """,
            [list(PRIVATE_SCHEMAS), role],
        ).fetchall()
        findings += [
            Finding(
                "error",
                "private_schema_exposed",
                f"{schema} to {role}",
                "raw data, run logs, API key hashes or the job queue are reachable by the Data API"
                if schema != "staging"
                else "the unpublished staging views are reachable by the Data API",
                f"revoke usage on schema {schema} from {role}; revoke all on all tables in schema {schema} from {role};",
            )
            for (schema,) in rows
        ]
    return findings


def _writable(conn) -> list[Finding]:
    rows = conn.execute(
        """
        select format('%%I.%%I', n.nspname, c.relname), r.role, string_agg(w.priv, ', ' order by w.priv)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        cross join unnest(%s::text[]) as r (role)
        cross join unnest(%s::text[]) as w (priv)
        where c.relkind in ('r', 'p', 'v', 'm', 'f')
          and n.nspname <> all(%s) and n.nspname not like 'pg\\_%%'
          and has_table_privilege(r.role, c.oid, w.priv)
        group by 1, 2 order by 1, 2
        """,
        [list(API_ROLES), list(WRITES), list(SUPABASE_SCHEMAS)],
    ).fetchall()
    return [
        Finding(
            "error",
            "writable_by_api_role",
            f"{name} by {role}",
            f"the Data API role may {privileges}",
            f"revoke {privileges} on {name} from {role};",
        )
        for name, role, privileges in rows
    ]


def _published_grants(conn, schema: str, publish_grants: bool) -> list[Finding]:
    rows = conn.execute(
        """
        select c.relname, r.role, has_table_privilege(r.role, c.oid, 'select')
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        cross join unnest(%s::text[]) as r (role)
        where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm')
          and c.relname ~ %s
        order by 1, 2
        """,
        [list(API_ROLES), schema, "^(" + "|".join(PUBLISHED_PREFIXES) + ")"],
    ).fetchall()
    findings = []
    for name, role, granted in rows:
        qualified = f"{schema}.{name}"
        if name in NOT_PUBLISHED:
            if granted:
                findings.append(
                    Finding(
                        "error",
                        "personal_data_exposed",
                        f"{qualified} to {role}",
                        "registrations are personal data and are never published",
                        f"revoke select on {qualified} from {role};",
                    )
                )
        elif publish_grants and not granted:
            findings.append(
                Finding(
                    "error",
                    "published_table_missing_grant",
                    f"{qualified} to {role}",
                    "a published relation the dashboards read has no select grant",
                    f"grant select on {qualified} to {role};  (or rebuild with dbt: its grants config does it)",
                )
            )
        elif not publish_grants and granted:
            findings.append(
                Finding(
                    "warn",
                    "published_table_granted_while_off",
                    f"{qualified} to {role}",
                    "BENCHSIGHT_PUBLISH_GRANTS=off, yet the relation is readable by the Data API",
                    f"revoke select on {qualified} from {role};  (or rebuild with dbt --full-refresh)",
                )
            )
    return findings


def _auth_users_exposed(conn, exposed: list[str]) -> list[Finding]:
    if not conn.execute("select to_regclass('auth.users') is not null").fetchone()[0]:
        return []
    return _per_name(
        conn,
        """
        select distinct format('%%I.%%I', n.nspname, v.relname)
        from pg_depend d
        join pg_rewrite rw on rw.oid = d.objid
        join pg_class v on v.oid = rw.ev_class
        join pg_namespace n on n.oid = v.relnamespace
        where d.refobjid = 'auth.users'::regclass and n.nspname = any(%s)
        """,
        [exposed],
        "error",
        "auth_users_exposed",
        "a view in an exposed schema reads auth.users (e-mails, phone numbers)",
        "drop view {name}; or move it to a schema the Data API cannot reach",
    )


def _extensions_in_public(conn) -> list[Finding]:
    return _per_name(
        conn,
        """
        select e.extname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where n.nspname = 'public' and e.extname <> 'plpgsql' order by 1
        """,
        None,
        "warn",
        "extension_in_public",
        "an extension's objects sit in the exposed public schema",
        "create schema if not exists extensions; alter extension {name} set schema extensions;",
    )


def _per_name(
    conn, sql: str, params: list | None, level: str, check: str, message: str, fix: str
) -> list[Finding]:
    """One finding per name the query returns, the name as its subject and in `fix` ({name})."""
    return [
        Finding(level, check, name, message, fix.format(name=name))
        for (name,) in conn.execute(sql, params).fetchall()
    ]


def _migrations(conn) -> list[Finding]:
    if not conn.execute("select to_regclass('ops.schema_migrations') is not null").fetchone()[0]:
        return [
            Finding(
                "error",
                "migrations_pending",
                "all",
                "the database was never migrated",
                "benchsight db migrate",
            )
        ]
    applied = dict(conn.execute("select version, checksum from ops.schema_migrations").fetchall())
    findings = []
    for migration in discover_migrations():
        if migration.version not in applied:
            findings.append(
                Finding(
                    "error",
                    "migrations_pending",
                    migration.path.name,
                    "a migration is not applied",
                    "benchsight db migrate",
                )
            )
        elif applied[migration.version] != migration.checksum:
            findings.append(
                Finding(
                    "error",
                    "migration_changed",
                    migration.path.name,
                    "the file changed after it was applied",
                    "restore the applied file from version control; put the change in a new numbered file",
                )
            )
    if conn.execute(
        "select to_regclass(%s) is null", [f"{PROCRASTINATE_SCHEMA}.procrastinate_jobs"]
    ).fetchone()[0]:
        findings.append(
            Finding(
                "error",
                "migrations_pending",
                "procrastinate schema",
                "the job queue's schema is not installed",
                "benchsight db migrate",
            )
        )
    return findings


def _warehouse_and_workers(conn, schema: str) -> list[Finding]:
    findings = []
    built = conn.execute(
        """
        select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = %s and c.relname in ('dim_team', 'fact_game_status', 'fact_events')
        """,
        [schema],
    ).fetchone()[0]
    if built < 3:
        findings.append(
            Finding(
                "error",
                "warehouse_not_built",
                schema,
                f"the published marts are missing from schema {schema}",
                "benchsight build",
            )
        )
    if conn.execute("select to_regclass('ops.workers') is null").fetchone()[0]:
        return findings
    from api.runs.store import doctor_summary

    summary = doctor_summary(conn)
    last = summary["last_build"]
    if last and last[1] == "failed":
        findings.append(
            Finding(
                "warn",
                "last_build_failed",
                f"run {last[0]}",
                f"the last finished build failed ({last[2]:%Y-%m-%d %H:%M %Z})",
                f"benchsight build (see /api/etl/runs/{last[0]} for the failing node)",
            )
        )
    alive = conn.execute(
        "select count(*) from ops.workers where heartbeat_at > now() - interval '60 seconds'"
    ).fetchone()[0]
    waiting = summary["waiting"]
    if not alive and waiting:
        findings.append(
            Finding(
                "error",
                "no_worker_alive",
                f"{waiting} queued run(s)",
                "runs wait and no worker has beaten in the last minute",
                "benchsight worker  (or benchsight serve --with-worker)",
            )
        )
    elif not alive:
        findings.append(
            Finding(
                "info",
                "no_worker_alive",
                "workers",
                "no worker is running: builds queued through the API will wait",
                "benchsight worker  (or benchsight serve --with-worker)",
            )
        )
    if conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]:
        findings.append(
            Finding(
                "info",
                "superuser",
                "current_user",
                "connected as a superuser; production runs as an owner role that is not one",
                "use the database owner's role in DATABASE_URL (Supabase: postgres)",
            )
        )
    return findings
