"""Opt-out: a friend who follows the link on a supporter's list is never asked again."""

from __future__ import annotations

from typing import Literal

from neo4j import Driver

from graph.outcomes import opt_out, opted_out
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
    return opt_out(
        driver, supporter_id=link.supporter_id, friend_id=link.friend_id, friend_key=link.friend_key
    )
