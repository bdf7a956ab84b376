"""Opt-out: a friend who follows the link on a supporter's list is never asked again."""

from __future__ import annotations

from typing import Literal

from neo4j import Driver

from graph.outcomes import block_keys, friend_reach, opt_out, opted_out
from ingest.keys import email_key, phone_key
from outreach.core.sealing import unseal
from outreach.core.settings import Settings
from outreach.core.tokens import read_opt_out_token

LinkState = Literal["open", "opted_out", "gone"]


def check_link(settings: Settings, token: str) -> None:
    """Refuse a forged or damaged link before anything is shown."""
    read_opt_out_token(settings, token)


def link_state(driver: Driver, settings: Settings, token: str) -> LinkState:
    """Whether the link can still opt out, already did, or names an ask that is gone."""
    link = read_opt_out_token(settings, token)
    state = opted_out(
        driver, supporter_id=link.supporter_id, friend_id=link.friend_id, friend_key=link.friend_key
    )
    if state is None:
        return "gone"
    return "opted_out" if state else "open"


def opt_out_by_link(driver: Driver, settings: Settings, token: str) -> bool:
    """Put the friend the link names on the do-not-contact list; True if they were found."""
    link = read_opt_out_token(settings, token)
    key = opt_out(
        driver, supporter_id=link.supporter_id, friend_id=link.friend_id, friend_key=link.friend_key
    )
    if key is None:
        return False
    block_every_key(driver, settings, key=key, source="opt-out")
    return True


def block_every_key(driver: Driver, settings: Settings, *, key: str, source: str) -> None:
    """Block the other keys the friend could come back under in a later upload.

    A friend is keyed by the voter they are linked to; someone who uploads them later
    under a name the linker doubts is keyed by their phone or email instead. So the phone
    and email hashes of their voter record, and of every supporter's copy of their
    details, go on the list too.
    """
    secret = settings.secret_key.get_secret_value()
    voter_keys, sealed = friend_reach(driver, key=key)
    keys = set(voter_keys)
    for token in sealed:
        reach = unseal(settings, token)
        keys.update(phone_key(secret, p) for p in reach.get("phones", []))
        keys.update(email_key(secret, e) for e in reach.get("emails", []))
    keys.discard(key)
    block_keys(driver, keys=sorted(keys), source=source)
