"""Schema set-up against the real local Bolt server."""

from __future__ import annotations

from neo4j import Driver

from graph.db.schema import CONSTRAINTS, INDEXES, describe_schema, init_schema


def test_init_creates_every_constraint_and_index(driver: Driver) -> None:
    constraints, indexes = describe_schema(driver)
    for name in ("voter_id", "person_key", "supporter_id", "job_id", "do_not_contact_key"):
        assert name in constraints
    for name in ("voter_state", "voter_phone", "voter_email", "voter_name"):
        assert name in indexes
    assert len(constraints) >= len(CONSTRAINTS)
    assert len(indexes) >= len(INDEXES)


def test_running_init_twice_changes_nothing(driver: Driver) -> None:
    before = describe_schema(driver)
    report = init_schema(driver)
    assert report.created == 0
    assert describe_schema(driver) == before
