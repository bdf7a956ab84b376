"""The graph schema: uniqueness constraints and indexes, created idempotently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import Driver

from graph.db.run import read, write

CONSTRAINTS: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT voter_id IF NOT EXISTS FOR (v:Voter) REQUIRE v.voter_id IS UNIQUE",
    "CREATE CONSTRAINT person_key IF NOT EXISTS FOR (p:Person) REQUIRE p.key IS UNIQUE",
    "CREATE CONSTRAINT supporter_id IF NOT EXISTS FOR (s:Supporter) REQUIRE s.id IS UNIQUE",
    "CREATE CONSTRAINT upload_id IF NOT EXISTS FOR (u:Upload) REQUIRE u.id IS UNIQUE",
    "CREATE CONSTRAINT job_id IF NOT EXISTS FOR (j:Job) REQUIRE j.id IS UNIQUE",
    "CREATE CONSTRAINT matcher_config_version IF NOT EXISTS "
    "FOR (c:MatcherConfig) REQUIRE c.version IS UNIQUE",
    "CREATE CONSTRAINT do_not_contact_key IF NOT EXISTS "
    "FOR (d:DoNotContact) REQUIRE d.key IS UNIQUE",
    "CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE",
    "CREATE CONSTRAINT lock_name IF NOT EXISTS FOR (l:Lock) REQUIRE l.name IS UNIQUE",
    "CREATE CONSTRAINT voter_state_code IF NOT EXISTS FOR (s:VoterState) REQUIRE s.code IS UNIQUE",
    "CREATE CONSTRAINT voter_place_key IF NOT EXISTS FOR (p:VoterPlace) REQUIRE p.key IS UNIQUE",
    "CREATE CONSTRAINT token_version_key IF NOT EXISTS "
    "FOR (t:TokenVersion) REQUIRE t.key IS UNIQUE",
    "CREATE CONSTRAINT webhook_id IF NOT EXISTS FOR (w:Webhook) REQUIRE w.id IS UNIQUE",
    "CREATE CONSTRAINT van_sync_id IF NOT EXISTS FOR (r:VanSync) REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT integration_config_name IF NOT EXISTS "
    "FOR (c:IntegrationConfig) REQUIRE c.name IS UNIQUE",
    "CREATE CONSTRAINT webhook_delivery_id IF NOT EXISTS "
    "FOR (d:WebhookDelivery) REQUIRE d.id IS UNIQUE",
)

INDEXES: tuple[LiteralString, ...] = (
    "CREATE INDEX voter_state IF NOT EXISTS FOR (v:Voter) ON (v.state)",
    "CREATE INDEX voter_phone IF NOT EXISTS FOR (v:Voter) ON (v.phone_hash)",
    "CREATE INDEX voter_email IF NOT EXISTS FOR (v:Voter) ON (v.email_hash)",
    "CREATE INDEX voter_name IF NOT EXISTS FOR (v:Voter) ON (v.name_key)",
    "CREATE INDEX voter_name_state IF NOT EXISTS FOR (v:Voter) ON (v.name_state_key)",
    "CREATE INDEX voter_last_state IF NOT EXISTS FOR (v:Voter) ON (v.last_key)",
    "CREATE INDEX voter_sound_state IF NOT EXISTS FOR (v:Voter) ON (v.sound_key)",
    "CREATE INDEX voter_birth IF NOT EXISTS FOR (v:Voter) ON (v.birth_key)",
    "CREATE INDEX voter_street IF NOT EXISTS FOR (v:Voter) ON (v.street_key)",
    "CREATE INDEX voter_household IF NOT EXISTS FOR (v:Voter) ON (v.household_id)",
    "CREATE INDEX voter_place IF NOT EXISTS FOR (v:Voter) ON (v.place_key)",
    "CREATE INDEX supporter_partition IF NOT EXISTS FOR (s:Supporter) ON (s.partition)",
    "CREATE INDEX person_held_out IF NOT EXISTS FOR (p:Person) ON (p.held_out)",
    "CREATE INDEX person_holdout_pool IF NOT EXISTS FOR (p:Person) ON (p.holdout_pool)",
    "CREATE INDEX job_status IF NOT EXISTS FOR (j:Job) ON (j.status)",
    "CREATE INDEX van_sync_status IF NOT EXISTS FOR (r:VanSync) ON (r.status)",
    "CREATE INDEX webhook_delivery_status IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.status)",
    "CREATE INDEX webhook_delivery_hook IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.webhook_id)",
)


@dataclass(frozen=True)
class SchemaReport:
    """What ``init_schema`` found and did."""

    constraints: int
    indexes: int
    created: int


def init_schema(driver: Driver) -> SchemaReport:
    """Create every constraint and index that is missing; a second run changes nothing."""
    created = 0
    for statement in (*CONSTRAINTS, *INDEXES):
        counts = write(driver, statement)
        created += counts["constraints_added"] + counts["indexes_added"]
    constraints, indexes = describe_schema(driver)
    return SchemaReport(constraints=len(constraints), indexes=len(indexes), created=created)


def describe_schema(driver: Driver) -> tuple[list[str], list[str]]:
    """The names of the constraints and indexes the database reports."""
    constraints = sorted(str(r["name"]) for r in read(driver, "SHOW CONSTRAINTS"))
    indexes = sorted(str(r["name"]) for r in read(driver, "SHOW INDEXES"))
    return constraints, indexes
