"""Suggested messages a supporter can send a friend, by channel."""

from __future__ import annotations

from datetime import date

_TEMPLATES = {
    "call": (
        "Hi {first}! It's me. Do you have a minute? I wanted to talk about the election.{facts}"
    ),
    "text": (
        "Hi {first}! Quick one: are you planning to vote this year?{facts} "
        "Happy to help with a plan."
    ),
    "social": "Hey {first}, the election is coming up.{facts} Got a plan to vote?",
}


def state_facts(*, state_name: str | None, deadline: date | None, today: date) -> str:
    """One or two sentences of facts about the friend's state."""
    if not state_name:
        return ""
    facts = f" {state_name} could decide this one."
    if deadline and deadline >= today:
        facts += f" The deadline to register there is {deadline:%B} {deadline.day}."
    return facts


def suggested_message(
    *,
    first_name: str | None,
    channel: str | None,
    state_name: str | None = None,
    deadline: date | None = None,
    today: date | None = None,
) -> str:
    """A short, friendly opener in the supporter's voice, with their friend's first name."""
    first = (first_name or "").strip() or "there"
    facts = state_facts(state_name=state_name, deadline=deadline, today=today or date.today())
    template = _TEMPLATES.get(channel or "text", _TEMPLATES["text"])
    return template.format(first=first, facts=facts)
