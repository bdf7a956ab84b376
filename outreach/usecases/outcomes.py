"""Outcomes: what happened when a supporter asked a friend, recorded once however often sent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from neo4j import Driver

from graph.outcomes import record_outcome
from outreach.core.settings import Settings
from outreach.usecases.message_experiments import draw_for_outcome
from outreach.usecases.opt_out import block_every_key


@dataclass(frozen=True)
class Recorded:
    """An outcome's id (the client's, when it sent one) and whether it was already stored."""

    id: str
    duplicate: bool


def record(
    driver: Driver,
    *,
    supporter_id: str,
    friend_id: str,
    channel: str,
    outcome: str,
    client_id: str | None = None,
    settings: Settings | None = None,
) -> Recorded:
    """Store the outcome, with the message variant the pair was shown; retries change nothing.

    A refusal ("do_not_contact") blocks every key the friend could come back under when
    ``settings`` (which open the supporters' sealed copies) are given, as an opt-out does.
    """
    outcome_id = client_id or uuid.uuid4().hex
    draw = draw_for_outcome(driver, supporter_id=supporter_id, friend_id=friend_id)
    row = record_outcome(
        driver,
        supporter_id=supporter_id,
        friend_id=friend_id,
        channel=channel,
        outcome=outcome,
        outcome_id=f"{supporter_id}:{outcome_id}",
        experiment=draw.experiment_id if draw else None,
        variant=draw.variant_id if draw else None,
    )
    if outcome == "do_not_contact" and not row["duplicate"] and settings is not None:
        block_every_key(driver, settings, key=str(row["key"]), source="supporter")
    return Recorded(id=outcome_id, duplicate=bool(row["duplicate"]))
