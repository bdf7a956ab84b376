"""The supporter's "ask these friends" list: ranked friends, reasons, a message, an opt-out link.

One read of the graph per request (the list is at most the settings' ``n`` long), then
each friend is composed here: the suggested message with the state's registration
deadline, and a signed opt-out link the friend can follow without logging in.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from neo4j import Driver

from graph.ask_lists import RankedFriend, ranked_friends
from graph.config_store import current_settings_cached
from graph.supporters import sample_supporter as _sample_supporter
from outreach.core.settings import Settings
from outreach.core.tokens import issue_opt_out_token
from outreach.matching.election import election_over
from outreach.matching.matcher_settings import MatcherSettings, load_state_names
from outreach.matching.messages import suggested_message


@dataclass(frozen=True, slots=True)
class Ask:
    """One friend to ask, ready to show."""

    rank: int
    friend_id: str
    name: str | None
    reasons: list[str]
    channel: str | None
    suggested_message: str
    opt_out_url: str


@dataclass(frozen=True, slots=True)
class AskList:
    """One page of a supporter's list and its full length."""

    items: list[Ask]
    total: int
    limit: int
    offset: int
    notice: str | None = None  # why the list is empty when it is on purpose


@functools.cache
def _state_names() -> dict[str, str]:
    return load_state_names()


def compose(
    friend: RankedFriend,
    *,
    supporter_id: str,
    matcher: MatcherSettings,
    settings: Settings,
    base_url: str,
    today: date,
) -> Ask:
    """A ranked friend as the supporter sees them: message, opt-out link."""
    state = friend.state
    token = issue_opt_out_token(settings, supporter_id=supporter_id, friend_id=friend.friend_id)
    return Ask(
        rank=friend.rank,
        friend_id=friend.friend_id,
        name=friend.name,
        reasons=list(friend.reasons),
        channel=friend.channel,
        suggested_message=suggested_message(
            first_name=friend.first_name,
            channel=friend.channel,
            state_name=_state_names().get(state) if state else None,
            deadline=matcher.registration_deadlines.get(state) if state else None,
            today=today,
        ),
        opt_out_url=f"{base_url}/opt-out/{token}",
    )


def ask_list(
    driver: Driver,
    settings: Settings,
    *,
    supporter_id: str,
    base_url: str,
    limit: int = 10,
    offset: int = 0,
    today: date | None = None,
) -> AskList:
    """The page ``offset .. offset + limit`` of the supporter's ranked friends.

    Once election day has passed the list is empty, with a notice saying why, even
    before a re-rank has cleared the rankings.
    """
    _, matcher = current_settings_cached(driver)
    today = today or date.today()
    if election_over(today, matcher):
        notice = (
            f"The election of {matcher.election_date:%B} {matcher.election_date.day}, "
            f"{matcher.election_date.year} is over: there is no one to ask until the next one."
        )
        return AskList(items=[], total=0, limit=limit, offset=offset, notice=notice)
    friends = ranked_friends(driver, supporter_id)
    items = [
        compose(
            f,
            supporter_id=supporter_id,
            matcher=matcher,
            settings=settings,
            base_url=base_url.rstrip("/"),
            today=today,
        )
        for f in friends[offset : offset + limit]
    ]
    return AskList(items=items, total=len(friends), limit=limit, offset=offset)


def sample_supporter(driver: Driver) -> str | None:
    """A supporter who has a list (the demo shows theirs), or None if nobody has one."""
    return _sample_supporter(driver)
