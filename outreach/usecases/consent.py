"""Consent and terms: a supporter agrees to the current terms before any upload.

The terms version lives here and only here. An upload is refused at submission and again
when its job runs (consent can be withdrawn in between), by the same check.
"""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver

from graph.supporters import consent_version, record_consent, withdraw_consent
from outreach.core.errors import Conflict, ConsentRequired
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
class Consent:
    """A supporter's recorded agreement."""

    supporter_id: str
    version: str
    consented_at: str


def give(driver: Driver, *, supporter_id: str, terms_version: str) -> Consent:
    """Record that the supporter agreed to ``terms_version``, which must be the current one."""
    if terms_version != CURRENT_TERMS:
        raise Conflict(f"the current terms are version {CURRENT_TERMS}; read and accept those")
    row = record_consent(
        driver,
        supporter_id=supporter_id,
        version=terms_version,
        partition=partition_of(supporter_id),
    )
    return Consent(supporter_id, str(row["version"]), str(row["consented_at"]))


def withdraw(driver: Driver, *, supporter_id: str) -> None:
    """Withdraw consent: later uploads are refused until the supporter agrees again."""
    withdraw_consent(driver, supporter_id=supporter_id)


def status(driver: Driver, supporter_id: str) -> str | None:
    """The terms version the supporter agreed to, or None (never, or withdrawn)."""
    return consent_version(driver, supporter_id)


def require(driver: Driver, supporter_id: str) -> str:
    """The supporter's terms version, or ConsentRequired if it is not the current one."""
    version = consent_version(driver, supporter_id)
    if version != CURRENT_TERMS:
        raise ConsentRequired(
            f"supporter {supporter_id!r} must agree to the current terms ({CURRENT_TERMS}) "
            "before uploading contacts"
        )
    return version
