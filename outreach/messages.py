"""Suggested messages a supporter can send a friend, by channel."""

from __future__ import annotations

_TEMPLATES = {
    "call": (
        "Hi {first}! It's me. Do you have a minute? I wanted to talk about the election{state_bit}."
    ),
    "text": (
        "Hi {first}! Quick one: are you planning to vote this year?{state_bit} "
        "Happy to help with a plan."
    ),
    "social": (
        "Hey {first}, thinking of you with the election coming up{state_bit}. Got a plan to vote?"
    ),
}


def suggested_message(
    *, first_name: str | None, channel: str | None, state_name: str | None
) -> str:
    """A short, friendly opener in the supporter's voice."""
    first = (first_name or "").strip() or "there"
    state_bit = f" Things are close in {state_name}" if state_name else ""
    template = _TEMPLATES.get(channel or "text", _TEMPLATES["text"])
    return template.format(first=first, state_bit=state_bit)
