"""Logging set-up, with a filter that masks phone numbers and emails in every record.

Only what is a phone number or an email is masked: phones are found by ``phonenumbers``'
matcher (numbers valid for their region, or written with a ``+`` country code), so IP
addresses, task ids, timestamps and scores stay readable for an operator.
"""

from __future__ import annotations

import logging
import re

import phonenumbers

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Fewer than seven digits in a row of text cannot hold a phone number: skip the matcher.
_ENOUGH_DIGITS = re.compile(r"(?:\d\D?){7}")


def _decimal_part(text: str, start: int) -> bool:
    """True when the match starts right after ``<digit>.``: the digits of a fraction."""
    return start >= 2 and text[start - 1] in ".," and text[start - 2].isdigit()


def redact(text: str, region: str = "US") -> str:
    """Mask email addresses and phone numbers (valid ones, for ``region`` or international)."""
    text = _EMAIL.sub("[email]", text)
    if not _ENOUGH_DIGITS.search(text):
        return text
    spans = [
        (match.start, match.end)
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        )
        if not _decimal_part(text, match.start)
    ]
    for start, end in reversed(spans):
        text = f"{text[:start]}[phone]{text[end:]}"
    return text


class RedactingFilter(logging.Filter):
    """Rewrite each record's message with personal data masked."""

    def __init__(self, region: str = "US") -> None:
        super().__init__()
        self.region = region

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.region)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str = "INFO", region: str = "US") -> None:
    """Log to stderr with personal data masked; idempotent."""
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler.addFilter(RedactingFilter(region))
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("neo4j", "httpx", "kombu", "amqp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
