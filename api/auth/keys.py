"""Creating and checking API keys.

A key reads `bsk_<prefix>_<secret>`. The prefix (public, unique) finds the row; the SHA-256 of the
whole key proves it. The secret is 32 random bytes, so a fast hash is as safe as a slow one here
(there is nothing to guess), and checking a key costs one indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCOPES = ("read", "run", "admin")
# Each scope includes the ones before it: a run key may read, an admin key may do anything.
SCOPE_RANK = {scope: rank for rank, scope in enumerate(SCOPES)}


@dataclass(frozen=True)
class ApiKey:
    key_id: int | None
    name: str
    scopes: tuple[str, ...]

    def allows(self, scope: str) -> bool:
        return any(SCOPE_RANK[s] >= SCOPE_RANK[scope] for s in self.scopes)


LOCAL_ADMIN = ApiKey(None, "auth off (embedded)", ("admin",))


def new_key() -> tuple[str, str, str]:
    """(key, prefix, sha256 of key)."""
    prefix = secrets.token_hex(4)
    key = f"bsk_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, digest(key)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "bsk" or len(parts[1]) != 8:
        return None
    return parts[1]


def matches(key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(key), stored_digest)


def create_key(conn, scopes: list[str], name: str = "") -> tuple[str, int]:
    """Insert a key and return (the key, its id). The key itself is never stored."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError(
            f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(scopes) or 'none'}"
        )
    key, prefix, key_digest = new_key()
    row = conn.execute(
        "insert into ops.api_keys (prefix, secret_sha256, name, scopes) values (%s, %s, %s, %s) returning key_id",
        [prefix, key_digest, name, list(dict.fromkeys(scopes))],
    ).fetchone()
    return key, row[0]
