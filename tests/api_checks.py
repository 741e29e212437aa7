"""Checks the admin-API tests share: a fingerprint of every raw table, hostile names, the error
body every 4xx carries, and a one-line query.

A fingerprint is each raw table's row count and an md5 over its rows (lineage and load time
left out, so only data counts); comparing fingerprints before and after a request proves what
it changed and what it left alone.
"""

from __future__ import annotations

import httpx
import psycopg
from psycopg import sql

# Names an attacker (or a careless client) might send where a table or column name goes.
HOSTILE_NAMES = [
    "dim_player; drop table raw.blb_dim_team; --",
    'dim_player"; delete from raw.blb_dim_team; --',
    "dim_player' or '1'='1",
    "pg_catalog.pg_authid",
    "raw.blb_dim_player",
    "../dim_player",
    "dim_pl\u0430yer",  # Cyrillic small a (U+0430) in place of the Latin a
    "dim_player\u200b",  # zero-width space
    "\uff44im_player",  # fullwidth small d (U+FF44)
    "",
]
HOSTILE_COLUMNS = [
    "player_full_name; drop table raw.blb_dim_team; --",
    'player_full_name" = null, "player_id',
    "player_full_n\u0430me",  # Cyrillic small a
    "pg_catalog.pg_authid",
    "load_id",  # a real column of the table, but lineage, not a documented one
    "source",
    "extra",
    "1=1 or player_id",
]
SKIP_COLUMNS = ("load_id", "source", "file_name", "file_sha256", "sheet", "row_number", "loaded_at")


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """raw table -> (rows, md5 of its data columns), for every table in schema raw."""
    result: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'raw' and table_type = 'BASE TABLE' order by table_name"
            )
        ]
        for table in tables:
            columns = [
                r[0]
                for r in conn.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = 'raw' and table_name = %s order by ordinal_position",
                    [table],
                )
                if r[0] not in SKIP_COLUMNS
            ]
            row_text = sql.SQL("concat_ws('|', {})").format(
                sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns)
            )
            count, digest = conn.execute(
                sql.SQL(
                    "select count(*), coalesce(md5(string_agg(r, E'\\n' order by r)), '')"
                    " from (select {} as r from {}) as t"
                ).format(row_text, sql.Identifier("raw", table))
            ).fetchone()
            result[table] = (count, digest)
    return result


def changed_tables(before: dict, after: dict) -> set[str]:
    return {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}


def rows(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """The response is the API's error body (detail, code, errors) with this status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    if code:
        assert body["code"] == code, body
    return body
