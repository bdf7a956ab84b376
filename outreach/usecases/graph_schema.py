"""The graph schema reference for analysts: labels, relationships, properties, what each means.

The reference is read from the code, so it cannot drift: the labels, relationship types,
their endpoints and the properties come from every Cypher string in ``graph/``; the
constraints and indexes from ``graph/db/schema.py``; the properties the voter-file and
roster loads write through ``SET n += row.props`` from the records they write. Only the
meanings are written by hand, below; a label, relationship or property the Cypher uses
without a meaning here fails the test that keeps ``docs/graph_schema.md`` current.

``python -m outreach.usecases.graph_schema`` prints the reference; with ``--write`` it
rewrites ``docs/graph_schema.md``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path

import graph
from graph.db.schema import CONSTRAINTS, INDEXES
from ingest.records import VoterRecord

DOC_PATH = Path("docs") / "graph_schema.md"

LABELS: dict[str, str] = {
    "Voter": "A voter-file record: one per voter id, loaded by `outreach ingest voters`.",
    "Person": "A friend: one node per real person, shared across supporters, keyed by a keyed "
    "hash of a phone or email (or of the matched voter id). It holds no name.",
    "Supporter": "A supporter: from the roster, or created when they agree to the terms.",
    "Upload": "One contact file a supporter uploaded (the file itself is deleted after loading).",
    "Lock": "A lock held across processes (the rankings lock): owner and expiry.",
    "VoterState": "A state with voters on file (its code): whose voter file is loaded.",
    "VoterPlace": "A place's telephone area codes, counted from its voters' phones as the "
    "voter file loads; uploads compare a contact's area code with them.",
    "Job": "A long piece of work (voter file, upload, re-rank): status, counts, rejected rows.",
    "MatcherConfig": "One stored version of the organizer's matcher settings (JSON body).",
    "DoNotContact": "A friend's key on the do-not-contact list (opt-out link or a refusal).",
    "User": "A staff or supporter account; tokens are signed, not stored.",
    "VanSync": "NGP VAN sync state: one outcome pushed as a canvass response (pending, sent, "
    "failed with the reason), or one saved-list pull and its export job.",
    "IntegrationConfig": "An organizer's integration setting, such as the VAN code mapping.",
    "Webhook": "A URL an organizer registered for events, and its state.",
    "WebhookDelivery": "One event for one webhook: pending, sent or failed, with tries.",
    "TokenVersion": "A user's token version, under a keyed hash of their id: tokens issued "
    "before it are revoked.",
    "Experiment": "A message experiment an organizer started: variants, share of asks, success.",
    "MessageVariant": "One message of an experiment: a template, its fallback, its segments.",
    "Team": "A team of supporters, made by an organizer, joined by roster or invite code.",
}
RELATIONSHIPS: dict[str, str] = {
    "KNOWS": "The supporter uploaded this friend. Carries what that supporter gave (the name "
    "as they wrote it, channels, labels): shown only to them.",
    "MATCHES": "The friend is this voter, linked with a match probability.",
    "CANDIDATE": "A doubtful match kept for the supporter to confirm or reject.",
    "SHOULD_ASK": "The ranking the API serves: this supporter should ask this friend, with the "
    "rank, the expected impact, the factors and reasons, and the settings version.",
    "ASKED": "An outcome the supporter recorded for an ask (one per record).",
    "UPLOADED": "The supporter made this upload.",
    "HAS_VARIANT": "The experiment tests this message variant.",
    "MEMBER_OF": "The supporter is on this team (one team each).",
}
PROPERTIES: dict[str, str] = {
    "Voter.voter_id": "The voter file's id (unique).",
    "VoterState.code": "USPS state code (unique).",
    "VoterPlace.key": "The place: STATE|city, or STATE|#zip without a city (unique).",
    "VoterPlace.areas": "Area codes used by at least one in twenty of its voters' phones "
    "(five phones or more).",
    "Voter.state": "USPS state code (WI).",
    "Voter.district": "Congressional district as ST-N (WI-3, NE-2).",
    "Voter.vote_history": "One boolean per election column of the file, most recent first.",
    "Voter.turnout_score": "Turnout probability 0..1, when the file has one.",
    "Voter.support_score": "Support probability 0..1, when the file has one.",
    "Voter.registration_status": "active, inactive or unregistered.",
    "Voter.household_id": "Household, when the file has one.",
    "Voter.phone_hash": "Keyed hash of the phone (the phone itself is not stored).",
    "Voter.email_hash": "Keyed hash of the email (the email itself is not stored).",
    "Voter.name_key": "Look-up key: canonical first name and last name.",
    "Voter.name_state_key": "Look-up key: name key and state.",
    "Voter.last_key": "Look-up key: surname, state and first initial.",
    "Voter.sound_key": "Look-up key: surname metaphone, state and first initial.",
    "Voter.phone_area": "Area code of the phone (the number itself is not stored).",
    "Voter.place_key": "Where the voter lives as linkage places it: STATE|city.",
    "Voter.birth_key": "Look-up key: full birth date and first initial.",
    "Voter.street_key": "Look-up key: house number and street.",
    "Voter.address": "Street line as in the voter file (linkage compares it).",
    "Person.key": "Keyed hash identifying the friend (unique).",
    "Person.do_not_contact": "True once the friend is on the do-not-contact list.",
    "Person.held_out": "True for friends in the randomized holdout (never assigned).",
    "Person.holdout_version": "Settings version that drew the holdout.",
    "Person.already_voted": "A supporter recorded that the friend already voted.",
    "Supporter.id": "The supporter's id (unique).",
    "Supporter.consent_version": "Terms version agreed to; null after withdrawal.",
    "Supporter.partition": "Partition for fanned-out re-ranks.",
    "Supporter.person_key": "The supporter's own friend key, when they are on the voter file.",
    "KNOWS.friend_id": "The supporter's id for this friend (used by outcomes and opt-outs).",
    "KNOWS.display_name": "The name as the supporter wrote it (personal data).",
    "KNOWS.first_name": "The first name as the supporter wrote it (personal data).",
    "KNOWS.sources": "Channels the supporter has for the friend (phone, email, ...).",
    "MATCHES.probability": "Match probability of the link (0..1).",
    "MATCHES.method": "How the link was made (exact, splink, confirmed ...).",
    "SHOULD_ASK.rank": "Position on the supporter's list, from 1.",
    "SHOULD_ASK.impact": "Expected impact of the ask (see docs/impact_model.md).",
    "SHOULD_ASK.model_version": "Settings version that made the ranking.",
    "ASKED.outcome": "asked, will_vote, registered, already_voted, not_interested, "
    "wrong_person or do_not_contact.",
    "ASKED.at": "When the outcome was recorded.",
    "Voter.first_name": "First name as in the voter file.",
    "Voter.middle_name": "Middle name as in the voter file.",
    "Voter.last_name": "Last name as in the voter file.",
    "Voter.suffix": "Name suffix (Jr, III), when the file has one.",
    "Voter.birth_year": "Year of birth, when the file has one.",
    "Voter.city": "City of residence.",
    "Voter.zip": "Five-digit ZIP code.",
    "Person.created_at": "When the friend was first uploaded.",
    "Supporter.consented_at": "When they agreed to the terms.",
    "Supporter.created_at": "When the supporter node was created.",
    "Supporter.first_name": "First name from the roster.",
    "Supporter.state": "State from the roster.",
    "Supporter.voter_id": "Their own voter id, from the roster.",
    "Supporter.household_id": "Their household, from their voter record.",
    "Upload.id": "Upload id (unique): the same file from the same supporter has the same id.",
    "Upload.supporter_id": "Who uploaded it.",
    "Upload.filename": "The file's name as uploaded.",
    "Upload.format": "csv, google, vcard or json.",
    "Upload.sha256": "Hash of the file's bytes.",
    "Upload.consent_version": "Terms version in force when it was loaded.",
    "Upload.status": "queued, loaded or failed.",
    "Upload.created_at": "When it was first submitted.",
    "Job.id": "Job id (unique).",
    "Job.kind": "ingest_voters, ingest_contacts or rank.",
    "Job.status": "queued, running, retrying, succeeded, failed or skipped.",
    "Job.owner": "Who started it (a supporter or staff id).",
    "Job.params": "The job's parameters, as JSON.",
    "Job.counts": "Counts per stage (read, rejected, linked, written; asks, assigned), as JSON.",
    "Job.errors": "Rejected rows (line, field, reason), as JSON; the first 1,000.",
    "Job.error_count": "How many rows were rejected in all.",
    "Job.attempts": "How many times a worker started it (a task that keeps dying is stopped).",
    "Job.heartbeat": "Last sign of life, in seconds since the epoch (housekeeping reads it).",
    "Job.after_job_id": "The job it is chained to (an upload's re-rank: the upload's load).",
    "Job.merged_into": "The re-rank that covered this waiting one along with its own scope.",
    "Lock.name": "The lock's name (unique).",
    "Lock.owner": "Who holds it now; null when free.",
    "Lock.expires": "When the holder loses it if not released, in seconds since the epoch.",
    "Person.holdout_pool": "True for friends who would have been assigned (both holdout arms).",
    "Person.holdout_fingerprint": "Fingerprint of the settings whose holdout draw marked it.",
    "Supporter.ranking_run": "The re-rank that last wrote the supporter's list.",
    "Supporter.ranked_at": "When their list was last written, in seconds since the epoch.",
    "Voter.birth_date": "Full birth date when the file gives one (linkage compares it).",
    "Voter.history_source": "Which vote-history file set the voter's history (state layout).",
    "Voter.voted_elections": "Elections the history file says the voter voted in (a set).",
    "Voter.party": "Party of registration as the voter file gives it (support when no score).",
    "KNOWS.contact": "The supporter's own phones and emails for this friend, sealed (ciphertext).",
    "SHOULD_ASK.expected_votes": "Expected net votes of the ask, without the state weight.",
    "SHOULD_ASK.expected_mobilization": "The part of expected_votes from turnout.",
    "SHOULD_ASK.expected_persuasion": "The part of expected_votes from persuasion.",
    "SHOULD_ASK.support_source": "Where support came from: score, party or the prior.",
    "SHOULD_ASK.turnout_imputed": "True when turnout was imputed (no vote history).",
    "Job.message": "Why it failed or was skipped.",
    "Job.created_at": "When it was recorded.",
    "Job.started_at": "When a worker last started it (its wait in the queue ended).",
    "Job.updated_at": "Its last change.",
    "MatcherConfig.version": "Settings version (unique), from 1.",
    "MatcherConfig.body": "The settings, as JSON.",
    "MatcherConfig.fingerprint": "Hash of the settings: equal settings, equal fingerprint.",
    "MatcherConfig.author": "Who made this version.",
    "MatcherConfig.created_at": "When it was stored.",
    "DoNotContact.key": "The friend's key (unique).",
    "DoNotContact.source": "opt-out (their own link) or supporter (a refusal recorded).",
    "DoNotContact.created_at": "When the friend was put on the list.",
    "User.id": "Account id (unique).",
    "User.role": "supporter, organizer, analyst or admin.",
    "User.name": "Display name.",
    "User.created_at": "When the account was created.",
    "TokenVersion.key": "Keyed hash of the user's id (unique); never the id itself.",
    "TokenVersion.version": "Tokens carrying a lower version are refused.",
    "TokenVersion.revoked_at": "When the user's tokens were last revoked.",
    "KNOWS.closeness": "Closeness the upload gives, when it gives one.",
    "KNOWS.consent_upload_id": "The upload whose consent covers this link.",
    "KNOWS.upload_id": "The last upload that carried this friend.",
    "KNOWS.favorite": "The supporter marked the friend as a favourite.",
    "KNOWS.labels": "Labels or groups from the supporter's contacts.",
    "KNOWS.social": "Social profiles the upload names.",
    "KNOWS.first_seen": "When the supporter first uploaded the friend.",
    "KNOWS.state_hint": "The state the contact lives in as far as the upload says.",
    "KNOWS.state_source": "How state_hint is known: address, or area_code (the phone's).",
    "CANDIDATE.supporter_id": "Whose upload suggested the candidate (they decide).",
    "CANDIDATE.probability": "Match probability (below the link threshold).",
    "CANDIDATE.method": "How the candidate was found.",
    "CANDIDATE.status": "open, confirmed or rejected.",
    "CANDIDATE.decided_at": "When the supporter decided.",
    "SHOULD_ASK.channel": "Suggested channel: call, text, in_person or social.",
    "SHOULD_ASK.computed_at": "When the ranking was written.",
    "SHOULD_ASK.factors": "The impact's factors, as JSON.",
    "SHOULD_ASK.reasons": "The reasons shown to the supporter.",
    "SHOULD_ASK.run_id": "The re-rank run that wrote it.",
    "SHOULD_ASK.state": "The friend's state or district code.",
    "ASKED.id": "Outcome id (the client's id makes retries safe).",
    "ASKED.channel": "How the supporter asked.",
    "Voter.van_id": "The voter's VAN id, for voters pulled from an NGP VAN saved list.",
    "VanSync.id": "The outcome's id (unique) for a push; pull:<job id> for a pull.",
    "VanSync.kind": "push or pull.",
    "VanSync.person_key": "The friend's key, to check do-not-contact again before sending.",
    "VanSync.van_id": "The VAN id the canvass response goes to.",
    "VanSync.outcome": "Our outcome value pushed.",
    "VanSync.body": "The canvass response sent, as JSON (VAN's documented shape; no names).",
    "VanSync.status": "pending, sent or failed.",
    "VanSync.reason": "Why it failed (VAN's error code and text), or why it waits.",
    "VanSync.attempts": "Sends started.",
    "VanSync.sending_since": "Set while the request is out (Unix time); still set after a "
    "lost worker, so the record is failed, not sent twice.",
    "VanSync.created_at": "When it was queued (Unix time).",
    "VanSync.updated_at": "When its state last changed (Unix time).",
    "VanSync.sent_at": "When VAN accepted it (Unix time).",
    "VanSync.saved_list_id": "A pull's VAN saved list.",
    "VanSync.export_job_id": "A pull's VAN export job, reused if the pull runs again.",
    "IntegrationConfig.name": "Which integration (unique): van.",
    "IntegrationConfig.body": "The setting, as JSON.",
    "IntegrationConfig.version": "Raised by one at each change.",
    "IntegrationConfig.author": "Who changed it last.",
    "IntegrationConfig.updated_at": "When it last changed (Unix time).",
    "Webhook.id": "Webhook id (unique), wh-...",
    "Webhook.url": "Where deliveries are POSTed (checked against private addresses).",
    "Webhook.events": "The events it receives: outcome.recorded, friend.opted_out, ...",
    "Webhook.secret": "The signing secret, sealed (encrypted with the contact key).",
    "Webhook.active": "False once disabled after too many failed tries in a row.",
    "Webhook.failures": "Failed tries in a row; a success sets it back to 0.",
    "Webhook.disabled_reason": "Why it was disabled, for the organizer.",
    "Webhook.disabled_at": "When it was disabled (Unix time).",
    "Webhook.created_at": "When it was registered (Unix time).",
    "Webhook.created_by": "The organizer who registered it.",
    "Webhook.last_success_at": "When a delivery last succeeded (Unix time).",
    "Webhook.last_error": "The last failed try's reason.",
    "WebhookDelivery.id": "Delivery id (unique): derived from webhook, event and subject; "
    "sent as the receiver's idempotency key.",
    "WebhookDelivery.webhook_id": "The webhook it goes to.",
    "WebhookDelivery.event": "The event it tells of.",
    "WebhookDelivery.body": "The JSON sent, the same bytes on every try (ids, no names).",
    "WebhookDelivery.status": "pending, sent or failed.",
    "WebhookDelivery.attempts": "Tries so far.",
    "WebhookDelivery.last_error": "Why the last try failed.",
    "WebhookDelivery.created_at": "When the event was written (Unix time).",
    "WebhookDelivery.next_attempt_at": "When the next try is due (Unix time).",
    "WebhookDelivery.claimed_until": "A worker is sending it until then (Unix time).",
    "WebhookDelivery.sent_at": "When the receiver accepted it (Unix time).",
    "ASKED.experiment": "The message experiment the ask was part of (none outside one).",
    "ASKED.variant": "The experiment's variant the supporter was shown for this friend (A, B...).",
    "Experiment.id": "Experiment id.",
    "Experiment.name": "The organizer's name for it.",
    "Experiment.status": "running, promoted (its winner goes to every ask) or stopped.",
    "Experiment.share": "Share of (supporter, friend) pairs in the experiment, 0..1.",
    "Experiment.success": "The outcomes that count as success.",
    "Experiment.thompson": "True when a rebalance may shift draws toward the likely winner.",
    "Experiment.winner": "The promoted variant's id.",
    "Experiment.author": "Who started it.",
    "Experiment.allocation_ids": "Variant ids, in the order of `allocation_weights`.",
    "Experiment.allocation_weights": "Each variant's share of new draws.",
    "Experiment.created_at": "When it started.",
    "Experiment.stopped_at": "When it was stopped.",
    "Experiment.rebalanced_at": "When Thompson sampling last changed the shares.",
    "MessageVariant.id": "Variant id within its experiment (A, B...).",
    "MessageVariant.experiment_id": "The experiment's id.",
    "MessageVariant.name": "The organizer's name for it.",
    "MessageVariant.template": "The text, with {first_name}, {state}, {deadline}, "
    "{supporter_name}.",
    "MessageVariant.fallback": "The text when a field the template needs is unknown.",
    "MessageVariant.segments": "Texts for segments of the voter file (field, value), as JSON.",
    "Supporter.goal_friends": "The supporter's goal: friends to ask.",
    "Supporter.goal_by": "The day the goal is for (ISO date).",
    "Supporter.goal_set_at": "The day the goal was set (ISO date): progress is paced from it.",
    "Supporter.leaderboard_opt_in": "True when the supporter appears on leaderboards, by first "
    "name.",
    "Team.id": "Team id.",
    "Team.name": "The team's name.",
    "Team.invite_code": "The code supporters join with (8 characters, no 0/O or 1/I).",
    "Team.author": "The organizer who made it.",
    "Team.created_at": "When it was made.",
}

_NODE = re.compile(r"\((\w*)\s*:\s*(\w+)\s*(?:\{([^{}]*)\})?")
_REL = re.compile(r"\[(\w*)\s*:\s*([A-Z_|]+)\s*(?:\{([^{}]*)\})?")
_EDGE = re.compile(r"(?=\(([^()]*)\)\s*(<?)-\[([^\]]*)\]-(>?)\s*\(([^()]*)\))")
_PROP = re.compile(r"\b(\w+)\.(\w+)\b")
_KEY = re.compile(r"(\w+)\s*:")
_CYPHER = re.compile(r"\b(MATCH|MERGE|CREATE)\b")
_SCHEMA_ITEM = re.compile(
    r"(CONSTRAINT|INDEX) (\w+) .*FOR \(\w+:(\w+)\) (?:REQUIRE|ON) \(?\w+\.(\w+)"
)


@dataclass
class Element:
    """A label or relationship type, and what the code says of it."""

    name: str
    properties: set[str] = field(default_factory=set)
    ends: set[tuple[str, str]] = field(default_factory=set)
    schema: list[str] = field(default_factory=list)


def cypher_strings() -> list[str]:
    """Every Cypher string held by a module of ``graph/``."""
    found: list[str] = []
    for info in pkgutil.walk_packages(graph.__path__, "graph."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            items = value if isinstance(value, tuple) else (value,)
            found.extend(v for v in items if isinstance(v, str) and _CYPHER.search(v))
    return found


def collect() -> tuple[dict[str, Element], dict[str, Element]]:
    """Labels and relationship types, with their properties and endpoints, from the Cypher."""
    labels: dict[str, Element] = {}
    rels: dict[str, Element] = {}
    for text in cypher_strings():
        bound: dict[str, Element] = {}
        for var, label, body in _NODE.findall(text):
            element = labels.setdefault(label, Element(label))
            element.properties.update(_KEY.findall(body or ""))
            if var:
                bound[var] = element
        for var, types, body in _REL.findall(text):
            for rel_type in types.split("|"):
                element = rels.setdefault(rel_type, Element(rel_type))
                element.properties.update(_KEY.findall(body or ""))
                if var:
                    bound[var] = element
        for var, prop in _PROP.findall(text):
            if var in bound:
                bound[var].properties.add(prop)
        for left, back, inner, forward, right in _EDGE.findall(text):
            rel = _REL.search(f"[{inner}]")
            if rel is None:
                continue
            start, end = _label_of(left, bound, labels), _label_of(right, bound, labels)
            if back and not forward:
                start, end = end, start
            for rel_type in rel.group(2).split("|"):
                if start and end:
                    rels[rel_type].ends.add((start, end))
    labels["Voter"].properties.update(
        f.name for f in fields(VoterRecord) if f.name not in {"phone", "email", "line", "address"}
    )
    labels["Supporter"].properties.update({"first_name", "state", "voter_id"})
    for statement in (*CONSTRAINTS, *INDEXES):
        item = _SCHEMA_ITEM.search(statement)
        if item and item.group(3) in labels:
            kind = "unique" if item.group(1) == "CONSTRAINT" else "index"
            labels[item.group(3)].schema.append(f"{item.group(4)} ({kind})")
    return labels, rels


def _label_of(inner: str, bound: dict[str, Element], labels: dict[str, Element]) -> str | None:
    node = _NODE.match(f"({inner})")
    if node:
        return node.group(2)
    var = inner.strip().split(" ")[0]
    element = bound.get(var)
    return element.name if element is not None and element.name in labels else None


@cache
def reference() -> str:
    """The reference as Markdown (made once per process)."""
    labels, rels = collect()
    out = [
        "# The graph schema",
        "",
        "What an analyst can query with `POST /analytics/cypher` (read-only). Generated from "
        "the Cypher in `graph/` and the constraints in `graph/db/schema.py` by "
        "`python -m outreach.usecases.graph_schema --write`; a test fails when it is stale. "
        "Properties without a note are named by the code but not described yet.",
        "",
        "## Node labels",
    ]
    for name in sorted(labels):
        element = labels[name]
        out += ["", f"### :{name}", "", LABELS.get(name, ""), ""]
        if element.schema:
            out += [f"Constraints and indexes: {', '.join(sorted(element.schema))}.", ""]
        out += _property_table(name, element)
    out += ["", "## Relationships"]
    for name in sorted(rels):
        element = rels[name]
        ends = ", ".join(f"(:{a})-[:{name}]->(:{b})" for a, b in sorted(element.ends))
        out += ["", f"### :{name}", "", RELATIONSHIPS.get(name, ""), ""]
        if ends:
            out += [f"Pattern: `{ends}`", ""]
        out += _property_table(name, element)
    return "\n".join(out).rstrip() + "\n"


def _property_table(name: str, element: Element) -> list[str]:
    if not element.properties:
        return ["No properties."]
    rows = ["| property | meaning |", "|---|---|"]
    for prop in sorted(element.properties):
        rows.append(f"| `{prop}` | {PROPERTIES.get(f'{name}.{prop}', '')} |")
    return rows


def undescribed() -> list[str]:
    """Labels and relationship types the Cypher uses that have no meaning written here."""
    labels, rels = collect()
    return sorted({*labels} - set(LABELS)) + sorted({*rels} - set(RELATIONSHIPS))


if __name__ == "__main__":
    text = reference()
    if "--write" in sys.argv:
        DOC_PATH.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
