"""Load one supporter's upload: read, normalize, merge, link, and write in batches.

What a supporter's upload keeps: on their own ``KNOWS`` edge, the name as they wrote it
(so their list can show it), which channels they have (phone, email, social), their own
phone numbers and emails for the friend, sealed (``outreach/core/sealing.py``), labels and
favorites. Phone numbers and emails are never stored in the clear: shared nodes get keyed
hashes, used as friend keys and to find the voter record; the supporter's own copy is sealed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver

from graph.contacts import record_upload, write_friends
from graph.outcomes import blocked_keys
from graph.voters import count_voters_cached, find_candidates, place_areas
from ingest.area_codes import placement
from ingest.blocking import candidate_voters
from ingest.dedupe import merge_duplicates
from ingest.keys import friend_id, voter_key
from ingest.link_decide import one_contact_per_voter
from ingest.link_splink import default_linker
from ingest.linking import KeyedContact, LinkDecision, Linker, keyed
from ingest.place_areas import place_key, row_place_key
from ingest.readers import read_contacts
from ingest.readers.base import nothing_usable
from outreach.core.errors import FileRejected, RowError
from outreach.core.sealing import seal
from outreach.core.settings import Settings

Report = Callable[[dict[str, int], list[RowError]], None]


@dataclass
class UploadResult:
    """What one upload did, stage by stage."""

    counts: dict[str, int]
    rejected: list[RowError] = field(default_factory=list)
    format: str = ""


# A two-row upload, read once when a worker process starts (see ``prepare``).
WARM_UP_CSV = b"first_name,last_name,phone,email\nAda,Example,+1 202 555 0123,ada@example.org\n"


def prepare(settings: Settings) -> None:
    """Build, before the first upload, what that upload would otherwise wait for.

    The linker compiles its model's SQL (about 0.7 s), and the first file read loads the
    readers' phone and encoding tables (about 0.1 s). A worker process does both as it
    starts, so no supporter's wait includes them.
    """
    default_linker(
        settings.secret_key.get_secret_value(), settings.link_threshold, settings.link_review_floor
    )
    read_contacts(
        WARM_UP_CSV,
        filename="warm-up.csv",
        region=settings.default_region,
        max_bytes=settings.upload_max_bytes,
    )


def fetch_voters(
    driver: Driver, contacts: Sequence[KeyedContact], *, secret: str
) -> list[dict[str, Any]]:
    """Candidate voters for these contacts from the graph (see ``ingest/blocking.py``)."""
    return candidate_voters(lambda keys: find_candidates(driver, keys), contacts, secret=secret)


def link_in_chunks(
    driver: Driver,
    contacts: list[KeyedContact],
    linker: Linker,
    *,
    secret: str,
    chunk_size: int,
) -> list[LinkDecision]:
    """Decisions for all contacts, looked up and linked ``chunk_size`` at a time.

    The work per chunk (candidates, scored pairs) stays bounded however big the upload,
    and so does the worker's memory. A voter links to at most one contact of the upload
    (``ingest.link_decide.one_contact_per_voter``). The linker is told how many voters
    the graph holds, which sets how likely a chance agreement is, and the area codes the
    voter file's phones use where the chunk's contacts and candidates live.
    """
    decisions: list[LinkDecision] = []
    on_file = count_voters_cached(driver) if contacts else 0
    for start in range(0, len(contacts), chunk_size):
        chunk = contacts[start : start + chunk_size]
        voters = fetch_voters(driver, chunk, secret=secret)
        places = {place_key(c.record.state, c.record.city, c.record.zip) for c in chunk}
        places.update(row_place_key(voter) for voter in voters)
        areas = place_areas(driver, (p for p in places if p is not None))
        decisions.extend(linker.link(chunk, voters, voters_on_file=on_file, place_areas=areas))
    return one_contact_per_voter(decisions)


def channels_of(record: Any) -> list[str]:
    """The channels an upload gives for reaching a contact: phone, email, social."""
    found = []
    if record.phones:
        found.append("phone")
    if record.emails:
        found.append("email")
    if record.social:
        found.append("social")
    return found


def friend_key(contact: KeyedContact, decision: LinkDecision, *, secret: str) -> str | None:
    """The shared friend key: the linked voter, else the first phone, else the first email."""
    if decision.voter_id:
        return voter_key(secret, decision.voter_id)
    if contact.phone_keys:
        return contact.phone_keys[0]
    if contact.email_keys:
        return contact.email_keys[0]
    return None


def ingest_upload(
    driver: Driver,
    *,
    supporter_id: str,
    upload_id: str,
    data: bytes,
    filename: str | None,
    consent: str,
    settings: Settings,
    linker: Linker | None = None,
    report: Report | None = None,
) -> UploadResult:
    """Load one upload under the terms version ``consent`` (checked by the caller); rerunnable."""
    secret = settings.secret_key.get_secret_value()
    counts = {"read": 0, "rejected": 0, "normalized": 0, "linked": 0, "candidates": 0, "written": 0}

    def progress(rejected: list[RowError]) -> None:
        if report:
            report(dict(counts), rejected)

    parsed = read_contacts(
        data, filename=filename, region=settings.default_region, max_bytes=settings.upload_max_bytes
    )
    counts["read"] = parsed.rows_read
    counts["rejected"] = len(parsed.rejected)
    if not parsed.records:
        raise nothing_usable("a contact", parsed.rows_read, parsed.rejected)
    digest = hashlib.sha256(data).hexdigest()

    def upload_status(status: str) -> None:
        record_upload(
            driver,
            supporter_id=supporter_id,
            upload_id=upload_id,
            filename=filename,
            format=parsed.format,
            sha256=digest,
            consent_version=consent,
            status=status,
        )

    upload_status("loading")
    contacts = [keyed(c, secret=secret) for c in merge_duplicates(parsed.records)]
    counts["normalized"] = len(contacts)
    progress(parsed.rejected)

    decisions = link_in_chunks(
        driver,
        contacts,
        linker or default_linker(secret, settings.link_threshold, settings.link_review_floor),
        secret=secret,
        chunk_size=settings.link_chunk_size,
    )
    knows: dict[str, dict[str, Any]] = {}
    matches: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = []
    details: dict[str, dict[str, list[str]]] = {}  # the supporter's own ways to reach a friend
    # A friend who opted out stays out under any of their keys, not only the one they get here.
    blocked = blocked_keys(
        driver,
        sorted(
            {k for c in contacts for k in (*c.phone_keys, *c.email_keys)}
            | {voter_key(secret, d.voter_id) for d in decisions if d.voter_id}
        ),
    )
    for contact, decision in zip(contacts, decisions, strict=True):
        key = friend_key(contact, decision, secret=secret)
        if key is None:
            continue  # a name alone, unlinked: nothing to rank or deduplicate on
        if blocked and blocked.intersection((key, *contact.phone_keys, *contact.email_keys)):
            counts["opted_out"] = counts.get("opted_out", 0) + 1
            continue  # on the do-not-contact list: not stored at all, and said so
        record = contact.record
        sources = channels_of(record)
        state, placed_by = placement(record.state, record.phones)
        row = knows.setdefault(
            key,
            {
                "key": key,
                "friend_id": friend_id(secret, supporter_id, key),
                "display_name": record.display_name,
                "first_name": record.first_name,
                "sources": sources,
                "favorite": record.favorite,
                "labels": list(record.labels),
                "social": record.social,
                "closeness": record.closeness,
                "state_hint": state,
                "state_source": placed_by,
            },
        )
        row["sources"] = sorted(set(row["sources"]) | set(sources))
        reach = details.setdefault(key, {"phones": [], "emails": []})
        reach["phones"] += [p for p in record.phones if p not in reach["phones"]]
        reach["emails"] += [e for e in record.emails if e not in reach["emails"]]
        if decision.voter_id:
            counts["linked"] += 1
            matches.append(
                {
                    "key": key,
                    "voter_id": decision.voter_id,
                    "probability": decision.probability,
                    "method": decision.method,
                }
            )
        for voter_id, probability in decision.candidates:
            counts["candidates"] += 1
            candidates.append(
                {
                    "key": key,
                    "voter_id": voter_id,
                    "probability": probability,
                    "method": decision.method,
                }
            )
    if not knows and not counts.get("opted_out"):
        raise FileRejected(
            f"none of the {len(contacts)} contacts can be kept: each has only a name, and "
            "matches no voter; a contact needs a phone number, an email address or a match"
        )
    for key, row in knows.items():
        row["contact"] = seal(settings, details[key])  # only ever opened for this supporter
    progress(parsed.rejected)

    def written_so_far(written: int) -> None:
        counts["written"] = written
        progress(parsed.rejected)

    counts["written"] = write_friends(
        driver,
        progress=written_so_far,
        supporter_id=supporter_id,
        upload_id=upload_id,
        knows=list(knows.values()),
        matches=matches,
        candidates=candidates,
        batch_size=settings.graph_write_batch,
    )
    upload_status("loaded")
    progress(parsed.rejected)
    return UploadResult(counts=counts, rejected=parsed.rejected, format=parsed.format)
