"""`benchsight keys list | revoke`: the keys that exist and ending one (api/cli.py adds `create`).

A key's secret is never stored, so `list` shows what identifies a key without proving it: its id,
public prefix, name, scopes, when it was made and last used, and whether it is revoked.
"""

from __future__ import annotations

import argparse
import json
import sys

from api.auth.keys import prefix_of


def register_actions(actions: argparse._SubParsersAction) -> None:
    listing = actions.add_parser(
        "list", help="list keys (id, prefix, name, scopes, created, last used, revoked)"
    )
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    listing.add_argument("--json", action="store_true", help="print JSON lines")
    listing.set_defaults(func=_list)
    revoke = actions.add_parser(
        "revoke", help="revoke a key by its id or prefix; it stops working within 10 s"
    )
    revoke.add_argument("key", help="the key's id (from `keys list`) or its 8-character prefix")
    revoke.set_defaults(func=_revoke)


def list_keys(conn, include_revoked: bool = False) -> list[dict]:
    rows = conn.execute(
        """
        select key_id, prefix, name, scopes, created_at, last_used_at, revoked_at
        from ops.api_keys where %s or revoked_at is null order by key_id
        """,
        [include_revoked],
    ).fetchall()
    names = ("key_id", "prefix", "name", "scopes", "created_at", "last_used_at", "revoked_at")
    return [dict(zip(names, row, strict=True)) for row in rows]


def revoke_key(conn, which: str) -> dict | None:
    """Revoke the key whose id or prefix is `which`; the key's row (revoked already or now), or
    None when there is no such key."""
    if which.startswith("bsk_"):  # the whole key pasted: its prefix names it
        which = prefix_of(which) or which
    # A prefix is 8 hex digits, so about one in 43 is all decimal digits: it names its key before
    # an id does.
    where, params = "prefix = %s", [which]
    if which.isdigit() and len(which) <= 18:
        where = "prefix = %s or (key_id = %s and not exists (select from ops.api_keys where prefix = %s))"
        params = [which, int(which), which]
    row = conn.execute(
        f"update ops.api_keys set revoked_at = coalesce(revoked_at, now()) where {where}"
        " returning key_id, prefix, name, revoked_at",
        params,
    ).fetchone()
    return dict(zip(("key_id", "prefix", "name", "revoked_at"), row, strict=True)) if row else None


def _connect():
    import psycopg

    from benchsight.db import migrated_url

    return psycopg.connect(migrated_url(), autocommit=True)


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _list(args: argparse.Namespace) -> int:
    with _connect() as conn:
        keys = list_keys(conn, args.all)
    if args.json:
        for key in keys:
            print(json.dumps(key, default=str))
        return 0
    print(
        f"{'id':>4}  {'prefix':8}  {'scopes':16}  {'created':16}  {'last used':16}  {'revoked':16}  name"
    )
    for k in keys:
        print(
            f"{k['key_id']:>4}  {k['prefix']:8}  {','.join(k['scopes']):16}  {_when(k['created_at']):16}  "
            f"{_when(k['last_used_at']):16}  {_when(k['revoked_at']):16}  {k['name']}"
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with _connect() as conn:
        row = revoke_key(conn, args.key.strip())
    if row is None:
        print(
            f"benchsight: no API key with id or prefix {args.key!r} (see `benchsight keys list --all`)",
            file=sys.stderr,
        )
        return 1
    print(
        f"key {row['key_id']} ({row['prefix']}, {row['name'] or 'no name'}) revoked at {_when(row['revoked_at'])}"
    )
    return 0
