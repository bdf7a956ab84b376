"""Staff and supporter accounts: who may be issued an API token, with which role."""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver

from graph.db.run import Row, read, write_one

CREATE_USER: LiteralString = """
MERGE (u:User {id: $id})
ON CREATE SET u.created_at = datetime()
SET u.role = $role, u.name = $name
RETURN u.id AS id, u.role AS role, u.created_at AS created_at
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
