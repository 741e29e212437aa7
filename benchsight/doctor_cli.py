"""`benchsight doctor`: security and setup findings, each with its fix (benchsight/doctor.py)."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    doctor = subparsers.add_parser(
        "doctor",
        help="check the database's exposure (Supabase advisor checks) and setup; exit 1 on an error",
        description=(
            "Check what the Data API's roles (anon, authenticated) can reach: RLS in exposed "
            "schemas, security-definer views, functions with a mutable search_path, private "
            "schemas (raw, ops, the queue) exposed, writable relations, missing or unwanted "
            "grants, extensions in public; and the setup: roles, migrations, the built "
            "warehouse, the last build, workers. Every finding says how to fix it. Exits 1 when "
            "any finding is an error."
        ),
    )
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")
    doctor.set_defaults(func=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    import psycopg

    from benchsight.config import get_settings
    from benchsight.db import database_url
    from benchsight.doctor import diagnose

    settings = get_settings()
    with psycopg.connect(database_url(), autocommit=True, connect_timeout=10) as conn:
        findings = diagnose(conn, settings.db_schema, settings.publish_grants)
    errors = sum(f.level == "error" for f in findings)
    if args.json:
        print(json.dumps([f.as_dict() for f in findings], indent=2))
    else:
        for finding in findings:
            print(finding.line())
        warns = sum(f.level == "warn" for f in findings)
        print(
            f"doctor: {errors} error(s), {warns} warning(s), {len(findings) - errors - warns} note(s)"
        )
    return 1 if errors else 0
