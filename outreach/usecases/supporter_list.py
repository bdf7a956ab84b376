"""The supporter's "ask these friends" list: ranked friends, reasons, a message, one-tap actions.

One read of the graph per request (the list is at most the settings' ``n`` long), then
each friend is composed here: the suggested message with the state's registration
deadline, the actions the supporter can take with the contact details *they* gave for
that friend (``tel:``, ``sms:`` with the message, ``mailto:``), what they have recorded
so far, and a signed opt-out link the friend can follow without logging in.

Only channels the supporter's own data has are offered: a friend with only an email is
never offered a text. Nothing is served once the supporter has withdrawn consent.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

from neo4j import Driver

from graph.ask_lists import FriendFate, RankedFriend, friend_fates, ranked_friends
from graph.config_store import current_settings_cached
from graph.supporters import sample_supporter as _sample_supporter
from outreach.core.sealing import unseal
from outreach.core.settings import Settings
from outreach.core.tokens import issue_opt_out_token
from outreach.matching.election import election_over
from outreach.matching.matcher_settings import MatcherSettings, load_state_names
from outreach.matching.messages import suggested_message
from outreach.usecases.message_experiments import MessageFor, messages_for

POSITIVE = frozenset({"will_vote", "registered", "already_voted"})


@dataclass(frozen=True, slots=True)
class Action:
    """One thing the supporter can tap: call, text, email (a URI), with a label."""

    kind: str  # call | text | email
    href: str
    label: str


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
    actions: list[Action] = field(default_factory=list)
    status: str | None = None  # the latest outcome recorded, or None if not asked yet


@dataclass(frozen=True, slots=True)
class AskList:
    """One page of a supporter's list, its full length and how many were asked."""

    items: list[Ask]
    total: int
    limit: int
    offset: int
    asked: int = 0
    notice: str | None = None  # why the list is empty when it is on purpose


@functools.cache
def _state_names() -> dict[str, str]:
    return load_state_names()


def channel_for(suggested: str | None, phones: list[str], emails: list[str]) -> str | None:
    """The ranking's channel if the supporter can use it, else the one their data allows."""
    if suggested in ("call", "text") and phones:
        return suggested
    if suggested == "social":
        return suggested
    if phones:
        return "text"
    if emails:
        return "email"
    return suggested


def actions_for(phones: list[str], emails: list[str], message: str) -> list[Action]:
    """One-tap actions for the channels the supporter gave for this friend."""
    actions: list[Action] = []
    body = quote(message)
    for number in phones[:2]:
        actions.append(Action("text", f"sms:{number}?&body={body}", f"Text {number}"))
        actions.append(Action("call", f"tel:{number}", f"Call {number}"))
    for address in emails[:2]:
        subject = quote("The election")
        actions.append(
            Action("email", f"mailto:{address}?subject={subject}&body={body}", f"Email {address}")
        )
    return actions


def compose(
    friend: RankedFriend,
    *,
    supporter_id: str,
    matcher: MatcherSettings,
    settings: Settings,
    base_url: str,
    today: date,
    message_for: MessageFor | None = None,
) -> Ask:
    """A ranked friend as the supporter sees them: message, actions, status, opt-out link.

    ``message_for`` gives the message experiment's text for the friend, if they are in it.
    """
    state = friend.state
    reach = unseal(settings, friend.sealed_contact)
    phones = [str(p) for p in reach.get("phones", [])]
    emails = [str(e) for e in reach.get("emails", [])]
    channel = channel_for(friend.channel, phones, emails)
    state_name = _state_names().get(state) if state else None
    deadline = matcher.registration_deadlines.get(state) if state else None
    message = (
        message_for(friend.friend_id, friend.first_name, state_name, deadline)
        if message_for
        else None
    ) or suggested_message(
        first_name=friend.first_name,
        channel="text" if channel == "email" else channel,
        state_name=state_name,
        deadline=deadline,
        today=today,
    )
    token = issue_opt_out_token(
        settings,
        supporter_id=supporter_id,
        friend_id=friend.friend_id,
        friend_key=friend.friend_key,
    )
    return Ask(
        rank=friend.rank,
        friend_id=friend.friend_id,
        # No name given: the supporter's own number or email for them, shown only to them.
        name=friend.name or next(iter(phones + emails), None),
        reasons=list(friend.reasons),
        channel=channel,
        suggested_message=message,
        opt_out_url=f"{base_url}/opt-out/{token}",
        actions=actions_for(phones, emails, message),
        status=friend.outcomes[0] if friend.outcomes else None,
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
    message_for = messages_for(driver, supporter_id=supporter_id, today=today)
    items = [
        compose(
            f,
            supporter_id=supporter_id,
            matcher=matcher,
            settings=settings,
            base_url=base_url.rstrip("/"),
            today=today,
            message_for=message_for,
        )
        for f in friends[offset : offset + limit]
    ]
    asked = sum(1 for f in friends if f.outcomes)
    return AskList(items=items, total=len(friends), limit=limit, offset=offset, asked=asked)


FATES = {
    "on_your_list": "On your list",
    "asked_by_someone_else": "Another supporter is better placed to ask them",
    "opted_out": "Asked not to be contacted",
    "to_confirm": "Might be a voter we found: confirm or reject the match",
    "not_found": "Not found in the voter file",
    "outside_targets": "Not in a state the campaign is targeting",
    "not_chosen": "In a target state, but not among the friends where your ask matters most",
}


@dataclass(frozen=True, slots=True)
class FriendsReport:
    """What became of every friend the supporter uploaded: counts, and names by fate."""

    counts: dict[str, int]
    names: dict[str, list[str]]
    labels: dict[str, str] = field(default_factory=lambda: dict(FATES))


def fate_of(friend: FriendFate, targets: frozenset[str]) -> str:
    """Where one friend stands, in the order a supporter would ask about it."""
    if friend.opted_out:
        return "opted_out"
    if friend.mine:
        return "on_your_list"
    if friend.assigned:
        return "asked_by_someone_else"
    if friend.to_review:
        return "to_confirm"
    if not friend.linked:
        return "not_found"
    if friend.state not in targets:
        return "outside_targets"
    return "not_chosen"


def friends_report(
    driver: Driver, *, supporter_id: str, names_per_fate: int = 200
) -> FriendsReport:
    """Every uploaded friend, by where they stand; who asks the others is never said."""
    _, matcher = current_settings_cached(driver)
    targets = frozenset(t.split("-")[0] for t in matcher.targets)
    counts: Counter[str] = Counter()
    names: dict[str, list[str]] = {fate: [] for fate in FATES}
    for friend in friend_fates(driver, supporter_id):
        fate = fate_of(friend, targets)
        counts[fate] += 1
        if len(names[fate]) < names_per_fate:
            names[fate].append(friend.name or "(no name)")
    for fate_names in names.values():
        fate_names.sort(key=str.casefold)
    return FriendsReport(counts={fate: counts.get(fate, 0) for fate in FATES}, names=names)


def sample_supporter(driver: Driver) -> str | None:
    """A supporter who has a list (the demo shows theirs), or None if nobody has one."""
    return _sample_supporter(driver)
