"""How people really type phones and emails into an address book.

Small pure functions that take a clean value and a seeded ``random.Random`` and return the
value as it might appear in an export: phones in eight common layouts, emails with stray
case and spaces, and one-digit slips.
"""

from __future__ import annotations

import random

_PHONE_STYLES: tuple[tuple[str, float], ...] = (
    ("({a}) {e}-{l}", 0.30),
    ("{a}-{e}-{l}", 0.20),
    ("{a}{e}{l}", 0.12),
    ("+1 {a} {e} {l}", 0.10),
    ("+1{a}{e}{l}", 0.10),
    ("{a}.{e}.{l}", 0.08),
    ("1-{a}-{e}-{l}", 0.05),
    ("{a} {e} {l}", 0.05),
)
_STYLE_CUMULATIVE: tuple[float, ...] = tuple(
    sum(w for _, w in _PHONE_STYLES[: i + 1]) for i in range(len(_PHONE_STYLES))
)


def split_number(number: int) -> tuple[str, str, str]:
    """Area code, exchange and line of a ten-digit number."""
    digits = f"{number:010d}"
    return digits[:3], digits[3:6], digits[6:]


def format_phone(number: int, rnd: random.Random) -> str:
    """Write a ten-digit US number in one of the layouts people use."""
    a, e, line = split_number(number)
    u = rnd.random()
    for (style, _), edge in zip(_PHONE_STYLES, _STYLE_CUMULATIVE, strict=True):
        if u < edge:
            return style.format(a=a, e=e, l=line)
    return f"{a}{e}{line}"


def transpose_digits(number: int, rnd: random.Random) -> int:
    """Swap two adjacent differing digits after the area code (a typing slip)."""
    digits = list(f"{number:010d}")
    spots = [
        i for i in range(3, 9) if digits[i] != digits[i + 1] and not (i == 3 and digits[4] in "01")
    ]  # an exchange never starts with 0 or 1
    if not spots:
        return number
    i = rnd.choice(spots)
    digits[i], digits[i + 1] = digits[i + 1], digits[i]
    return int("".join(digits))


def messy_email(email: str, rnd: random.Random) -> str:
    """Return ``email`` with the case or whitespace noise that exports carry."""
    u = rnd.random()
    local, _, domain = email.partition("@")
    if u < 0.35:
        return f"{local[:1].upper()}{local[1:]}@{domain[:1].upper()}{domain[1:]}"
    if u < 0.55:
        return email.upper()
    if u < 0.8:
        return f" {email}"
    return f"{email} "
