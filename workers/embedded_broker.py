"""The embedded broker: kombu's SQLAlchemy transport on SQLite, polled ten times a second.

kombu's virtual transports sleep ``polling_interval`` (1 s by default) whenever every queue
is empty, so on the embedded broker a supporter's upload waited up to a second before a
worker saw it, and again for the re-rank chained after it. The interval is normally a
transport option, but the SQLAlchemy transport hands all its options to
``sqlalchemy.create_engine``, which refuses unknown ones; so the interval is a class
attribute of this subclass, registered under its own URL scheme.

An idle worker then runs about ten small SQLite transactions a second per queue: measured
at about 3% of one core for an idle worker (main process and one child). Redis
(``OUTREACH_BROKER_URL``) needs none of this: a Redis worker blocks on the queue and wakes
at once.
"""

from __future__ import annotations

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport.sqlalchemy import Transport as SQLAlchemyTransport

SCHEME = "outreach-sqla"
POLL_SECONDS = 0.1


class Transport(SQLAlchemyTransport):
    """kombu's SQLAlchemy transport with a short idle poll."""

    polling_interval = POLL_SECONDS


def register() -> None:
    """Make ``outreach-sqla+sqlite:///...`` URLs use this transport (idempotent)."""
    TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"


def broker_url(url: str) -> str:
    """The embedded broker's URL on this transport; any other URL unchanged."""
    prefix = "sqla+"
    if url.startswith(prefix):
        register()
        return f"{SCHEME}+{url.removeprefix(prefix)}"
    return url
