"""Staff and supporter accounts: who may be issued an API token, with which role.

Each subject also has a token version: a token carries the version it was issued at, and
one issued before the current version is revoked.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver

from graph.db.run import Row, read, write_one

CREATE_USER: LiteralString = """
MERGE (u:User {id: $id})
ON CREATE SET u.created_at = datetime()
WITH u, u.role AS previous_role
SET u.role = $role, u.name = $name
RETURN u.id AS id, u.role AS role, u.created_at AS created_at, previous_role
"""

# A subject's token version lives on its own node, keyed by a keyed hash of the subject:
# it must outlive the supporter's data (deleting them revokes their tokens for good), and
# it must not keep their id once that data is gone.
TOKEN_VERSION: LiteralString = """
MATCH (t:TokenVersion {key: $key})
RETURN t.version AS version
"""

BUMP_TOKEN_VERSION: LiteralString = """
MERGE (t:TokenVersion {key: $key})
ON CREATE SET t.version = 0
SET t.version = t.version + 1, t.revoked_at = datetime()
RETURN t.version AS version
"""

LIST_USERS: LiteralString = """
MATCH (u:User)
RETURN u.id AS id, u.role AS role, u.name AS name, u.created_at AS created_at
ORDER BY id
"""


def create_user(driver: Driver, *, user_id: str, role: str, name: str | None) -> Row:
    """Create or update an account and its role."""
    return write_one(driver, CREATE_USER, id=user_id, role=role, name=name)


def list_users(driver: Driver) -> list[Row]:
    """Every account and its role."""
    return read(driver, LIST_USERS)


def token_version(driver: Driver, *, key: str) -> int:
    """The current token version of the subject with keyed hash ``key`` (0 if never revoked)."""
    rows = read(driver, TOKEN_VERSION, key=key)
    return int(rows[0]["version"]) if rows else 0


def bump_token_version(driver: Driver, *, key: str) -> int:
    """Revoke every token issued so far to the subject with keyed hash ``key``; the new version."""
    return int(write_one(driver, BUMP_TOKEN_VERSION, key=key)["version"])
