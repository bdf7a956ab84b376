"""Logging set-up, with a filter that masks phone numbers and emails in every record."""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{7,}\d(?!\w)")


def redact(text: str) -> str:
    """Mask anything that looks like an email address or a phone number."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


class RedactingFilter(logging.Filter):
    """Rewrite each record's message with personal data masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr with personal data masked; idempotent."""
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("neo4j", "httpx", "kombu", "amqp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
