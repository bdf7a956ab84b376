"""Consent and terms: a supporter agrees to the current terms before any upload.

The terms version lives here and only here. An upload is refused at submission and again
when its job runs (consent can be withdrawn in between), by the same check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from neo4j import Driver

from graph.supporters import get_supporter, record_consent, withdraw_consent
from outreach.core.errors import Conflict, ConsentRequired, NotFound
from outreach.core.partition import partition_of

CURRENT_TERMS = "2026-1"
TERMS_SUMMARY = (
    "You share your contacts so the campaign can find which of your friends are registered "
    "voters in the states that decide the election. The campaign keeps phone numbers and "
    "emails only as keyed hashes; your own copy for each friend is encrypted and shown only "
    "to you, so you can call or text them from your list. You can withdraw and delete "
    "everything at any time."
)


@dataclass(frozen=True)
class Terms:
    """The terms a supporter agrees to: their version, a summary, and the full text."""

    version: str
    summary: str
    text: str


@cache
def terms() -> Terms:
    """The current terms, as shipped with the engine (``outreach/data/terms_<version>.md``)."""
    text = (files("outreach") / "data" / f"terms_{CURRENT_TERMS}.md").read_text(encoding="utf-8")
    return Terms(CURRENT_TERMS, TERMS_SUMMARY, text)


@dataclass(frozen=True)
class Consent:
    """A supporter's recorded agreement."""

    supporter_id: str
    version: str
    consented_at: str


def give(driver: Driver, *, supporter_id: str, terms_version: str) -> Consent:
    """Record that the supporter agreed to ``terms_version``, which must be the current one."""
    if terms_version != CURRENT_TERMS:
        raise Conflict(
            f"the current terms are version {CURRENT_TERMS}; read them at /terms and accept those",
            current_terms=CURRENT_TERMS,
            terms_url="/terms",
        )
    row = record_consent(
        driver,
        supporter_id=supporter_id,
        version=terms_version,
        partition=partition_of(supporter_id),
    )
    return Consent(supporter_id, str(row["version"]), str(row["consented_at"]))


def give_offline(driver: Driver, *, supporter_id: str) -> Consent:
    """Record consent taken offline for a supporter on the roster; an unknown id is refused."""
    known(driver, supporter_id)
    return give(driver, supporter_id=supporter_id, terms_version=CURRENT_TERMS)


def known(driver: Driver, supporter_id: str) -> dict[str, object]:
    """The supporter's record, or NotFound saying how supporters join."""
    try:
        return get_supporter(driver, supporter_id)
    except NotFound:
        raise NotFound(
            f"no supporter with id {supporter_id!r}: supporters join by agreeing to the terms "
            "or from the roster (outreach supporters load)"
        ) from None


def withdraw(driver: Driver, *, supporter_id: str) -> None:
    """Withdraw consent: later uploads are refused until the supporter agrees again."""
    withdraw_consent(driver, supporter_id=supporter_id)


def status(driver: Driver, supporter_id: str) -> str | None:
    """The terms version the supporter agreed to, or None (unknown, never, or withdrawn)."""
    try:
        version = get_supporter(driver, supporter_id).get("consent_version")
    except NotFound:
        return None
    return str(version) if version else None


def require(driver: Driver, supporter_id: str) -> str:
    """The supporter's terms version; NotFound for an unknown id, ConsentRequired if not current."""
    version = known(driver, supporter_id).get("consent_version")
    if version != CURRENT_TERMS:
        raise ConsentRequired(
            f"supporter {supporter_id!r} must agree to the current terms ({CURRENT_TERMS}, "
            "at /terms) before uploading contacts",
            terms_url="/terms",
        )
    return str(version)
